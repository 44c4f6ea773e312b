import ArgumentParser
import Foundation
import Media

/// `sentio probe INPUT`: what an input holds, before analysing it.
struct Probe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show an input's streams, codecs, duration, rates and caption tracks.",
        discussion: """
        INPUT is a file or any URL FFmpeg reads (file, pipe:, tcp://, udp://, rtsp://, \
        rtmp://, http(s)://, srt://).

        Examples:
          sentio probe samples/sample.mp4
          sentio probe --json udp://127.0.0.1:5000
        """)

    @Argument(help: "File path or URL.")
    var input: String

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @OptionGroup var source: SourceArguments

    func run() async throws {
        let info = try MediaReader.probe(input, stallTimeout: source.stallTimeout,
                                         inputFormat: source.inputFormat, formatOptions: try source.parsedFormatOptions())
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(info), as: UTF8.self))
        } else {
            print(Self.describe(info))
        }
    }

    static func describe(_ info: MediaInfo) -> String {
        var lines = ["\(info.input)", "  format:   \(info.format) (\(info.formatDescription))"]
        lines.append("  duration: " + (info.duration.map { String(format: "%.3f s", $0) } ?? "unknown (live)"))
        if let bitRate = info.bitRate { lines.append("  bit rate: \(bitRate / 1000) kb/s") }
        for stream in info.streams {
            var parts = ["#\(stream.index) \(stream.kind.rawValue): \(stream.codec)"]
            if let rate = stream.sampleRate { parts.append("\(rate) Hz") }
            if let channels = stream.channels { parts.append("\(channels) ch") }
            if let format = stream.sampleFormat { parts.append(format) }
            if let width = stream.width, let height = stream.height { parts.append("\(width)×\(height)") }
            if let format = stream.pixelFormat { parts.append(format) }
            if let fps = stream.frameRate { parts.append(String(format: "%.3g fps", fps)) }
            if let language = stream.language { parts.append("lang \(language)") }
            if let duration = stream.duration { parts.append(String(format: "%.3f s", duration)) }
            if !stream.decodable { parts.append("NOT DECODABLE") }
            lines.append("  " + parts.joined(separator: ", "))
        }
        lines.append("  caption tracks: \(info.captionTracks.count)")
        return lines.joined(separator: "\n")
    }
}
