import Media
import Synchronization

/// Everything that reaches a stream's owning task, in one FIFO: decoded events (bounded, so
/// the decoder is back-pressured), clock ticks (coalesced), scored utterances, the end of the
/// input and the drain request. One receiver — the owner — so the order in which state
/// changes is the order of this queue, never a race between tasks.
final class StreamMailbox: Sendable {
    enum Input: Sendable {
        /// A decoded event and the monotonic instant it was handed over.
        case event(MediaEvent, ContinuousClock.Instant)
        /// The timer: the played clock may have passed a pending window's end.
        case tick
        /// The scoring stage finished one utterance (in closing order).
        case scored(ScoringQueue.Item, Result<UtteranceScore, any Error>)
        /// The scoring stage has scored everything it will (its queue was closed).
        case scoringDone
        /// The input ended (nil) or failed.
        case end((any Error)?)
        /// The run was cancelled (SIGTERM): drain.
        case cancelled
    }

    private struct State {
        var items: [Input] = []
        var head = 0
        var events = 0
        var tickPending = false
        var cancelPending = false
        var closed = false
        var receiver: CheckedContinuation<Input, Never>?
        var sender: CheckedContinuation<Void, Never>?
    }

    /// Decoded events held at most (the decoder's own queue sits behind this one).
    let eventCapacity: Int
    private let state = Mutex(State())

    init(eventCapacity: Int = 16) { self.eventCapacity = max(1, eventCapacity) }

    /// Hands over a decoded event, waiting while `eventCapacity` are held. False once closed.
    func send(_ event: MediaEvent, at instant: ContinuousClock.Instant) async -> Bool {
        while true {
            let sent: Bool? = state.withLock { state in
                if state.closed { return false }
                guard state.events < eventCapacity else { return nil }
                state.events += 1
                Self.deliver(.event(event, instant), &state)
                return true
            }
            if let sent { return sent }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { state -> Bool in
                    if state.closed || state.events < eventCapacity { return true }
                    state.sender = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        }
    }

    /// Anything but an event: never waits (ticks coalesce; results and ends are few). After
    /// `close()` only the scoring stage's results still get in.
    func post(_ input: Input) {
        state.withLock { state in
            switch input {
            case .tick:
                guard !state.closed else { return }
                if let receiver = state.receiver {
                    state.receiver = nil
                    receiver.resume(returning: .tick)
                } else {
                    state.tickPending = true
                }
            case .cancelled:
                guard !state.closed else { return }
                if let receiver = state.receiver {
                    state.receiver = nil
                    receiver.resume(returning: .cancelled)
                } else {
                    state.cancelPending = true
                }
            default:
                Self.deliver(input, &state)
            }
        }
    }

    /// The next input: a drain request first, then the FIFO, then a pending tick.
    func receive() async -> Input {
        await withCheckedContinuation { (continuation: CheckedContinuation<Input, Never>) in
            let input = state.withLock { state -> Input? in
                if state.cancelPending { state.cancelPending = false; return .cancelled }
                if state.head < state.items.count {
                    let input = state.items[state.head]
                    state.head += 1
                    if state.head > 64 && state.head * 2 > state.items.count {
                        state.items.removeFirst(state.head)
                        state.head = 0
                    }
                    if case .event = input {
                        state.events -= 1
                        if let sender = state.sender { state.sender = nil; sender.resume() }
                    }
                    return input
                }
                if state.tickPending { state.tickPending = false; return .tick }
                state.receiver = continuation
                return nil
            }
            if let input { continuation.resume(returning: input) }
        }
    }

    /// No more events, ticks or drain requests are accepted (a waiting sender returns false);
    /// scored results still are.
    func close() {
        state.withLock { state in
            state.closed = true
            if let sender = state.sender { state.sender = nil; sender.resume() }
        }
    }

    private static func deliver(_ input: Input, _ state: inout State) {
        if let receiver = state.receiver {
            state.receiver = nil
            if case .event = input { state.events -= 1 }
            receiver.resume(returning: input)
        } else {
            state.items.append(input)
        }
    }
}
