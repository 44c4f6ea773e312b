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
