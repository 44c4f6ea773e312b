import Foundation
import Synchronization
import Transport

/// Results of one input: streamed to stdout, or collected and written atomically to a file
/// (a killed run never leaves a half file that a resumed run would skip).
final class ResultWriter: @unchecked Sendable {
    private let format: Analyze.ResultFormat
    private let path: String?
    private var buffer = ""
    private var wroteHeader = false
    static let csvColumns = ["stream", "seq", "start", "end", "sentiment", "label", "text_score", "audio_score",
                             "vision_score", "text_present", "audio_present", "vision_present", "model", "latency_ms", "text"]

    init(format: Analyze.ResultFormat, path: String?) {
        self.format = format
        self.path = path
    }

    func add(_ message: UtteranceMessage) throws {
        var line: String
        switch format {
        case .jsonl:
            line = String(decoding: try Schema.encoder().encode(message), as: UTF8.self)
        case .csv:
            if !wroteHeader {
                emit(Self.csvColumns.joined(separator: ","))
                wroteHeader = true
            }
            func number(_ value: Double?) -> String { value.map { String(format: "%.4f", $0) } ?? "" }
            let fields: [String] = [message.stream.value, "\(message.seq)", String(format: "%.3f", message.start),
                                    String(format: "%.3f", message.end), String(format: "%.4f", message.sentiment),
                                    message.label.rawValue, number(message.modalities.text.score),
                                    number(message.modalities.audio.score), number(message.modalities.vision.score),
                                    message.modalities.text.present ? "1" : "0", message.modalities.audio.present ? "1" : "0",
                                    message.modalities.vision.present ? "1" : "0", message.model,
                                    String(format: "%.1f", message.latencyMs), Self.quoted(message.text ?? "")]
            line = fields.joined(separator: ",")
        }
        emit(line)
    }

    private func emit(_ line: String) {
        if path == nil { print(line) } else { buffer += line + "\n" }
    }

    func finish() throws {
        guard let path else { return }
        if format == .csv && !wroteHeader { buffer = Self.csvColumns.joined(separator: ",") + "\n" }
        try Data(buffer.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    static func quoted(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// Files done, media seconds, ETA on stderr (a single updating line on a terminal).
final class BatchProgress: Sendable {
    private struct State { var done = 0; var mediaSeconds = 0.0 }
    private let state = Mutex(State())
    private let total: Int
    private let started = Date()
    private let interactive = isatty(2) != 0

    init(total: Int) { self.total = total }

    func done(mediaSeconds: Double) {
        let (done, media) = state.withLock { state -> (Int, Double) in
            state.done += 1
            state.mediaSeconds += mediaSeconds
            return (state.done, state.mediaSeconds)
        }
        let elapsed = Date().timeIntervalSince(started)
        let eta = done > 0 ? elapsed / Double(done) * Double(total - done) : 0
        let line = String(format: "[%d/%d files] %.1f s of media in %.1f s (%.1f× real time), ETA %.0f s",
                          done, total, media, elapsed, media / max(elapsed, 1e-9), eta)
        FileHandle.standardError.write(Data(((interactive ? "\r" : "") + line + (interactive ? "" : "\n")).utf8))
    }

    func finish() {
        if interactive { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
