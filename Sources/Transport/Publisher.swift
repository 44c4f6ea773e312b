import CZeroMQ
import Foundation
import Synchronization

/// Publishes multipart `[topic, json]` messages on an XPUB socket (a PUB that also tells who
/// subscribed, so the daemon can wait for its first subscriber and report it).
///
/// Safe to share between tasks: sends are serialized by a lock and never block (a subscriber
/// slower than the high-water mark loses messages, which its `seq` check shows).
public final class Publisher: Sendable {
    public struct Options: Sendable {
        /// Messages queued per subscriber before libzmq drops (ZMQ_SNDHWM).
        public var highWaterMark: Int32 = 10_000

        public init(highWaterMark: Int32 = 10_000) { self.highWaterMark = highWaterMark }
    }

    /// The endpoint actually bound: `tcp://127.0.0.1:*` becomes `tcp://127.0.0.1:<port>`.
    public let endpoint: String

    private struct State {
        var socket: ZMQ.Socket?
        /// Subscribed prefixes, with how many subscriptions each has.
        var subscriptions: [String: Int] = [:]
        var sent: UInt64 = 0
        var dropped: UInt64 = 0
    }

    private let state: Mutex<State>

    /// Binds an XPUB socket to `endpoint` (`tcp://HOST:PORT`, `tcp://HOST:*`, `ipc://PATH`, `inproc://NAME`).
    public init(bind endpoint: String, options: Options = Options()) throws(TransportError) {
        let socket = try ZMQ.Socket.open(ZMQ_XPUB, subject: endpoint)
        do {
            try socket.set(ZMQ_SNDHWM, options.highWaterMark, subject: endpoint)
            // Every subscribe and unsubscribe reaches us, duplicates included, so counts stay exact.
            try socket.set(ZMQ_XPUB_VERBOSE, 1, subject: endpoint)
            try socket.set(ZMQ_XPUB_VERBOSER, 1, subject: endpoint)
            try socket.bind(endpoint)
        } catch {
            socket.close()
            throw error
        }
        self.endpoint = socket.lastEndpoint() ?? endpoint
        state = Mutex(State(socket: socket))
    }

    deinit { close() }

    /// Sends raw bytes under `topic`. Returns false when libzmq dropped the message (queue full).
    @discardableResult
    public func send(topic: String, payload: some Collection<UInt8>) throws(TransportError) -> Bool {
        let frames = [Array(topic.utf8), Array(payload)]
        return try state.withLock { (state) throws(TransportError) -> Bool in
            guard let socket = state.socket else {
                throw TransportError(.closed, subject: endpoint, reason: "the publisher is closed")
            }
            Self.drainSubscriptions(socket, into: &state)
            let queued = try socket.send(frames, subject: endpoint)
            if queued { state.sent += 1 } else { state.dropped += 1 }
            return queued
        }
    }

    /// Encodes and sends an utterance on `sentio.<stream>.utterance`.
    @discardableResult
    public func publish(_ message: UtteranceMessage) throws -> Bool {
        try send(topic: message.topic, payload: try Schema.encoder().encode(message))
    }

    /// Encodes and sends a heartbeat on `sentio.<stream>.status`.
    @discardableResult
    public func publish(_ message: StatusMessage) throws -> Bool {
        try send(topic: message.topic, payload: try Schema.encoder().encode(message))
    }

    /// The prefixes subscribers hold now ("" is a subscription to everything).
    public var subscriptions: [String] {
        state.withLock { state in
            if let socket = state.socket { Self.drainSubscriptions(socket, into: &state) }
            return state.subscriptions.keys.sorted()
        }
    }

    /// Whether some subscriber would receive `topic` now.
    public func hasSubscriber(for topic: String) -> Bool {
        subscriptions.contains { topic.hasPrefix($0) }
    }

    /// Waits until a subscriber would receive `topic` (any topic when nil). Polls without
    /// blocking the calling thread; false after `timeout`.
    public func waitForSubscriber(for topic: String? = nil, timeout: Duration) async throws -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while true {
            let current = subscriptions
            if let topic {
                if current.contains(where: { topic.hasPrefix($0) }) { return true }
            } else if !current.isEmpty {
                return true
            }
            if clock.now >= deadline { return false }
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    /// Messages handed to libzmq, and messages it refused because a queue was full.
    public var counters: (sent: UInt64, dropped: UInt64) { state.withLock { ($0.sent, $0.dropped) } }

    /// Closes the socket (linger 0: queued messages are discarded). Idempotent.
    public func close() {
        state.withLock { state in
            state.socket?.close()
            state.socket = nil
        }
    }

    private static func drainSubscriptions(_ socket: ZMQ.Socket, into state: inout State) {
        while socket.readable(), let frames = try? socket.receive(subject: ""), let frame = frames.first, !frame.isEmpty {
            let prefix = String(decoding: frame.dropFirst(), as: UTF8.self)
            if frame[0] == 1 {
                state.subscriptions[prefix, default: 0] += 1
            } else if frame[0] == 0, let count = state.subscriptions[prefix] {
                state.subscriptions[prefix] = count > 1 ? count - 1 : nil
            }
        }
    }
}
