import CZeroMQ
import Foundation
import Synchronization

/// One `[topic, payload]` message as received.
public struct Message: Sendable, Equatable {
    public var topic: String
    public var payload: [UInt8]

    public init(topic: String, payload: [UInt8]) {
        self.topic = topic
        self.payload = payload
    }
}

/// A SUB socket filtered by topic prefixes, read by a dedicated thread so that no Swift
/// concurrency thread ever blocks in libzmq. Messages wait in a bounded inbox; `receive` and
/// `messages()` hand them out in arrival order to one consumer.
public final class Subscriber: Sendable {
    public struct Options: Sendable {
        /// Connect to a publisher (the usual case) or bind and let publishers connect.
        public var bind: Bool
        /// Messages kept in the inbox while the consumer is busy; beyond it new ones are dropped and counted.
        public var capacity: Int
        /// ZMQ_RCVHWM: messages libzmq queues before the reader thread takes them.
        public var highWaterMark: Int32

        public init(bind: Bool = false, capacity: Int = 10_000, highWaterMark: Int32 = 10_000) {
            self.bind = bind
            self.capacity = capacity
            self.highWaterMark = highWaterMark
        }
    }

    public struct Counters: Sendable, Equatable {
        /// Messages handed to the consumer or waiting in the inbox.
        public var received: UInt64 = 0
        /// Messages dropped because the inbox was full.
        public var dropped: UInt64 = 0
        /// Messages that were not two frames `[topic, payload]`.
        public var malformed: UInt64 = 0
    }

    public let endpoint: String
    public let topics: [String]
    private let inbox: Inbox

    /// How long the reader thread waits in zmq_poll before checking whether it should stop.
    static let pollMilliseconds = 50

    /// Opens a SUB socket on `endpoint` subscribed to each prefix of `topics` (`""` is everything).
    public init(_ endpoint: String, topics: [String] = [""], options: Options = Options()) throws(TransportError) {
        let socket = try ZMQ.Socket.open(ZMQ_SUB, subject: endpoint)
        do {
            try socket.set(ZMQ_RCVHWM, options.highWaterMark, subject: endpoint)
            for topic in topics {
                try socket.set(ZMQ_SUBSCRIBE, bytes: Array(topic.utf8), subject: endpoint)
            }
            if options.bind { try socket.bind(endpoint) } else { try socket.connect(endpoint) }
        } catch {
            socket.close()
            throw error
        }
        self.endpoint = options.bind ? (socket.lastEndpoint() ?? endpoint) : endpoint
        self.topics = topics
        inbox = Inbox(capacity: max(1, options.capacity), endpoint: endpoint)
        let inbox = self.inbox
        let subject = endpoint
        // The socket moves to this thread for good (libzmq sockets belong to one thread at a time).
        let thread = Thread {
            while !inbox.stop.load(ordering: .acquiring) {
                guard socket.poll(milliseconds: Self.pollMilliseconds) else { continue }
                while let frames = try? socket.receive(subject: subject) {
                    if frames.count == 2 {
                        inbox.push(Message(topic: String(decoding: frames[0], as: UTF8.self), payload: frames[1]))
                    } else {
                        inbox.countMalformed()
                    }
                    if inbox.stop.load(ordering: .acquiring) { break }
                }
            }
            socket.close()
            inbox.finish()
        }
        thread.name = "sentio-sub"
        thread.start()
    }

    deinit { inbox.stop.store(true, ordering: .releasing) }

    /// The next message; nil once the subscriber is closed and the inbox is empty.
    /// Throws `TransportError` with code `.timeout` when nothing arrives within `timeout`.
    public func receive(timeout: Duration? = nil) async throws -> Message? {
        try await inbox.next(timeout: timeout)
    }

    /// The messages as an async sequence that ends when the subscriber is closed. With
    /// `idleTimeout`, iteration throws `.timeout` when nothing arrives for that long.
    public func messages(idleTimeout: Duration? = nil) -> Messages { Messages(subscriber: self, idleTimeout: idleTimeout) }

    public struct Messages: AsyncSequence, Sendable {
        public typealias Element = Message
        let subscriber: Subscriber
        let idleTimeout: Duration?

