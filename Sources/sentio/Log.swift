import Foundation

/// Progress and notices go to stderr so stdout stays machine-readable.
enum Log {
    static func standardError(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }
}
