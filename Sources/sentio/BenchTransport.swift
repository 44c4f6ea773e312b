import ArgumentParser
import Foundation
import Synchronization
import Transport

/// `sentio bench transport`: publish→receive latency of sentio.v1 messages on loopback, Sentio's
/// Transport next to pyzmq doing the same (scripts/bench/transport_pyzmq.py).
struct BenchTransport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transport",
        abstract: "Publish→receive latency on loopback (p50/p95/p99), Sentio vs pyzmq.",
        discussion: """
        One process binds an XPUB, subscribes to it with a SUB, waits until the subscription \
        has arrived, then sends --messages utterance messages of about --size bytes at --rate \
        per second from a sender thread. Latency is taken from just before the message is \
        encoded and sent to just after it is received and decoded by an async consumer of \
        `Subscriber` (the path the daemon and `sentio subscribe` use). A first round of 1000 \
        messages is discarded, and the first 5% of each measured round. \
        With --python, scripts/bench/transport_pyzmq.py does the same with pyzmq (json.dumps / \
        send_multipart, a receiver thread with recv_multipart / json.loads) and all are printed. \
        The "bytes" rows send pre-encoded payloads and skip decoding: the transport alone.

        --serve ENDPOINT instead publishes --messages utterance and status messages there for a \
        third-party subscriber (e.g. scripts/reference/pyzmq_subscriber.py) and exits.

        Examples:
          swift run -c release sentio bench transport --python /work/venvs/transport/bin/python
          sentio bench transport --endpoint ipc:///tmp/sentio-bench.sock --messages 20000 --rate 5000
          sentio bench transport --serve tcp://127.0.0.1:5556 --messages 100
        """)

    @Option(help: "Messages to send.")
    var messages: Int = 5000

    @Option(help: "Approximate payload size in bytes.")
    var size: Int = 1024

    @Option(help: "Messages per second.")
    var rate: Double = 1000

    @Option(help: "Endpoint to bind (tcp://127.0.0.1:* picks a free port; ipc://PATH).")
    var endpoint: String = "tcp://127.0.0.1:*"

    @Option(help: "Python with pyzmq: also run scripts/bench/transport_pyzmq.py with the same settings.")
    var python: String?

    @Option(help: "Publish sample messages on this endpoint for an external subscriber, then exit.")
    var serve: String?

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func validate() throws {
        if messages < 20 { throw ValidationError("--messages must be at least 20") }
        if size < 400 || size > 1 << 20 { throw ValidationError("--size must be within 400…1048576 bytes") }
        if !(rate > 0) { throw ValidationError("--rate must be positive") }
    }

    struct Row: Codable {
        var client: String
        var endpoint: String
        var messages: Int
        var received: Int
        var payloadBytes: Int
        var p50: Double
        var p95: Double
        var p99: Double
        var max: Double
        var mean: Double
    }

    func run() async throws {
        if let serve { return try await serveSamples(serve) }
        // Warm-up round, discarded: the first messages of a process pay for thread and pool start-up.
        _ = try await measureSentio(json: true, count: min(messages, 1000))
        var rows = [try await measureSentio(json: true, count: messages), try await measureSentio(json: false, count: messages)]
        if let python {
            rows.append(try runPython(python, bytes: false))
            rows.append(try runPython(python, bytes: true))
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(rows), as: UTF8.self))
            return
        }
        print("publish→receive latency, \(messages) messages of \(rows[0].payloadBytes) B at \(Int(rate))/s, ms")
        print("client        endpoint                     received    p50     p95     p99     max    mean")
        for r in rows {
            print(String(format: "%@ %@ %8d %7.3f %7.3f %7.3f %7.3f %7.3f",
                         r.client.padding(toLength: 13, withPad: " ", startingAt: 0),
                         r.endpoint.padding(toLength: 28, withPad: " ", startingAt: 0),
                         r.received, r.p50, r.p95, r.p99, r.max, r.mean))
        }
        let codec = try Self.codecTimes(size: size)
        print(String(format: "Sentio sentio.v1 codec per message (median of 2000): encode %.1f µs, decode %.1f µs",
                     codec.encode, codec.decode))
        if rows.count == 4 {
            for (name, s, p) in [("JSON", rows[0], rows[2]), ("bytes", rows[1], rows[3])] {
                print(String(format: "ratio pyzmq/Sentio, %@: p50 %.2f, p95 %.2f, p99 %.2f", name,
                             p.p50 / s.p50, p.p95 / s.p95, p.p99 / s.p99))
            }
        }
    }

    /// A message whose encoding is about `size` bytes.
    static func message(seq: UInt64, size: Int) throws -> UtteranceMessage {
        var message = UtteranceMessage(
            stream: try StreamName("bench"), seq: seq, start: Double(seq), end: Double(seq) + 2.5, text: "",
            sentiment: 0.75, modalities: Modalities(text: .init(present: true, score: 1.25), audio: .init(present: true, score: -0.5),
                                                    vision: .init(present: true, score: 0.125)),
            model: "self-mm-coral-v1", time: Date().timeIntervalSince1970, latencyMs: 12.5)
        let base = try Schema.encoder().encode(message).count
        let words = "the pipeline keeps every stage bounded and publishes each utterance as soon as it is scored "
        var text = ""
        while text.utf8.count < size - base { text += words }
        message.text = String(text.prefix(max(0, size - base)))  // ASCII: characters are bytes
        return message
    }

    /// With `json`, each message is encoded before sending and decoded after receiving (the
    /// daemon's path); without, pre-encoded bytes go through and arrival order gives the seq.
    func measureSentio(json: Bool, count messages: Int) async throws -> Row {
        let publisher = try Publisher(bind: endpoint, options: .init(highWaterMark: Int32(max(1000, messages))))
        defer { publisher.close() }
        let subscriber = try Subscriber(publisher.endpoint, topics: ["sentio.bench."],
                                        options: .init(capacity: max(10_000, messages)))
        defer { subscriber.close() }
        guard try await publisher.waitForSubscriber(for: "sentio.bench.utterance", timeout: .seconds(10)) else {
            throw ValidationError("the subscriber never connected to \(publisher.endpoint)")
        }
        let template = try Self.message(seq: 0, size: size)
        let payloadBytes = try Schema.encoder().encode(template).count
        let sent = SendTimes(count: messages)
        let count = messages, interval = 1.0 / rate
        let encoded: [[UInt8]] = json ? [] : try (0..<messages).map { index in
            var message = template
            message.seq = UInt64(index + 1)
            return Array(try Schema.encoder().encode(message))
        }
        // The sender runs on its own thread: pacing with sleeps must not hold a concurrency thread.
        let sender = Thread {
            let start = monotonicNanoseconds()
            for index in 0..<count {
                let due = start + UInt64(Double(index) * interval * 1e9)
                while case let now = monotonicNanoseconds(), now < due {
                    let left = due - now
                    if left > 200_000 { usleep(UInt32(left / 2000)) }
                }
                sent.record(index, monotonicNanoseconds())
                if json {
                    var message = template
                    message.seq = UInt64(index + 1)
                    _ = try? publisher.publish(message)
                } else {
                    _ = try? publisher.send(topic: "sentio.bench.utterance", payload: encoded[index])
                }
            }
        }
        sender.start()
        var latencies: [Double] = []
        latencies.reserveCapacity(messages)
        do {
            while latencies.count < messages, let message = try await subscriber.receive(timeout: .seconds(5)) {
                let index = json ? Int(try Schema.decode(message.payload).seq) - 1 : latencies.count
                let now = monotonicNanoseconds()
                latencies.append(Double(Int64(bitPattern: now &- sent.time(index))) / 1e6)
            }
        } catch let error as TransportError where error.code == .timeout {
            Log.standardError("bench: \(messages - latencies.count) messages never arrived")
        }
        return Self.row(client: json ? "Sentio" : "Sentio bytes", endpoint: publisher.endpoint, sent: messages, latencies: latencies, payloadBytes: payloadBytes)
    }

    /// Median microseconds to encode and to decode one message of `size` bytes.
    static func codecTimes(size: Int) throws -> (encode: Double, decode: Double) {
        let message = try Self.message(seq: 1, size: size)
        let data = try Schema.encoder().encode(message)
        var encode: [Double] = [], decode: [Double] = []
        for _ in 0..<2000 {
            let t0 = monotonicNanoseconds()
            _ = try Schema.encoder().encode(message)
            let t1 = monotonicNanoseconds()
            _ = try Schema.decode(data)
            let t2 = monotonicNanoseconds()
            encode.append(Double(t1 - t0) / 1e3)
            decode.append(Double(t2 - t1) / 1e3)
        }
        return (encode.sorted()[1000], decode.sorted()[1000])
    }

    static func row(client: String, endpoint: String, sent: Int, latencies: [Double], payloadBytes: Int) -> Row {
        let measured = Array(latencies.dropFirst(latencies.count / 20)).sorted()
        func percentile(_ p: Double) -> Double {
            guard !measured.isEmpty else { return .nan }
            return measured[min(measured.count - 1, Int((p * Double(measured.count - 1)).rounded()))]
        }
        let mean = measured.isEmpty ? .nan : measured.reduce(0, +) / Double(measured.count)
        return Row(client: client, endpoint: endpoint, messages: sent, received: latencies.count, payloadBytes: payloadBytes,
                   p50: percentile(0.5), p95: percentile(0.95), p99: percentile(0.99), max: measured.last ?? .nan, mean: mean)
    }

    func runPython(_ python: String, bytes: Bool) throws -> Row {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/bench/transport_pyzmq.py").path
        guard FileManager.default.fileExists(atPath: script) else { throw ValidationError("\(script) is missing") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let pyEndpoint = endpoint.hasPrefix("ipc://") ? endpoint + ".py" : endpoint
        process.arguments = [python, script, "--messages", "\(messages)", "--size", "\(size)", "--rate", "\(rate)",
                             "--endpoint", pyEndpoint] + (bytes ? ["--bytes"] : [])
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw ValidationError("\(script) failed (exit \(process.terminationStatus))") }
        return try JSONDecoder().decode(Row.self, from: data)
    }

    /// Publishes `messages` utterances and a status every 10 once a subscriber is there.
    func serveSamples(_ endpoint: String) async throws {
        let publisher = try Publisher(bind: endpoint)
        defer { publisher.close() }
        Log.standardError("bench: publishing on \(publisher.endpoint), waiting for a subscriber")
        guard try await publisher.waitForSubscriber(timeout: .seconds(60)) else {
            throw ValidationError("no subscriber within 60 s")
        }
        try await Task.sleep(for: .milliseconds(200))
        let stream = try StreamName("cam1")
        var status: UInt64 = 0
        for seq in 1...UInt64(messages) {
            var message = try Self.message(seq: seq, size: 400 + Int(seq % 5) * 150)
            message.stream = stream
            message.sentiment = (Double(seq % 13) - 6) / 2
            message.label = SentimentLabel(sentiment: message.sentiment)
            if seq % 7 == 0 { message.text = nil; message.modalities.text = .absent }
            message.time = Date().timeIntervalSince1970
            try publisher.publish(message)
            if seq % 10 == 0 {
                status += 1
                try publisher.publish(StatusMessage(stream: stream, seq: status, time: Date().timeIntervalSince1970, state: .running,
                                                    uptime: Double(seq) / 100, counters: .init(utterances: seq)))
            }
            try await Task.sleep(for: .milliseconds(2))
        }
        try await Task.sleep(for: .milliseconds(500))
        Log.standardError("bench: published \(messages) utterances and \(status) status messages")
    }
}

/// Send timestamps shared between the sender thread and the receiving task.
final class SendTimes: Sendable {
    private let times: Mutex<[UInt64]>
    init(count: Int) { times = Mutex([UInt64](repeating: 0, count: count)) }
    func record(_ index: Int, _ time: UInt64) { times.withLock { $0[index] = time } }
    func time(_ index: Int) -> UInt64 { times.withLock { $0.indices.contains(index) ? $0[index] : 0 } }
}

func monotonicNanoseconds() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
}
