import Synchronization

/// The bounded queue between closing utterance windows and the model.
///
/// A file input waits for room (back-pressure: nothing is lost, decoding just pauses). A live
/// input cannot pause — its sender keeps sending and the socket would overflow unseen — so
/// when the model falls behind, the oldest utterance waiting is dropped whole and counted:
/// the results that do come out stay current, and a subscriber learns of each loss from the
/// status counters instead of getting a score seconds late.
final class ScoringQueue: Sendable {
    /// One closed window with its features, waiting for the model.
    struct Item: Sendable {
        var input: UtteranceInput
        /// When the window's end was played (live inputs whose clock is known).
        var playedEnd: ContinuousClock.Instant?
        var closed: ContinuousClock.Instant
    }

    private struct State {
        var items: [Item] = []
        var closed = false
        var consumer: CheckedContinuation<Item?, Never>?
        var producer: CheckedContinuation<Void, Never>?
    }

    /// Utterances closed but not yet being scored, at most.
    let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int) { self.capacity = max(1, capacity) }

    /// Adds `item`; when full, drops the oldest waiting one (`dropOldest`, returned) or waits.
    func enqueue(_ item: Item, dropOldest: Bool) async -> Item? {
        while true {
            let outcome: (done: Bool, dropped: Item?) = state.withLock { state in
                if let consumer = state.consumer {
                    state.consumer = nil
                    consumer.resume(returning: item)
                    return (true, nil)
                }
                if state.items.count < capacity {
                    state.items.append(item)
                    return (true, nil)
                }
                guard dropOldest else { return (false, nil) }
                let oldest = state.items.removeFirst()
                state.items.append(item)
                return (true, oldest)
            }
            if outcome.done { return outcome.dropped }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let room = state.withLock { state -> Bool in
                    if state.items.count < capacity || state.consumer != nil { return true }
                    state.producer = continuation
                    return false
                }
                if room { continuation.resume() }
            }
        }
    }

    /// The next utterance to score; nil once closed and empty.
    func next() async -> Item? {
        await withCheckedContinuation { (continuation: CheckedContinuation<Item?, Never>) in
            let item = state.withLock { state -> Item?? in
                if !state.items.isEmpty {
                    let item = state.items.removeFirst()
                    if let producer = state.producer { state.producer = nil; producer.resume() }
                    return .some(item)
                }
                if state.closed { return .some(nil) }
                state.consumer = continuation
                return nil
            }
            if let item { continuation.resume(returning: item) }
        }
    }

    /// Nothing more will be added; what is queued is still scored.
    func close() {
        let consumer = state.withLock { state -> CheckedContinuation<Item?, Never>? in
            state.closed = true
            defer { state.consumer = nil }
            return state.consumer
        }
        consumer?.resume(returning: nil)
    }

    /// Utterances waiting (for tests of the bound).
    var count: Int { state.withLock { $0.items.count } }
}
