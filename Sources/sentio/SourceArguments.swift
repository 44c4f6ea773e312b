import ArgumentParser
import Media

/// How to open an input; shared by every command that reads media.
struct SourceArguments: ParsableArguments {
    @Option(name: .customLong("timeout"), help: "Seconds a live source may send nothing before the read fails.")
    var timeoutSeconds: Double = 10

    @Option(name: .customLong("input-format"), help: "Force FFmpeg's input format (e.g. mpegts, s16le).")
    var inputFormat: String?

    @Option(name: .customLong("format-option"), help: "A demuxer/protocol option KEY=VALUE (repeatable), e.g. rtsp_transport=tcp.")
    var formatOptions: [String] = []

    var stallTimeout: Duration? { timeoutSeconds > 0 ? .milliseconds(Int64(timeoutSeconds * 1000)) : nil }

    func parsedFormatOptions() throws -> [String: String] {
        var result: [String: String] = [:]
        for option in formatOptions {
            guard let equals = option.firstIndex(of: "="), equals != option.startIndex else {
                throw ValidationError("--format-option expects KEY=VALUE, got '\(option)'")
            }
            result[String(option[..<equals])] = String(option[option.index(after: equals)...])
        }
        return result
    }

    func validate() throws {
        if timeoutSeconds < 0 { throw ValidationError("--timeout must be ≥ 0 (0 waits forever)") }
        _ = try parsedFormatOptions()
    }
}
