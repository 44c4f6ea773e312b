import Foundation
import Pipeline
import Testing

@Suite("Speech chunks for recognition: closed at pauses, at most 28 s, bounded memory")
struct SpeechChunkerTests {
    /// Deterministic noise at about -25 dBFS gated like syllables (200 ms on, 100 ms 26 dB
    /// down), so the detector's noise floor keeps calling it speech.
    static func noise(_ seconds: Double, seed: UInt64) -> [Float] {
        var state = seed
        return (0..<Int(seconds * 16_000)).map { i in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let envelope: Float = i % 4800 < 3200 ? 1 : 0.05
            return envelope * Float(Int64(bitPattern: state >> 11) % 2000 - 1000) / 10_000
        }
    }

    static func silence(_ seconds: Double) -> [Float] { [Float](repeating: 0, count: Int(seconds * 16_000)) }

    static func run(_ samples: [Float], piece: Int = 1600, chunker: inout SpeechChunker,
                    maxBuffered: inout Int) -> [SpeechChunker.Chunk] {
        var out: [SpeechChunker.Chunk] = []
        var i = 0
        while i < samples.count {
            let end = min(samples.count, i + piece)
            out += chunker.push(Array(samples[i..<end]), startTime: Double(i) / 16_000)
            maxBuffered = max(maxBuffered, chunker.bufferedSamples)
            i = end
        }
        return out + chunker.finish()
    }

    @Test("Two utterances and a click: two chunks with 0.2 s margins, the click dropped")
    func pauses() {
        // speech 1.0–3.0, click 5.0–5.1, speech 7.0–8.6, then silence to 10 s.
        let audio = Self.silence(1) + Self.noise(2, seed: 1) + Self.silence(2) + Self.noise(0.1, seed: 2)
            + Self.silence(1.9) + Self.noise(1.6, seed: 3) + Self.silence(1.4)
        var chunker = SpeechChunker()
        var buffered = 0
        let chunks = Self.run(audio, chunker: &chunker, maxBuffered: &buffered)
        #expect(chunks.count == 2, "\(chunks.map { ($0.start, $0.end) })")
        guard chunks.count == 2 else { return }
        #expect(abs(chunks[0].start - 0.8) < 0.05 && abs(chunks[0].end - 3.2) < 0.05, "\(chunks[0].start)–\(chunks[0].end)")
        #expect(abs(chunks[1].start - 6.8) < 0.05 && abs(chunks[1].end - 8.8) < 0.05, "\(chunks[1].start)–\(chunks[1].end)")
        // The chunk's samples are the stream's samples at its times.
        let offset = Int((chunks[1].start * 16_000).rounded())
        #expect(chunks[1].samples == Array(audio[offset..<offset + chunks[1].samples.count]))
    }

    @Test("Two phrases 0.6 s apart: one chunk for a recording, two for a live stream")
    func presets() {
        let audio = Self.silence(1) + Self.noise(2, seed: 5) + Self.silence(0.6) + Self.noise(1.9, seed: 6) + Self.silence(2)
        var recording = SpeechChunker(settings: .recording), live = SpeechChunker(settings: .live)
        var buffered = 0
        let long = Self.run(audio, chunker: &recording, maxBuffered: &buffered)
        let short = Self.run(audio, chunker: &live, maxBuffered: &buffered)
        #expect(long.map { ($0.start * 10).rounded() / 10 } == [0.8] && abs((long.first?.end ?? 0) - 5.7) < 0.05,
                "\(long.map { ($0.start, $0.end) })")
        #expect(short.count == 2 && abs(short[0].end - 3.2) < 0.05 && abs(short[1].start - 3.4) < 0.05,
                "\(short.map { ($0.start, $0.end) })")
    }

    @Test("Speech without a pause is cut into chunks of at most 28 s that tile it")
    func longSpeech() {
        let audio = Self.silence(1) + Self.noise(70, seed: 4) + Self.silence(1)
        var chunker = SpeechChunker()
        var buffered = 0
        let chunks = Self.run(audio, chunker: &chunker, maxBuffered: &buffered)
        #expect(chunks.count == 3, "\(chunks.map { ($0.start, $0.end) })")
        #expect(chunks.allSatisfy { $0.end - $0.start <= 28.001 })
        #expect(abs(chunks.first!.start - 0.8) < 0.05 && abs(chunks.last!.end - 71.2) < 0.05)
        for (a, b) in zip(chunks, chunks.dropFirst()) { #expect(b.start <= a.end, "gap between \(a.end) and \(b.start)") }
    }

    @Test("Ten minutes of speech and silence keep at most 28 s + look-ahead of audio")
    func boundedMemory() {
        var audio: [Float] = []
        for k in 0..<60 { audio += Self.noise(Double(1 + k % 20), seed: UInt64(k)) + Self.silence(2) }
        var chunker = SpeechChunker()
        var buffered = 0
        let chunks = Self.run(audio, chunker: &chunker, maxBuffered: &buffered)
        #expect(chunks.count == 60)
        #expect(buffered <= Int(29.5 * 16_000), "held \(buffered) samples")
    }
}
