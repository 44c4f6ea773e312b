#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation

/// The service manager's notification protocol (sd_notify(3)) in Swift, without libsystemd:
/// one datagram `KEY=VALUE\n…` per call to the AF_UNIX socket named by `$NOTIFY_SOCKET`
/// (a path, or an abstract name written with a leading `@`).
public struct SystemdNotifier: Sendable {
    public enum State: Sendable, Equatable {
        /// Start-up finished (Type=notify services are "active" from here).
        case ready
        /// A one-line status shown by `systemctl status`.
        case status(String)
        /// Keep-alive for WatchdogSec=.
        case watchdog
        /// Shutting down.
        case stopping
        /// Reloading the configuration (SIGHUP).
        case reloading
        /// The main PID, when it is not the sender.
        case mainPID(Int32)

        var line: String {
            switch self {
            case .ready: "READY=1"
            case .status(let text): "STATUS=" + text.replacingOccurrences(of: "\n", with: " ")
            case .watchdog: "WATCHDOG=1"
            case .stopping: "STOPPING=1"
            case .reloading: "RELOADING=1"
            case .mainPID(let pid): "MAINPID=\(pid)"
            }
        }
    }

    /// `$NOTIFY_SOCKET` as given.
    public let socket: String
    /// How often the manager expects `WATCHDOG=1`: `$WATCHDOG_USEC`, when it is meant for this process.
    public let watchdogTimeout: Duration?

    /// The notifier of this process; nil when not started by a service manager (no `$NOTIFY_SOCKET`).
    public init?(environment: [String: String] = ProcessInfo.processInfo.environment) {
        guard let socket = environment["NOTIFY_SOCKET"], !socket.isEmpty else { return nil }
        self.socket = socket
        if let usec = environment["WATCHDOG_USEC"].flatMap(UInt64.init), usec > 0,
           environment["WATCHDOG_PID"].flatMap(Int32.init).map({ $0 == getpid() }) ?? true {
            watchdogTimeout = .microseconds(usec)
        } else {
            watchdogTimeout = nil
        }
    }

    /// How often to send `WATCHDOG=1`: half the timeout, as sd_watchdog_enabled(3) advises.
    public var watchdogInterval: Duration? { watchdogTimeout.map { $0 / 2 } }

    /// A notifier for a given socket (`/run/…` path or `@abstract` name).
    public init(socket: String, watchdogTimeout: Duration? = nil) {
        self.socket = socket
        self.watchdogTimeout = watchdogTimeout
    }

    /// Sends the states as one datagram.
    public func notify(_ states: [State]) throws(TransportError) {
        try send(states.map(\.line).joined(separator: "\n") + "\n")
    }

    public func notify(_ state: State) throws(TransportError) { try notify([state]) }

    /// Sends a raw `KEY=VALUE` text.
    public func send(_ text: String) throws(TransportError) {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var path = Array(socket.utf8)
        let abstract = path.first == UInt8(ascii: "@")
        if abstract { path[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard !path.isEmpty, path.count < capacity, abstract || path[0] == UInt8(ascii: "/") else {
            throw TransportError(.notify, subject: "NOTIFY_SOCKET=\(socket)",
                                 reason: "not an absolute socket path or @abstract name of at most \(capacity - 1) bytes")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: path)
        }
        // Abstract names are exactly their bytes; paths are NUL-terminated (the struct is zeroed).
        let length = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + path.count + (abstract ? 0 : 1)

        let fd = openDatagramSocket()
        guard fd >= 0 else {
            throw TransportError(.notify, subject: "NOTIFY_SOCKET=\(socket)", reason: "socket(): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        let sent = bytes.withUnsafeBytes { data in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, data.baseAddress, data.count, Int32(MSG_NOSIGNAL), $0, socklen_t(length))
                }
            }
        }
        guard sent == bytes.count else {
            throw TransportError(.notify, subject: "NOTIFY_SOCKET=\(socket)", reason: "sendto(): \(String(cString: strerror(errno)))")
        }
    }
}

/// socket(2) for AF_UNIX datagrams (a free function: `SystemdNotifier.socket` shadows the name).
private func openDatagramSocket() -> Int32 {
    socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
}
