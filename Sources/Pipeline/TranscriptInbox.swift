import Media
import Synchronization

/// Transcript segments handed over by a live feed (ZeroMQ, an ASR) to a running analysis;
/// the analysis takes them whenever it advances. Unbounded only in the sense a transcript is:
/// a few hundred bytes per utterance.
public final class TranscriptInbox: Sendable {
    private let segments = Mutex<[Transcript.Segment]>([])

    public init() {}

    public func add(_ new: [Transcript.Segment]) {
        segments.withLock { $0 += new }
    }

    /// Everything that arrived since the last call, in start order.
    func take() -> [Transcript.Segment] {
        segments.withLock { pending in
            defer { pending.removeAll() }
            return pending.sorted { $0.start < $1.start }
        }
    }
}
