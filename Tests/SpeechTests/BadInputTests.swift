import DSP
import Foundation
import Testing
@testable import Speech

@Suite("Speech on bad input")
struct BadInputTests {
    @Test("10 s of digital silence gives no segment; faint noise gives no words",
          .enabled(if: Paths.haveModel, "needs scripts/setup's Whisper model"))
    func silence() throws {
        let model = try #require(Shared.model)
        let recognizer = SpeechRecognizer(model: model)
        #expect(try recognizer.transcribe([Float](repeating: 0, count: 160_000)).isEmpty)
        // Faint noise (about −65 dBFS): faster-whisper emits only " ." segments here (no_speech
        // 0.91, avg_logprob −0.27, so its silence rule keeps them); no words either way.
        var state: UInt64 = 12345
        let noise = (0..<160_000).map { _ -> Float in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: state >> 1) % 2001 - 1000) / 1000 * 0.001
        }
        let noisy = try recognizer.transcribe(noise)
        #expect(!noisy.contains { $0.text.contains(where: \.isLetter) }, "\(noisy.map(\.text))")
        #expect(noisy.allSatisfy { $0.noSpeechProbability > 0.6 })
        // Nothing at all.
        #expect(try recognizer.transcribe([]).isEmpty)
    }

    @Test("a chord progression (music without words) gives no text, or text flagged by no-speech or log probability",
          .enabled(if: Paths.haveModel, "needs scripts/setup's Whisper model"))
    func music() throws {
        let model = try #require(Shared.model)
        // Four 2.5 s triads (C, F, G, C major), harmonics decaying, with a soft attack.
        let chords: [[Double]] = [[261.63, 329.63, 392.0], [349.23, 440.0, 523.25], [392.0, 493.88, 587.33], [261.63, 329.63, 392.0]]
        var samples: [Float] = []
        for chord in chords {
            for n in 0..<40_000 {
                let t = Double(n) / 16_000
                var v = 0.0
                for f in chord { for h in 1...4 { v += sin(2 * .pi * f * Double(h) * t) / Double(h * h) } }
                samples.append(Float(0.08 * v * min(1, t * 20) * exp(-t * 0.6)))
            }
        }
        let segments = try SpeechRecognizer(model: model).transcribe(samples)
        for s in segments {
            let flagged = s.noSpeechProbability > 0.3 || s.averageLogProbability < -0.7
            #expect(flagged || s.text.trimmingCharacters(in: .whitespaces).isEmpty || !s.text.contains(where: \.isLetter),
                    "music transcribed as \"\(s.text)\" (no_speech \(s.noSpeechProbability), avg_logprob \(s.averageLogProbability))")
        }
    }

    @Test("non-finite samples are rejected naming the sample",
          .enabled(if: Paths.haveModel, "needs scripts/setup's Whisper model"))
    func nonFinite() throws {
        let model = try #require(Shared.model)
        var samples = [Float](repeating: 0, count: 16_000)
        samples[123] = .nan
        #expect(throws: SpeechError(.invalidAudio, input: "samples", reason: "sample 123 is nan")) {
            _ = try SpeechRecognizer(model: model).transcribe(samples)
        }
    }

    @Test("a missing model directory names the file it could not read")
    func missingDirectory() {
        do {
            _ = try WhisperModel(directory: URL(fileURLWithPath: "/nonexistent/whisper"))
            Issue.record("loaded a model from nowhere")
        } catch {
            #expect(error.kind == .unreadable)
            #expect(error.input == "/nonexistent/whisper/vocabulary.txt")
        }
    }
}
