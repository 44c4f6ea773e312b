import DSP
import Foundation
import Testing
@testable import Speech

/// faster-whisper 1.2.1 / CTranslate2 4.8.5 on the same model and the same decoded audio
/// (scripts/reference/whisper_fixtures.py → Fixtures/whisper_reference.json, whisper_encoder.json, mel_*.f32).
enum Reference {
    struct Clip {
        var id: String
        var json: [String: Any]
        var inputs: [String]
        var telephone: Bool
    }

    /// Read-only after the first access.
    nonisolated(unsafe) static let document: [String: Any]? = {
        guard let data = try? Data(contentsOf: Paths.fixtures.appendingPathComponent("whisper_reference.json")) else { return nil }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }()

    static var clips: [Clip] {
        ((document?["clips"] as? [[String: Any]]) ?? []).map { c in
            let input = c["input"]
            let inputs = (input as? [String]) ?? [(input as? String) ?? ""]
            return Clip(id: c["id"] as? String ?? "", json: c, inputs: inputs, telephone: c["telephone"] as? Bool ?? false)
        }
    }

    static let corpus = URL(fileURLWithPath: ProcessInfo.processInfo.environment["SENTIO_SPEECH_CORPUS"] ?? "/tmp/sentio-speech-corpus")
    static let shared = Paths.repo.appendingPathComponent("../shared").standardizedFileURL

    static func path(_ input: String) -> String {
        input.replacingOccurrences(of: "<corpus>", with: corpus.path).replacingOccurrences(of: "<shared>", with: shared.path)
            .replacingOccurrences(of: "samples/", with: Paths.repo.appendingPathComponent("samples").path + "/")
    }

    /// Whether the clip's audio is on this machine (the corpus and shared data are optional).
    static func available(_ clip: Clip) -> Bool {
        clip.inputs == ["zeros"] || clip.inputs.allSatisfy { FileManager.default.fileExists(atPath: path($0)) }
    }

    /// Decoded as the fixture script decodes: `ffmpeg -i X -ac 1 -ar 16000 -f f32le -` (via 8 kHz for telephone).
    static func samples(_ clip: Clip) throws -> [Float] {
        if clip.inputs == ["zeros"] { return [Float](repeating: 0, count: (clip.json["samples"] as? Int) ?? 0) }
        var out: [Float] = []
        let long = clip.inputs.count > 1
        for input in clip.inputs {
            let source = path(input)
            let command = clip.telephone
                ? "ffmpeg -nostdin -v error -i '\(source)' -ac 1 -ar 8000 -f wav - | ffmpeg -nostdin -v error -i - -ac 1 -ar 16000 -f f32le -"
                : "ffmpeg -nostdin -v error -i '\(source)' -ac 1 -ar 16000 -f f32le -"
            out += try readFloats(run(command))
            if long { out += [Float](repeating: 0, count: 16_000) }
        }
        return out
    }

    static func run(_ command: String) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return data
    }

    static var haveFFmpeg: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/ffmpeg") }
}

func readFloats(_ data: Data) -> [Float] {
    let bytes = [UInt8](data)
    return (0..<bytes.count / 4).map { i in
        Float(bitPattern: UInt32(bytes[4 * i]) | UInt32(bytes[4 * i + 1]) << 8 | UInt32(bytes[4 * i + 2]) << 16 | UInt32(bytes[4 * i + 3]) << 24)
    }
}

@Suite("Whisper against faster-whisper")
struct ReferenceTests {
    @Test("log-mel of the decoded clips matches FeatureExtractor to 1e-4 (whole-input max−8 clamp included)",
          .enabled(if: Reference.haveFFmpeg && Reference.document != nil, "needs ffmpeg and the reference fixtures"))
    func mel() throws {
        let mel = WhisperMel()
        var compared = 0
        for clip in Reference.clips where Reference.available(clip) {
            guard let info = clip.json["mel"] as? [String: Any], let file = info["file"] as? String else { continue }
            let expected = try readFloats(Paths.fixtures.appendingPathComponent(file))
            let samples = try Reference.samples(clip)
            let (values, frames) = mel.features(of: samples)
            let shape = info["shape"] as? [Int] ?? []
            #expect(shape == [80, frames], "\(clip.id)")
            #expect(values.count == expected.count)
            let diff = zip(values, expected).map { abs($0 - $1) }.max() ?? .infinity
            #expect(diff < 1e-4, "\(clip.id): max |Δ| \(diff)")
            print("mel \(clip.id): max |Δ| \(diff)")
            compared += 1
        }
        #expect(compared >= 1)
    }

