import ArgumentParser
import Foundation
import Media

/// `sentio bench ingest`: decode throughput of Sentio's Media stage next to the ffmpeg CLI
/// doing the same conversion on the same generated clip.
struct BenchIngest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Decode throughput (media seconds per wall second) vs the ffmpeg CLI.",
        discussion: """
        Generates a 720p30 H.264 + AAC clip with the ffmpeg CLI (unless --input is given), then
        times, alternately, Sentio and `ffmpeg` on (a) audio only: 16 kHz mono Float32, and
        (b) audio + video scaled to 320×240 gray8. Reports the median of --runs runs.

        Example:
          swift run -c release sentio bench ingest --seconds 60 --runs 5
        """)

    @Option(help: "Length of the generated clip in seconds.")
    var seconds: Int = 60

    @Option(help: "Timed runs per case (the median is reported).")
    var runs: Int = 3

    @Option(help: "Use this input instead of generating one.")
    var input: String?

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    struct Row: Codable {
        var task: String
        var sentioSeconds: Double
        var ffmpegSeconds: Double
        var sentioSpeed: Double
        var ffmpegSpeed: Double
        var ratio: Double
    }

    func run() async throws {
        let clip: String
        if let input {
            clip = input
        } else {
            clip = FileManager.default.temporaryDirectory.appendingPathComponent("sentio-bench-\(seconds)s-720p30.mp4").path
            if !FileManager.default.fileExists(atPath: clip) {
                Log.standardError("generating \(clip)")
                try runTool(["-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30:duration=\(seconds)",
                             "-f", "lavfi", "-i", "sine=frequency=220:sample_rate=44100:duration=\(seconds)",
                             "-ac", "2", "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
                             "-c:a", "aac", "-shortest", "-y", clip])
            }
        }
        let info = try MediaReader.probe(clip)
        let duration = info.duration ?? Double(seconds)

        let audioOnly = MediaReadOptions(audio: .speech, video: nil, captions: false)
        let audioVideo = MediaReadOptions(audio: .speech, video: VideoFormat(width: 320, height: 240, pixelFormat: .gray8),
                                          captions: false)
        let cases: [(String, MediaReadOptions, [String])] = [
            ("audio 16 kHz mono", audioOnly,
             ["-i", clip, "-vn", "-ac", "1", "-ar", "16000", "-f", "f32le", "-y", "/dev/null"]),
            ("audio + video 320×240 gray", audioVideo,
             ["-i", clip, "-map", "0:v", "-vf", "scale=320:240:flags=bilinear", "-pix_fmt", "gray", "-f", "rawvideo",
              "-y", "/dev/null", "-map", "0:a", "-ac", "1", "-ar", "16000", "-f", "f32le", "-y", "/dev/null"]),
        ]
        var rows: [Row] = []
        for (name, options, ffmpegArguments) in cases {
            var sentioTimes: [Double] = [], ffmpegTimes: [Double] = []
            for _ in 0..<max(1, runs) {
                sentioTimes.append(try await timeSentio(clip, options))
                ffmpegTimes.append(try timeFFmpeg(ffmpegArguments))
            }
            let s = median(sentioTimes), f = median(ffmpegTimes)
            rows.append(Row(task: name, sentioSeconds: s, ffmpegSeconds: f, sentioSpeed: duration / s,
                            ffmpegSpeed: duration / f, ratio: f / s))
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(rows), as: UTF8.self))
        } else {
            print(String(format: "input: %@ (%.1f s of media), median of %d runs", clip, duration, runs))
            print("task                          sentio s   ffmpeg s   sentio ×RT  ffmpeg ×RT  ratio (ffmpeg/sentio time)")
            for row in rows {
                let label = row.task.padding(toLength: 28, withPad: " ", startingAt: 0)
                print(label + String(format: "  %8.3f   %8.3f   %9.1f   %9.1f   %.2f", row.sentioSeconds,
                                     row.ffmpegSeconds, row.sentioSpeed, row.ffmpegSpeed, row.ratio))
            }
        }
    }

    private func timeSentio(_ clip: String, _ options: MediaReadOptions) async throws -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        var samples = 0, frames = 0
        for try await event in MediaReader(clip, options: options).events() {
            switch event {
            case .audio(let chunk): samples += chunk.samples.count
            case .video: frames += 1
            case .caption: break
            }
        }
        let elapsed = clock.now - start
        guard samples > 0 else { throw ValidationError("Sentio decoded no audio from \(clip)") }
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    private func timeFFmpeg(_ arguments: [String]) throws -> Double {
        let start = Date()
        try runTool(arguments)
        return Date().timeIntervalSince(start)
    }

    private func runTool(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin"] + arguments
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ValidationError("ffmpeg failed (\(process.terminationStatus)): ffmpeg \(arguments.joined(separator: " "))")
        }
    }

    private func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted[sorted.count / 2]
    }
}
