import Dispatch
import Foundation
import Media
import Speech
import Synchronization

/// Transcribes speech chunks off the analysis task: chunks wait in a bounded queue and one
/// worker thread (a serial dispatch queue, not the cooperative pool, since a chunk takes
/// seconds of CPU) turns them into transcript segments on the stream's clock.
///
/// When the queue is full: a live stream drops the oldest waiting chunk (its speech gets no
/// window; counted in `dropped`), so decoding never waits for recognition and latency stays
/// bounded; a recording waits for room instead (nothing is lost, decoding just pauses).
public final class SpeechTranscriber: Sendable {
    public enum Overflow: Sendable { case dropOldest, wait }

    public let recognizer: any SpeechRecognizing
    /// Chunks waiting (not counting the one being transcribed).
    public let capacity: Int
    public let overflow: Overflow

    private struct State {
        var queue: [SpeechChunker.Chunk] = []
        /// Start of the chunk being transcribed.
        var busyStart: Double?
        var done: [Transcript.Segment] = []
        var dropped = 0
        var failures: [String] = []
    }
    private let state = Mutex(State())
    private let worker = DispatchQueue(label: "sentio.speech-transcriber", qos: .userInitiated)

    public init(recognizer: any SpeechRecognizing, capacity: Int = 4, overflow: Overflow) {
        self.recognizer = recognizer
        self.capacity = max(1, capacity)
        self.overflow = overflow
    }

    /// Queues a chunk; with `.wait`, suspends while the queue is full.
    public func submit(_ chunk: SpeechChunker.Chunk) async {
        if overflow == .wait {
            while state.withLock({ $0.queue.count >= capacity }) { await Self.pause() }
        }
        state.withLock { s in
            if s.queue.count >= capacity {
                s.queue.removeFirst()
                s.dropped += 1
            }
            s.queue.append(chunk)
        }
        // One block per submitted chunk; a block finding the queue empty (its chunk dropped)
        // does nothing.
        worker.async { [self] in transcribeNext() }
    }

    private func transcribeNext() {
        guard let chunk = state.withLock({ s -> SpeechChunker.Chunk? in
            guard !s.queue.isEmpty else { return nil }
            let chunk = s.queue.removeFirst()
            s.busyStart = chunk.start
            return chunk
        }) else { return }
        var segments: [Transcript.Segment] = []
        var failure: String?
        do {
            for piece in try recognizer.transcribe(chunk.samples) {
                let text = piece.text.trimmingCharacters(in: .whitespaces)
                guard !text.isEmpty else { continue }
                let start = chunk.start + piece.start, end = min(chunk.start + piece.end, chunk.end)
                let words = piece.words?.map {
                    Transcript.Word(word: $0.word.trimmingCharacters(in: .whitespaces),
                                    start: chunk.start + $0.start, end: chunk.start + $0.end)
                }
                segments.append(Transcript.Segment(start: start, end: max(end, start), text: text, words: words))
            }
        } catch {
            failure = "chunk at \(chunk.start) s: \(error)"
        }
        state.withLock { s in
            s.done += segments
            if let failure { s.failures.append(failure) }
            s.busyStart = nil
        }
    }

    /// Segments transcribed since the last call, in time order.
    public func take() -> [Transcript.Segment] {
        state.withLock { s in
            defer { s.done.removeAll() }
            return s.done
        }
    }

    /// Start of the oldest chunk not yet transcribed (waiting or in progress), nil when idle:
    /// segments still to come all start at or after it.
    public var pendingStart: Double? {
        state.withLock { s in [s.busyStart, s.queue.first?.start].compactMap { $0 }.min() }
    }

    /// Chunks dropped because recognition fell behind a live stream.
    public var dropped: Int { state.withLock { $0.dropped } }

    /// Chunks whose recognition failed (message per chunk); the rest go on.
    public var failures: [String] { state.withLock { $0.failures } }

    /// Waits until every submitted chunk is transcribed.
    public func drain() async {
        while pendingStart != nil { await Self.pause() }
    }

    /// 10 ms that a cancelled task (a draining daemon) waits too, instead of spinning.
    private static func pause() async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(10)) { done.resume() }
        }
    }
}