    @Test("encoder output of one window matches CTranslate2 to 1e-4 of its scale",
          .enabled(if: Paths.haveModel && Reference.document != nil, "needs scripts/setup's Whisper model and the fixtures"))
    func encoder() throws {
        let model = try #require(Shared.model)
        let data = try Data(contentsOf: Paths.fixtures.appendingPathComponent("whisper_encoder.json"))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let clip = try #require(json["clip"] as? String)
        let mel = try readFloats(Paths.fixtures.appendingPathComponent("mel_\(clip).f32"))
        let frames = mel.count / 80, content = frames - 1
        var window = [Float](repeating: 0, count: 80 * 3000)
        for m in 0..<80 { for f in 0..<content { window[m * 3000 + f] = mel[m * frames + f] } }
        let out = model.encode(window)
        let scale = Float(json["std"] as? Double ?? 1)
        func row(_ i: Int) -> [Float] { Array(out[(i * 384)..<((i + 1) * 384)]) }
        var worst: Float = 0
        let firstRows = (json["frames_0_2"] as? [[Double]]) ?? []
        for (i, r) in firstRows.enumerated() { worst = max(worst, zip(row(i), r).map { abs($0 - Float($1)) }.max() ?? 0) }
        for (key, i) in [("frame_100", 100), ("frame_1499", 1499)] {
            let r = (json[key] as? [Double]) ?? []
            #expect(r.count == 384)
            worst = max(worst, zip(row(i), r).map { abs($0 - Float($1)) }.max() ?? 0)
        }
        let means = (json["frame_means"] as? [Double]) ?? []
        #expect(means.count == 1500)
        for (i, m) in means.enumerated() {
            let mine = row(i).reduce(0, +) / 384
            worst = max(worst, abs(mine - Float(m)))
        }
        #expect(worst / scale < 1e-4, "max |Δ| \(worst) vs scale \(scale)")
        print("encoder \(clip): max |Δ| \(worst), scale (std) \(scale)")
    }

    @Test("greedy decoding gives faster-whisper's tokens, no-speech probability, log probability and segments",
          .enabled(if: Paths.haveModel && Reference.haveFFmpeg && Reference.document != nil, "needs the model, ffmpeg and the fixtures"),
          arguments: Reference.clips.filter(Reference.available).map(\.id))
    func decoding(_ id: String) throws {
        let clip = try #require(Reference.clips.first { $0.id == id })
        let model = try #require(Shared.model)
        let recognizer = SpeechRecognizer(model: model, options: SpeechOptions(wordTimestamps: true))
        let samples = try Reference.samples(clip)
        #expect(samples.count == clip.json["samples"] as? Int)
        // First window alone: tokens, no_speech_prob, CTranslate2's score (sum / length).
        let first = try #require(clip.json["first_window"] as? [String: Any])
        let (features, frames) = WhisperMel().features(of: samples)
        var window = [Float](repeating: 0, count: 80 * 3000)
        for m in 0..<80 { for f in 0..<min(3000, frames - 1) { window[m * 3000 + f] = features[m * frames + f] } }
        let result = recognizer.decodeWindow(model.encode(window))
        #expect(result.tokens == first["tokens"] as? [Int], "\(id)")
        #expect(abs(result.noSpeechProbability - Float(first["no_speech_prob"] as? Double ?? -1)) < 2e-3)
        let n = Float(result.tokens.count)
        let score = Float(first["score"] as? Double ?? 0)
        #expect(abs(result.averageLogProbability - score * n / (n + 1)) < 5e-3, "\(id): \(result.averageLogProbability) vs \(score * n / (n + 1))")
        // Whole transcription: same segments (text, tokens, times).
        let greedy = try #require(clip.json["greedy"] as? [String: Any])
        let expected = (greedy["segments"] as? [[String: Any]]) ?? []
        let segments = try recognizer.transcribe(samples)
        #expect(segments.count == expected.count, "\(id): \(segments.map(\.text)) vs \(expected.map { $0["text"] ?? "" })")
        for (s, e) in zip(segments, expected) {
            #expect(s.text == e["text"] as? String)
            #expect(s.tokens == e["tokens"] as? [Int])
            #expect(abs(s.start - (e["start"] as? Double ?? -1)) < 1e-6 && abs(s.end - (e["end"] as? Double ?? -1)) < 1e-6,
                    "\(id): \(s.start)–\(s.end) vs \(e["start"] ?? "")–\(e["end"] ?? "")")
            #expect(abs(s.averageLogProbability - Float(e["avg_logprob"] as? Double ?? 0)) < 5e-3)
            #expect(abs(s.noSpeechProbability - Float(e["no_speech_prob"] as? Double ?? 0)) < 2e-3)
            let words = (e["words"] as? [[String: Any]]) ?? []
            if let mine = s.words {
                #expect(mine.map(\.word) == words.map { $0["word"] as? String ?? "" }, "\(id)")
                for (w, r) in zip(mine, words) {
                    #expect(abs(w.start - (r["start"] as? Double ?? -1)) < 0.021 && abs(w.end - (r["end"] as? Double ?? -1)) < 0.021,
                            "\(id) \(w.word): \(w.start)–\(w.end) vs \(r["start"] ?? "")–\(r["end"] ?? "")")
                }
            }
        }
    }
}
