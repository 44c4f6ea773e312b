import CZeroMQ
import Foundation

/// The one libzmq context of the process (thread-safe by libzmq's contract). It lives as long as
/// the process: sockets are closed with linger 0, so nothing ever waits on a context shutdown.
enum ZMQContext {
    nonisolated(unsafe) static let shared: UnsafeMutableRawPointer = {
        guard let context = zmq_ctx_new() else { fatalError("zmq_ctx_new failed: \(ZMQ.lastError())") }
        return context
    }()
}

/// Thin wrappers over the libzmq C API. Everything here is internal: the public API of
/// Transport has no pointer or C type in it.
enum ZMQ {
    static func lastError() -> String {
        let code = zmq_errno()
        return String(cString: zmq_strerror(code)) + " (errno \(code))"
    }

    /// A raw socket handle that may move to the thread that owns it.
    struct Socket: @unchecked Sendable {
        let raw: UnsafeMutableRawPointer

        static func open(_ type: Int32, subject: String) throws(TransportError) -> Socket {
            guard let raw = zmq_socket(ZMQContext.shared, type) else {
                throw TransportError(.zmq, subject: subject, reason: "cannot create a socket: \(ZMQ.lastError())")
            }
            let socket = Socket(raw: raw)
            try socket.set(ZMQ_LINGER, 0, subject: subject)
            return socket
        }

        func set(_ option: Int32, _ value: Int32, subject: String) throws(TransportError) {
            var value = value
            if zmq_setsockopt(raw, option, &value, MemoryLayout<Int32>.size) != 0 {
                throw TransportError(.zmq, subject: subject, reason: "cannot set socket option \(option): \(ZMQ.lastError())")
            }
        }

        func set(_ option: Int32, bytes: [UInt8], subject: String) throws(TransportError) {
            let status = bytes.withUnsafeBytes { zmq_setsockopt(raw, option, $0.baseAddress, $0.count) }
            if status != 0 {
                throw TransportError(.zmq, subject: subject, reason: "cannot set socket option \(option): \(ZMQ.lastError())")
            }
        }

        func bind(_ endpoint: String) throws(TransportError) {
            if zmq_bind(raw, endpoint) != 0 {
                throw TransportError(.zmq, subject: endpoint, reason: "cannot bind: \(ZMQ.lastError())")
            }
        }

        func connect(_ endpoint: String) throws(TransportError) {
            if zmq_connect(raw, endpoint) != 0 {
                throw TransportError(.zmq, subject: endpoint, reason: "cannot connect: \(ZMQ.lastError())")
            }
        }

        /// The endpoint actually bound (resolves `tcp://127.0.0.1:*` to its port).
        func lastEndpoint() -> String? {
            var buffer = [CChar](repeating: 0, count: 1024)
            var size = buffer.count
            let status = buffer.withUnsafeMutableBytes { zmq_getsockopt(raw, ZMQ_LAST_ENDPOINT, $0.baseAddress, &size) }
            guard status == 0 else { return nil }
            return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }

        /// Whether a message can be read now, without a system call beyond libzmq's own bookkeeping.
        func readable() -> Bool {
            var events: Int32 = 0
            var size = MemoryLayout<Int32>.size
            guard zmq_getsockopt(raw, ZMQ_EVENTS, &events, &size) == 0 else { return false }
            return events & Int32(ZMQ_POLLIN) != 0
        }

        /// Waits up to `milliseconds` (−1: forever) for a message. Interrupted waits return false.
        func poll(milliseconds: Int) -> Bool {
            var item = zmq_pollitem_t(socket: raw, fd: -1, events: Int16(ZMQ_POLLIN), revents: 0)
            let count = zmq_poll(&item, 1, milliseconds)
            return count > 0 && item.revents & Int16(ZMQ_POLLIN) != 0
        }

        /// Sends all frames as one multipart message, without blocking.
        /// Returns false when the message could not be queued (high-water mark reached).
        func send(_ frames: [[UInt8]], subject: String) throws(TransportError) -> Bool {
            for (index, frame) in frames.enumerated() {
                let flags = (index < frames.count - 1 ? ZMQ_SNDMORE : 0) | ZMQ_DONTWAIT
                let status = frame.withUnsafeBytes { zmq_send(raw, $0.baseAddress, $0.count, flags) }
                if status < 0 {
                    let code = zmq_errno()
                    if code == EAGAIN && index == 0 { return false }
                    throw TransportError(.zmq, subject: subject, reason: "cannot send: \(ZMQ.lastError())")
                }
            }
            return true
        }

        /// Reads one whole multipart message without blocking; nil when none is waiting.
        func receive(subject: String) throws(TransportError) -> [[UInt8]]? {
            var frames: [[UInt8]] = []
            while true {
                var message = zmq_msg_t()
                zmq_msg_init(&message)
                defer { zmq_msg_close(&message) }
                let flags: Int32 = frames.isEmpty ? ZMQ_DONTWAIT : 0
                if zmq_msg_recv(&message, raw, flags) < 0 {
                    let code = zmq_errno()
                    if code == EAGAIN && frames.isEmpty { return nil }
                    if code == EINTR && frames.isEmpty { return nil }
                    throw TransportError(.zmq, subject: subject, reason: "cannot receive: \(ZMQ.lastError())")
                }
                let size = zmq_msg_size(&message)
                if size == 0 {
                    frames.append([])
                } else if let data = zmq_msg_data(&message) {
                    frames.append(Array(UnsafeRawBufferPointer(start: data, count: size)))
                } else {
                    frames.append([])
                }
                if zmq_msg_more(&message) == 0 { return frames }
            }
        }

        func close() { zmq_close(raw) }
    }
}
