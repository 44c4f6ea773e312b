import Foundation

/// Writes lines to stdout as they come, or to a file replaced atomically when done.
final class RowSink {
    private let path: String?
    private var buffer = ""

    init(path: String?) {
        self.path = path
    }

    func write(_ line: String) {
        if path == nil {
            print(line)
        } else {
            buffer += line
            buffer += "\n"
        }
    }

    func finish() throws {
        guard let path else { return }
        // A feature folder <video_id>/<clip_id>.… may not exist yet.
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        try Data(buffer.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
