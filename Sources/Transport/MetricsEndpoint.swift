import Foundation
import Synchronization

/// A minimal HTTP listener for Prometheus: `GET /metrics` answers with the text the
/// `render` closure gives (Prometheus exposition format); any other path is 404.
/// One thread, one connection at a time: a scrape every few seconds is all it serves.
public final class MetricsEndpoint: Sendable {
    public let host: String
    public let port: Int
    private let descriptor: Int32
    private let closed = Atomic<Bool>(false)

    /// Listens on host:port (port 0 picks a free one, read back from `port`).
    public init(host: String = "127.0.0.1", port: Int, render: @escaping @Sendable () -> [UInt8]) throws(TransportError) {
        let subject = "\(host):\(port)"
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TransportError(.metrics, subject: subject, reason: "cannot create a socket") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            Glibc.close(fd)
            throw TransportError(.metrics, subject: subject, reason: "not an IPv4 address")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0, listen(fd, 8) == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(fd)
            throw TransportError(.metrics, subject: subject, reason: "cannot listen: \(reason)")
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.host = host
        self.port = Int(UInt16(bigEndian: address.sin_port))
        self.descriptor = fd
        let thread = Thread { [self] in self.serve(render) }
        thread.name = "sentio.metrics"
        thread.start()
    }

    public func close() {
        if !closed.exchange(true, ordering: .relaxed) { Glibc.close(descriptor) }
    }

    private func serve(_ render: @Sendable () -> [UInt8]) {
        while !closed.load(ordering: .relaxed) {
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 200) > 0 else { continue }
            let client = accept(descriptor, nil, nil)
            guard client >= 0 else { continue }
            var timeout = timeval(tv_sec: 2, tv_usec: 0)
            setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var request = [UInt8](repeating: 0, count: 4096)
            let count = recv(client, &request, request.count, 0)
            let line = count > 0 ? String(decoding: request[0..<count], as: UTF8.self).split(separator: "\r\n").first ?? "" : ""
            let parts = line.split(separator: " ")
            let ok = parts.count >= 2 && parts[0] == "GET" && (parts[1] == "/metrics" || parts[1].hasPrefix("/metrics?"))
            let body: [UInt8] = ok ? render() : Array("not found: try /metrics\n".utf8)
            let head = "HTTP/1.1 \(ok ? "200 OK" : "404 Not Found")\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
                + "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n"
            let response = Array(head.utf8) + body
            var sent = 0
            while sent < response.count {
                let n = response[sent...].withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if n <= 0 { break }
                sent += n
            }
            Glibc.close(client)
        }
    }
}
