import Foundation
import Media
import Pipeline
import Testing

@Suite("Voice activity segments for audio without a transcript")
struct VoiceActivityDetectorTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func detect(_ samples: [Float], chunk: Int = 1234) -> [VoiceActivityDetector.Segment] {
        var vad = VoiceActivityDetector()
        var out: [VoiceActivityDetector.Segment] = []
        var index = 0
        while index < samples.count {
            let end = min(samples.count, index + chunk)
            out += vad.push(Array(samples[index..<end]), startTime: Double(index) / 16_000)
            index = end
        }
        return out + vad.finish()
    }

    @Test("The bundled sample's three spoken sentences are found where its captions put them (±0.2 s)")
    func sampleSpeech() async throws {
        let sample = Self.repo.appendingPathComponent("samples/sample.mp4").path
        let media = try await MediaReader(sample, options: MediaReadOptions(audio: .speech, captions: true)).readAll()
        let segments = Self.detect(media.audio)
        #expect(segments.count == media.captions.count, "\(segments) vs \(media.captions)")
        for (segment, cue) in zip(segments, media.captions) {
            #expect(abs(segment.start - cue.start) < 0.2, "start \(segment.start) vs cue \(cue.start)")
            #expect(abs(segment.end - cue.end) < 0.35, "end \(segment.end) vs cue \(cue.end)")
        }
    }

    @Test("Silence, and a constant hum, give no segments")
    func silence() {
        #expect(Self.detect([Float](repeating: 0, count: 16_000 * 5)).isEmpty)
        let hum = (0..<16_000 * 5).map { Float(0.05 * sin(2 * Double.pi * 50 * Double($0) / 16_000)) }
        let segments = Self.detect(hum)
        #expect(segments.allSatisfy { $0.end < 1.5 }, "at most the first second, before the floor adapts: \(segments)")
    }

    @Test("NaN and infinite samples are treated as silence, not speech")
    func nonFinite() {
        #expect(Self.detect([Float](repeating: .nan, count: 16_000) + [Float](repeating: .infinity, count: 16_000)).isEmpty)
    }

    @Test("Segments are identical whatever the chunk size, and the look-ahead stays under one frame")
    func chunking() async throws {
        let sample = Self.repo.appendingPathComponent("samples/sample.mp4").path
        let audio = try await MediaReader(sample).readAll().audio
        #expect(Self.detect(audio, chunk: 160) == Self.detect(audio, chunk: 16_000))
        var vad = VoiceActivityDetector()
        for start in stride(from: 0, to: audio.count, by: 777) {
            _ = vad.push(Array(audio[start..<min(audio.count, start + 777)]), startTime: Double(start) / 16_000)
            #expect(vad.bufferedSamples < 480)
        }
    }
}

extension VoiceActivityDetectorTests {
    @Test("Real speech (the MOSI clip) is found as speech covering the words")
    func realSpeech() async throws {
        let wav = Self.repo.deletingLastPathComponent().appendingPathComponent("shared/data/media/mosi_03bSnISJMiM_1.wav").path
        guard FileManager.default.fileExists(atPath: wav) else { return }
        let audio = try await MediaReader(wav).readAll().audio
        let segments = Self.detect(audio)
        let covered = segments.reduce(0) { $0 + $1.end - $1.start }
        #expect(!segments.isEmpty)
        #expect(covered > 1.0 && covered < 3.4, "speech \(covered) s of 3.3 s: \(segments)")
    }
}
