#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import Transport

/// A datagram socket bound the way systemd binds $NOTIFY_SOCKET.
final class NotifyListener {
    let fd: Int32

    /// `name` is a path, or an abstract name when it starts with '@'.
    init(_ name: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(name.utf8)
        let abstract = bytes.first == UInt8(ascii: "@")
        if abstract { bytes[0] = 0 }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let length = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + bytes.count + (abstract ? 0 : 1)
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(length)) }
        }
        if status != 0 { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EINVAL) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    func receive() -> String? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        return count < 0 ? nil : String(decoding: buffer.prefix(count), as: UTF8.self)
    }

    deinit { close(fd) }
}

@Suite("sd_notify over $NOTIFY_SOCKET")
struct SystemdNotifierTests {
    @Test("READY, STATUS, WATCHDOG and STOPPING reach a socket bound at a path, one datagram per call")
    func pathSocket() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sentio-notify-\(getpid()).sock").path
        unlink(path)
        defer { unlink(path) }
        let listener = try NotifyListener(path)
        let notifier = try #require(SystemdNotifier(environment: ["NOTIFY_SOCKET": path, "WATCHDOG_USEC": "30000000",
                                                                  "WATCHDOG_PID": "\(getpid())"]))
        #expect(notifier.watchdogTimeout == .seconds(30) && notifier.watchdogInterval == .seconds(15))
        try notifier.notify([.ready, .status("publishing cam1\non tcp://*:5556")])
        #expect(listener.receive() == "READY=1\nSTATUS=publishing cam1 on tcp://*:5556\n")
        try notifier.notify(.watchdog)
        #expect(listener.receive() == "WATCHDOG=1\n")
        try notifier.notify(.stopping)
        #expect(listener.receive() == "STOPPING=1\n")
    }

    @Test("An abstract socket name written with '@' is reached")
    func abstractSocket() throws {
        let name = "@sentio-notify-test-\(getpid())"
        let listener = try NotifyListener(name)
        let notifier = SystemdNotifier(socket: name)
        try notifier.notify([.ready, .mainPID(getpid())])
        #expect(listener.receive() == "READY=1\nMAINPID=\(getpid())\n")
    }

    @Test("Without NOTIFY_SOCKET there is no notifier; a watchdog meant for another PID is ignored; bad sockets fail with a message")
    func environment() throws {
        #expect(SystemdNotifier(environment: [:]) == nil)
        let other = try #require(SystemdNotifier(environment: ["NOTIFY_SOCKET": "@x", "WATCHDOG_USEC": "1000", "WATCHDOG_PID": "1"]))
        #expect(other.watchdogTimeout == nil || getpid() == 1)
        #expect(throws: TransportError.self) { try SystemdNotifier(socket: "relative/path").notify(.ready) }
        #expect(throws: TransportError.self) { try SystemdNotifier(socket: "/nonexistent/notify.sock").notify(.ready) }
    }
}
