/// What went wrong in Transport, naming the endpoint, topic or stream at fault.
public struct TransportError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Code: String, Sendable, Equatable {
        /// libzmq refused an operation (bind, connect, send, socket option…).
        case zmq
        /// A stream name that cannot be used in a topic.
        case invalidStream
        /// Nothing arrived within the receive timeout.
        case timeout
        /// The socket was closed.
        case closed
        /// Two tasks awaited the same subscriber at once (it has one consumer).
        case concurrentReceive
        /// The systemd notification socket could not be used.
        case notify
        /// The metrics endpoint could not listen.
        case metrics
    }

    public var code: Code
    /// The endpoint, topic, stream or socket path concerned.
    public var subject: String
    public var reason: String

    public init(_ code: Code, subject: String, reason: String) {
        self.code = code
        self.subject = subject
        self.reason = reason
    }

    public var description: String { "\(subject): \(reason)" }
}
