import Foundation
import Media
import Pipeline
import Synchronization
import Testing

/// The stream's owning task on synthetic live inputs: events are handed over on a real-time
/// schedule, so release by the played clock, drain and the drop policy can be timed.
@Suite("One stream's analysis, live", .serialized)
struct StreamAnalyzerTests {
    /// A text-only model that takes `delay` per utterance and scores the text length.
    struct TextScorer: UtteranceScoring {
        var delay: Double = 0
        var modelID: String { "test-text" }
        var usesAcoustic: Bool { false }
        var usesVisual: Bool { false }
        func score(_ input: UtteranceInput) throws -> UtteranceScore {
            if delay > 0 { Thread.sleep(forTimeInterval: delay) }
            let value = Float(input.window.text?.count ?? 0) / 10
            return UtteranceScore(sentiment: min(3, value), text: min(3, value))
        }
    }

    /// 16 kHz silence in `step`-second chunks covering [from, to).
    static func audio(from: Double, to: Double, step: Double = 0.02) -> [AudioChunk] {
        stride(from: from, to: to - 1e-9, by: step).map {
            AudioChunk(startTime: $0, sampleRate: 16_000, samples: [Float](repeating: 0, count: Int(step * 16_000)))
        }
    }

    /// Hands each chunk over when its end has played (real time from `start`), like a live
    /// input, or `delay` seconds later for the chunks that `delay` returns a value for.
    static func live(_ chunks: [AudioChunk], start: ContinuousClock.Instant,
                     delay: @escaping @Sendable (AudioChunk) -> Double = { _ in 0 }) -> AsyncStream<MediaEvent> {
        AsyncStream { continuation in
            let task = Task {
                for chunk in chunks {
                    let due = chunk.endTime + delay(chunk)
                    try? await Task.sleep(until: start + .microseconds(Int64(due * 1_000_000)), clock: .continuous)
                    if Task.isCancelled { break }
                    continuation.yield(.audio(chunk))
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    static func analyzer(_ segments: [Transcript.Segment], live: Bool, scorer: TextScorer = TextScorer(),
                         queue: Int = 8) -> StreamAnalyzer {
        var settings = StreamAnalyzer.Settings(windows: .transcript(Transcript(segments: segments)))
        settings.live = live
        settings.scoringQueueCapacity = queue
        return StreamAnalyzer(settings: settings, scorer: scorer, faceAnalyzer: nil)
    }

    @Test("A live utterance is published within 150 ms of its played end although the audio after it is withheld for 3 s; one beyond the clock's lead waits for audio")
    func playedClockRelease() async throws {
        // Audio plays in real time up to 1.0 s, then the input is silent until 4.0 s.
        let chunks = Self.audio(from: 0, to: 1.6)
        let segments = [Transcript.Segment(start: 0.2, end: 1.3, text: "a cue that ends in the gap"),
                        Transcript.Segment(start: 2.2, end: 2.6, text: "beyond the lead")]
        let analyzer = Self.analyzer(segments, live: true)
        let clock = ContinuousClock()
        let start = clock.now
        let arrivals = Mutex<[(UtteranceResult, Double)]>([])
        let run = Task {
            try await analyzer.run(events: Self.live(chunks, start: start, delay: { $0.startTime >= 1.0 - 1e-9 ? 3 : 0 })) { result in
                arrivals.withLock { $0.append((result, StreamAnalyzerTests.seconds(clock.now - start))) }
            }
        }
        try await Task.sleep(until: start + .milliseconds(3500), clock: clock)
        let early = arrivals.withLock { $0 }
        run.cancel()
        _ = try await run.value
        // The first window's end plays at 1.3 s: published then, not when audio resumes at 4.0 s.
        #expect(early.count == 1, "\(early.map { ($0.0.window.start, $0.1) })")
        if let (result, arrival) = early.first {
            #expect(result.window.end == 1.3 && result.seq == 1)
            #expect(arrival - 1.3 < 0.15 && arrival - 1.3 > -0.01, "published \(arrival - 1.3) s after its played end")
            #expect(result.latencyMilliseconds < 150 && result.latencyMilliseconds >= 0, "latency_ms \(result.latencyMilliseconds)")
        }
    }

    @Test("SIGTERM-style cancellation while an utterance plays: it is still finished and handed on, the next one is not")
    func drain() async throws {
        let chunks = Self.audio(from: 0, to: 5)
        let segments = [Transcript.Segment(start: 0.2, end: 2.0, text: "in flight"),
                        Transcript.Segment(start: 3.0, end: 4.0, text: "not yet")]
        let analyzer = Self.analyzer(segments, live: true)
        let results = Mutex<[UtteranceResult]>([])
        let start = ContinuousClock.now
        let run = Task {
            try await analyzer.run(events: Self.live(chunks, start: start)) { result in results.withLock { $0.append(result) } }
        }
        try await Task.sleep(until: start + .milliseconds(800), clock: .continuous)
        run.cancel()
        let summary = try await run.value
        #expect(summary.drained)
        #expect(results.withLock { $0.map(\.window.text) } == ["in flight"])
    }

    /// 30 utterances of 1.2 s, one every 2 s, over 60 s of audio handed over at 50× real time
    /// (1.2 s), and a model that needs 100 ms each (3 s for all).
    static func behind(live: Bool) async throws -> (StreamAnalyzer.Summary, [UtteranceResult], [UtteranceWindow]) {
        let segments = (0..<30).map { Transcript.Segment(start: Double($0) * 2, end: Double($0) * 2 + 1.2, text: "utterance \($0)") }
        let analyzer = Self.analyzer(segments, live: live, scorer: TextScorer(delay: 0.1), queue: 4)
        let chunks = Self.audio(from: 0, to: 60.5, step: 0.25)
        let fast = AsyncStream<MediaEvent> { continuation in
            let task = Task {
                for chunk in chunks {
                    try? await Task.sleep(for: .milliseconds(5))
                    continuation.yield(.audio(chunk))
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
        var results: [UtteranceResult] = []
        var dropped: [UtteranceWindow] = []
        let summary = try await analyzer.run(events: fast, onDrop: { dropped.append($0) }) { results.append($0) }
        return (summary, results, dropped)
    }

    @Test("A live input whose model falls behind: the oldest waiting utterances are dropped and counted, the queue stays within its bound, the rest come out in order with seq 1, 2, 3…")
    func dropsWhenBehind() async throws {
        let (summary, results, dropped) = try await Self.behind(live: true)
        #expect(summary.dropped > 0 && summary.dropped == dropped.count)
        #expect(results.count + summary.dropped == 30, "every utterance is scored or counted as dropped")
        #expect(summary.peakScoringQueue <= 4, "peak \(summary.peakScoringQueue)")
        #expect(results.map(\.seq) == Array(1...results.count))
        let starts = results.map(\.window.start)
        #expect(starts == starts.sorted() && Set(starts).count == starts.count)
        // The dropped ones are exactly those not published.
        #expect(Set(dropped.map(\.start)).union(starts) == Set((0..<30).map { Double($0) * 2 }))
        #expect(Set(dropped.map(\.start)).isDisjoint(with: starts))
    }

    @Test("A file input whose model is slower than decoding drops nothing: decoding waits")
    func fileBackPressure() async throws {
        let (summary, results, dropped) = try await Self.behind(live: false)
        #expect(summary.dropped == 0 && dropped.isEmpty)
        #expect(results.map(\.window.text) == (0..<30).map { "utterance \($0)" })
        #expect(summary.peakScoringQueue <= 4)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }
}
