import DSP
import Foundation
import Testing
@testable import Speech

@Suite("Whisper transcription")
struct TranscriptionTests {
    @Test("vm-intro (8 kHz telephone prompt, upsampled) transcribes to its known text",
          .enabled(if: Paths.haveModel && Paths.haveAsterisk, "needs scripts/setup's Whisper model and asterisk-core-sounds-en"))
    func vmIntro() throws {
        let model = try #require(Shared.model)
        let (pcm, rate) = try readWAV(Paths.asteriskSounds.appendingPathComponent("vm-intro.wav"))
        let samples = DSP.Resample.resample(pcm, from: rate, to: 16_000)
        let segments = try SpeechRecognizer(model: model).transcribe(samples)
        for s in segments { print(s.start, s.end, s.text, s.averageLogProbability, s.noSpeechProbability, s.tokens) }
        let text = segments.map(\.text).joined().lowercased()
        #expect(text.contains("please leave your message after the tone"))
    }
}

@Suite("Whisper over long input")
struct LongInputTests {
    static let prompts: [(file: String, text: String)] = [
        ("vm-options", "press 1 to record your unavailable message"),
        ("conf-onlyperson", "you are currently the only person in this conference"),
        ("tt-weasels", "weasels have eaten our phone system"),
        ("agent-pass", "please enter your password followed by the pound key"),
        ("vm-instructions", "to look into your messages press 1 now"),
        ("conf-waitforleader", "the conference will begin when the leader arrives"),
    ]

    @Test("six prompts over more than 30 s: the seek loop crosses windows and finds every prompt at its time",
          .enabled(if: Paths.haveModel && Paths.haveAsterisk, "needs scripts/setup's Whisper model and asterisk-core-sounds-en"))
    func seekLoop() throws {
        let model = try #require(Shared.model)
        var samples: [Float] = []
        var starts: [Double] = []
        for prompt in Self.prompts {
            let (pcm, rate) = try readWAV(Paths.asteriskSounds.appendingPathComponent(prompt.file + ".wav"))
            samples += [Float](repeating: 0, count: 16_000)
            starts.append(Double(samples.count) / 16_000)
            samples += DSP.Resample.resample(pcm, from: rate, to: 16_000)
        }
        samples += [Float](repeating: 0, count: 16_000)
        #expect(samples.count > 30 * 16_000)
        let segments = try SpeechRecognizer(model: model).transcribe(samples)
        let normalized = { (s: String) in String(s.lowercased().filter { $0.isLetter || $0.isNumber || $0 == " " }) }
        for (i, prompt) in Self.prompts.enumerated() {
            let hit = segments.first { normalized($0.text).contains(prompt.text) }
                ?? segments.first { normalized($0.text).contains(prompt.text.split(separator: " ").prefix(3).joined(separator: " ")) }
            let segment = try #require(hit, "\(prompt.file) not found in \(segments.map(\.text))")
            #expect(abs(segment.start - starts[i]) < 1.5, "\(prompt.file) starts at \(starts[i]) s, segment at \(segment.start) s")
        }
        for (a, b) in zip(segments, segments.dropFirst()) { #expect(a.start <= b.start && a.start <= a.end) }
        #expect((segments.last?.end ?? 0) <= Double(samples.count) / 16_000 + 0.02)
    }
}
