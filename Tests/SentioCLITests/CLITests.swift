import Foundation
import Testing

/// The `sentio` executable, run as a process the way a user or a script runs it.
enum CLI {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let sample = repo.appendingPathComponent("samples/sample.mp4").path

    /// The binary sits beside the test bundle in the build folder.
    static var binary: URL {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var folder = testBinary.deletingLastPathComponent()
        while folder.path != "/" {
            let candidate = folder.appendingPathComponent("sentio")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        return repo.appendingPathComponent(".build/debug/sentio")
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }
}

@Suite("The sentio command line")
struct CLITests {
    @Test("probe --json describes the bundled sample: H.264, AAC 16 kHz mono and an English mov_text track")
    func probeJSON() throws {
        let result = try CLI.run(["probe", "--json", CLI.sample])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let streams = try #require(json["streams"] as? [[String: Any]])
        #expect(streams.map { $0["codec"] as? String } == ["h264", "aac", "mov_text"])
        #expect(streams[1]["sampleRate"] as? Int == 16_000)
        #expect(streams[2]["language"] as? String == "eng")
        #expect(abs((json["duration"] as? Double ?? 0) - 12.6) < 0.1)
    }

    @Test("extract audio --raw writes a 16 kHz mono WAV with the ffmpeg CLI's samples")
    func extractAudio() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("sentio-cli-\(getpid()).wav").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let result = try CLI.run(["extract", "audio", CLI.sample, "--raw", out, "--encoding", "pcm16"])
        #expect(result.status == 0, "\(result.stderr)")
        // Read it back with the ffmpeg CLI: what a user would do with the file.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["ffprobe", "-v", "error", "-show_entries", "stream=sample_rate,channels,codec_name,duration_ts",
                             "-of", "csv=p=0", out]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let fields = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ",").map(String.init)
        #expect(fields.count == 4 && fields[0] == "pcm_s16le" && fields[1] == "16000" && fields[2] == "1", "\(text)")
        let samples = Int(fields.last ?? "") ?? 0
        let reference = Process()
        reference.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        reference.arguments = ["ffmpeg", "-v", "error", "-nostdin", "-i", CLI.sample, "-ac", "1", "-ar", "16000", "-f", "f32le", "-"]
        let referencePipe = Pipe()
        reference.standardOutput = referencePipe
        try reference.run()
        let referenceSamples = referencePipe.fileHandleForReading.readDataToEndOfFile().count / 4
        reference.waitUntilExit()
        #expect(samples == referenceSamples, "Sentio wrote \(samples) samples, the ffmpeg CLI decodes \(referenceSamples)")
        #expect(abs(Double(samples) / 16_000 - 12.6) < 0.1)
    }

    @Test("A missing input exits non-zero with a message naming it, and nothing on stdout")
    func missingInput() throws {
        let result = try CLI.run(["probe", "/nonexistent/clip.mp4"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("/nonexistent/clip.mp4: no such file"))
        #expect(result.stdout.isEmpty)
    }

    @Test("Bad flags are refused with a usage message")
    func validation() throws {
        let result = try CLI.run(["extract", "audio", CLI.sample])
        #expect(result.status != 0)
        #expect(result.stderr.contains("--raw"))
    }
}