        public struct AsyncIterator: AsyncIteratorProtocol {
            let subscriber: Subscriber
            let idleTimeout: Duration?
            public mutating func next() async throws -> Message? {
                try await subscriber.receive(timeout: idleTimeout)
            }
        }

        public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(subscriber: subscriber, idleTimeout: idleTimeout) }
    }

    public var counters: Counters { inbox.counters }

    /// Stops the reader thread (within one poll interval) and closes the socket; messages already
    /// in the inbox are still handed out, then the sequence ends. Idempotent; safe from a signal handler's queue.
    public func close() { inbox.stop.store(true, ordering: .releasing) }
}

/// The bounded queue between the reader thread and the one consumer.
final class Inbox: Sendable {
    private struct Waiter {
        var id: UInt64
        var continuation: CheckedContinuation<Message?, any Error>
        var timer: Task<Void, Never>?

        func resume(with result: Result<Message?, any Error>) {
            timer?.cancel()
            continuation.resume(with: result)
        }
    }

    private struct State {
        var queue: [Message] = []
        var head = 0
        var waiter: Waiter?
        var nextID: UInt64 = 0
        var finished = false
        var counters = Subscriber.Counters()

        mutating func pop() -> Message? {
            guard head < queue.count else { return nil }
            let message = queue[head]
            head += 1
            if head > 1024 && head * 2 > queue.count {
                queue.removeFirst(head)
                head = 0
            }
            return message
        }

        var count: Int { queue.count - head }
    }

    private let state = Mutex(State())
    /// Set to make the reader thread close the socket and finish.
    let stop = Atomic<Bool>(false)
    private let capacity: Int
    private let endpoint: String

    init(capacity: Int, endpoint: String) {
        self.capacity = capacity
        self.endpoint = endpoint
    }

    var counters: Subscriber.Counters { state.withLock { $0.counters } }

    func push(_ message: Message) {
        let waiter = state.withLock { state -> Waiter? in
            if let waiter = state.waiter {
                state.waiter = nil
                state.counters.received += 1
                return waiter
            }
            if state.count >= capacity {
                state.counters.dropped += 1
            } else {
                state.queue.append(message)
                state.counters.received += 1
            }
            return nil
        }
        waiter?.resume(with: .success(message))
    }

    func countMalformed() { state.withLock { $0.counters.malformed += 1 } }

    func finish() {
        let waiter = state.withLock { state -> Waiter? in
            state.finished = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(with: .success(nil))
    }

    /// Resumes the waiter `id` with `error` if it is still waiting.
    private func expire(_ id: UInt64, with error: any Error) {
        let waiter = state.withLock { state -> Waiter? in
            guard let waiter = state.waiter, waiter.id == id else { return nil }
            state.waiter = nil
            return waiter
        }
        waiter?.resume(with: .failure(error))
    }

    func next(timeout: Duration?) async throws -> Message? {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        let endpoint = self.endpoint
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Message?, any Error>) in
                enum Action { case message(Message?), busy, cancelled, wait }
                let action = state.withLock { state -> Action in
                    if let message = state.pop() { return .message(message) }
                    if state.finished { return .message(nil) }
                    if Task.isCancelled { return .cancelled }
                    if state.waiter != nil { return .busy }
                    state.waiter = Waiter(id: id, continuation: continuation)
                    return .wait
                }
                switch action {
                case .message(let message): continuation.resume(returning: message)
                case .busy:
                    continuation.resume(throwing: TransportError(.concurrentReceive, subject: endpoint,
                                                                 reason: "another task is already receiving from this subscriber"))
                case .cancelled: continuation.resume(throwing: CancellationError())
                case .wait:
                    if let timeout {
                        let timer = Task { [self] in
                            guard (try? await Task.sleep(for: timeout)) != nil else { return }
                            expire(id, with: TransportError(.timeout, subject: endpoint,
                                                            reason: "nothing received for \(timeout)"))
                        }
                        let kept = state.withLock { state -> Bool in
                            guard state.waiter?.id == id else { return false }
                            state.waiter?.timer = timer
                            return true
                        }
                        if !kept { timer.cancel() }
                    }
                    // A cancellation that raced the registration above.
                    if Task.isCancelled { expire(id, with: CancellationError()) }
                }
            }
        } onCancel: {
            expire(id, with: CancellationError())
        }
    }
}
