import Foundation
import Synchronization

/// One stream's side of a publisher: numbers its utterances and heartbeats (`seq` 1, 2, 3… per
/// topic), stamps their publication time, and keeps the utterance count the heartbeat reports.
public final class StreamChannel: Sendable {
    public let publisher: Publisher
    public let stream: StreamName
    private let started = ContinuousClock.now
    private struct State {
        var utterances: UInt64 = 0
        var statuses: UInt64 = 0
    }
    private let state = Mutex(State())

    public init(publisher: Publisher, stream: StreamName) {
        self.publisher = publisher
        self.stream = stream
    }

    /// Publishes one utterance with the next `seq`; returns the message as sent.
    @discardableResult
    public func publishUtterance(start: Double, end: Double, text: String?, sentiment: Double, modalities: Modalities,
                                 model: String, latencyMs: Double) throws -> UtteranceMessage {
        // The seq is taken and the message sent under one lock so that seq order is send order.
        try state.withLock { state in
            let message = UtteranceMessage(stream: stream, seq: state.utterances + 1, start: start, end: end, text: text,
                                           sentiment: min(3, max(-3, sentiment)), modalities: modalities, model: model,
                                           time: Date().timeIntervalSince1970, latencyMs: latencyMs)
            try publisher.publish(message)
            state.utterances += 1
            return message
        }
    }

    /// Publishes a heartbeat; `counters.utterances` is filled in from this channel.
    @discardableResult
    public func publishStatus(_ state: StatusMessage.State, counters: StatusMessage.Counters = .init()) throws -> StatusMessage {
        let uptime = ContinuousClock.now - started
        return try self.state.withLock { channel in
            var counters = counters
            counters.utterances = channel.utterances
            let message = StatusMessage(stream: stream, seq: channel.statuses + 1, time: Date().timeIntervalSince1970, state: state,
                                        uptime: Double(uptime.components.seconds) + Double(uptime.components.attoseconds) * 1e-18,
                                        counters: counters)
            try publisher.publish(message)
            channel.statuses += 1
            return message
        }
    }

    /// Utterances published so far.
    public var utterances: UInt64 { state.withLock { $0.utterances } }
}
