import Foundation
import Testing
@testable import Transport

/// A publisher bound to an ephemeral loopback port, and a unique ipc path.
enum Loopback {
    static func publisher() throws -> Publisher { try Publisher(bind: "tcp://127.0.0.1:*") }

    static func ipcEndpoint(_ name: String) -> String {
        "ipc://" + FileManager.default.temporaryDirectory.appendingPathComponent("sentio-\(name)-\(getpid()).sock").path
    }

    static func stream(_ name: String) throws -> StreamName { try StreamName(name) }

    static func utterance(_ stream: String, seq: UInt64, text: String? = "hello") throws -> UtteranceMessage {
        UtteranceMessage(stream: try StreamName(stream), seq: seq, start: Double(seq), end: Double(seq) + 1.5, text: text,
                         sentiment: 0.5, modalities: Modalities(text: ModalityScore(present: true, score: 0.5),
                                                               audio: ModalityScore(present: true, score: -0.25),
                                                               vision: .absent),
                         model: "test", time: 0, latencyMs: 1)
    }
}

@Suite("ZeroMQ publisher and subscriber on loopback")
struct PubSubTests {
    func roundTrip(_ publisher: Publisher, endpoint: String, count: Int) async throws {
        let subscriber = try Subscriber(endpoint, topics: ["sentio."])
        defer { subscriber.close() }
        #expect(try await publisher.waitForSubscriber(for: "sentio.a.utterance", timeout: .seconds(5)))
        var sent: [Message] = []
        for seq in 1...count {
            // Payloads of varying size, binary-safe (a zero byte inside).
            let payload = Array("{\"seq\":\(seq),\"pad\":\"\(String(repeating: "x", count: seq % 97))\"}".utf8) + [0, UInt8(seq % 256)]
            let topic = seq % 3 == 0 ? "sentio.b.status" : "sentio.a.utterance"
            #expect(try publisher.send(topic: topic, payload: payload))
            sent.append(Message(topic: topic, payload: payload))
        }
        var received: [Message] = []
        for _ in 0..<count {
            guard let message = try await subscriber.receive(timeout: .seconds(5)) else { break }
            received.append(message)
        }
        #expect(received.count == count)
        #expect(received == sent, "messages differ or arrive out of order")
        #expect(subscriber.counters == Subscriber.Counters(received: UInt64(count), dropped: 0, malformed: 0))
    }

    @Test("Over tcp://127.0.0.1 a subscriber receives every message, in order, with its exact topic and payload")
    func tcpRoundTrip() async throws {
        let publisher = try Loopback.publisher()
        defer { publisher.close() }
        #expect(publisher.endpoint.hasPrefix("tcp://127.0.0.1:") && !publisher.endpoint.hasSuffix("*"))
        try await roundTrip(publisher, endpoint: publisher.endpoint, count: 2000)
        #expect(publisher.counters.sent == 2000 && publisher.counters.dropped == 0)
    }

    @Test("Over ipc:// a subscriber receives every message, in order")
    func ipcRoundTrip() async throws {
        let endpoint = Loopback.ipcEndpoint("roundtrip")
        let publisher = try Publisher(bind: endpoint)
        defer { publisher.close() }
        try await roundTrip(publisher, endpoint: endpoint, count: 500)
    }

    @Test("A subscriber to sentio.cam1. gets cam1's utterances and status but nothing of cam10 or cam1x")
    func prefixFiltering() async throws {
        let publisher = try Loopback.publisher()
        defer { publisher.close() }
        let cam1 = try Subscriber(publisher.endpoint, topics: [Topic.prefix(try StreamName("cam1"))])
        let everything = try Subscriber(publisher.endpoint, topics: [Topic.root])
        defer { cam1.close(); everything.close() }
        #expect(try await publisher.waitForSubscriber(for: "sentio.cam1.utterance", timeout: .seconds(5)))
        #expect(try await publisher.waitForSubscriber(for: "sentio.zzz", timeout: .seconds(5)))
        for seq in 1...5 as ClosedRange<UInt64> {
            for name in ["cam1", "cam10", "cam1x", "cam"] {
                try publisher.publish(try Loopback.utterance(name, seq: seq))
            }
        }
        try publisher.publish(StatusMessage(stream: try StreamName("cam10"), seq: 1, time: 0, state: .running, uptime: 1,
                                            counters: .init()))
        try publisher.publish(StatusMessage(stream: try StreamName("cam1"), seq: 1, time: 0, state: .running, uptime: 1,
                                            counters: .init()))
        var all: [String] = []
        for _ in 0..<22 { if let m = try await everything.receive(timeout: .seconds(5)) { all.append(m.topic) } }
        #expect(all.count == 22)
        // Everything published has arrived at the other subscriber, so cam1's is complete too.
        var topics: [String] = []
        while let message = try? await cam1.receive(timeout: .milliseconds(300)) {
            topics.append(message.topic)
            let payload = try Schema.decode(message.payload)
            #expect(payload.stream.value == "cam1")
        }
        #expect(topics == Array(repeating: "sentio.cam1.utterance", count: 5) + ["sentio.cam1.status"])
    }

    @Test("The XPUB publisher sees a subscription arrive and leave")
    func xpubSeesSubscription() async throws {
        let publisher = try Loopback.publisher()
        defer { publisher.close() }
        #expect(publisher.subscriptions.isEmpty)
        #expect(try await !publisher.waitForSubscriber(timeout: .milliseconds(100)))
        let subscriber = try Subscriber(publisher.endpoint, topics: ["sentio.cam1."])
        #expect(try await publisher.waitForSubscriber(for: "sentio.cam1.status", timeout: .seconds(5)))
        #expect(publisher.subscriptions == ["sentio.cam1."])
        #expect(publisher.hasSubscriber(for: "sentio.cam1.utterance"))
        #expect(!publisher.hasSubscriber(for: "sentio.cam10.utterance"))
        subscriber.close()
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(5))
        while !publisher.subscriptions.isEmpty && clock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(publisher.subscriptions.isEmpty, "the unsubscription never reached the publisher")
    }

    @Test("receive times out with a typed error, and close ends the sequence")
    func timeoutAndClose() async throws {
        let publisher = try Loopback.publisher()
        defer { publisher.close() }
        let subscriber = try Subscriber(publisher.endpoint)
        let clock = ContinuousClock()
        let started = clock.now
        await #expect(throws: TransportError.self) { _ = try await subscriber.receive(timeout: .milliseconds(200)) }
        do {
            _ = try await subscriber.receive(timeout: .milliseconds(100))
        } catch let error as TransportError {
            #expect(error.code == .timeout)
        }
        // At least the two timeouts; the upper bound only says "it did not hang" (under the full
        // suite other tests may hold the cooperative pool's threads, which delays every resume).
        #expect(clock.now - started >= .milliseconds(300) && clock.now - started < .seconds(30))
        #expect(try await publisher.waitForSubscriber(timeout: .seconds(5)))
        try publisher.send(topic: "x", payload: [1, 2, 3])
        try publisher.send(topic: "only-one-frame-follows", payload: [])
        let closer = Task {
            try await Task.sleep(for: .milliseconds(300))
            subscriber.close()
        }
        var received: [Message] = []
        for try await message in subscriber.messages() { received.append(message) }
        try await closer.value
        #expect(received == [Message(topic: "x", payload: [1, 2, 3]), Message(topic: "only-one-frame-follows", payload: [])])
        #expect(try await subscriber.receive() == nil, "a closed subscriber returns nil")
    }

    @Test("A consumer that falls behind loses new messages beyond the inbox capacity, counted, never unbounded memory")
    func boundedInbox() async throws {
        let publisher = try Loopback.publisher()
        defer { publisher.close() }
        let subscriber = try Subscriber(publisher.endpoint, options: .init(capacity: 10))
        defer { subscriber.close() }
        #expect(try await publisher.waitForSubscriber(timeout: .seconds(5)))
        for index in 0..<100 { try publisher.send(topic: "t", payload: [UInt8(index)]) }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(5))
        while subscriber.counters.received + subscriber.counters.dropped < 100 && clock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(subscriber.counters.received == 10 && subscriber.counters.dropped == 90)
        var kept: [UInt8] = []
        while let message = try? await subscriber.receive(timeout: .milliseconds(100)) { kept += message.payload }
        #expect(kept == Array(0..<10), "the oldest messages are kept, in order")
    }

    @Test("A waiting receive is cancelled with its task")
    func cancellation() async throws {
        let publisher = try Loopback.publisher()
        defer { publisher.close() }
        let subscriber = try Subscriber(publisher.endpoint)
        defer { subscriber.close() }
        let task = Task { try await subscriber.receive() }
        try await Task.sleep(for: .milliseconds(100))
        task.cancel()
        await #expect(throws: CancellationError.self) { _ = try await task.value }
    }

    @Test("A subscriber that binds receives from a publisher socket that connects")
    func bindingSubscriber() async throws {
        let subscriber = try Subscriber("tcp://127.0.0.1:*", topics: [Topic.transcript], options: .init(bind: true))
        defer { subscriber.close() }
        #expect(!subscriber.endpoint.hasSuffix("*"))
        let publisher = try Connector(subscriber.endpoint)
        defer { publisher.close() }
        // PUB→SUB with a connecting PUB: resend until the subscription has propagated.
        var got: Message?
        for _ in 0..<50 where got == nil {
            try publisher.send(topic: "transcript", payload: Array("{}".utf8))
            got = try? await subscriber.receive(timeout: .milliseconds(100))
        }
        #expect(got == Message(topic: "transcript", payload: Array("{}".utf8)))
    }
}

/// A plain PUB socket that connects (the shape of an ASR feeding Sentio's transcript SUB).
final class Connector {
    let socket: ZMQ.Socket
    init(_ endpoint: String) throws {
        socket = try ZMQ.Socket.open(1 /* ZMQ_PUB */, subject: endpoint)
        try socket.connect(endpoint)
    }
    func send(topic: String, payload: [UInt8]) throws { _ = try socket.send([Array(topic.utf8), payload], subject: "test") }
    func close() { socket.close() }
}

@Suite("A stream's channel")
struct StreamChannelTests {
    @Test("Utterances and heartbeats are numbered 1, 2, 3… each on their own topic, and the heartbeat counts utterances")
    func numbering() async throws {
        let publisher = try Loopback.publisher()
        defer { publisher.close() }
        let subscriber = try Subscriber(publisher.endpoint, topics: ["sentio.cam2."])
        defer { subscriber.close() }
        #expect(try await publisher.waitForSubscriber(for: "sentio.cam2.status", timeout: .seconds(5)))
        let channel = StreamChannel(publisher: publisher, stream: try StreamName("cam2"))
        try channel.publishStatus(.starting)
        let modalities = Modalities(text: .absent, audio: .init(present: true, score: 0.5), vision: .absent)
        for index in 0..<3 {
            try channel.publishUtterance(start: Double(index), end: Double(index) + 1, text: nil, sentiment: 4, modalities: modalities,
                                         model: "m", latencyMs: 1)
        }
        try channel.publishStatus(.running, counters: .init(dropped: 2))
        var seen: [(String, UInt64)] = []
        var last: StatusMessage?
        for _ in 0..<5 {
            let message = try #require(try await subscriber.receive(timeout: .seconds(5)))
            let payload = try Schema.decode(message.payload)
            seen.append((message.topic, payload.seq))
            if case .status(let status) = payload { last = status }
            if case .utterance(let utterance) = payload { #expect(utterance.sentiment == 3 && utterance.label == .positive) }
        }
        #expect(seen.map(\.0) == ["sentio.cam2.status"] + Array(repeating: "sentio.cam2.utterance", count: 3) + ["sentio.cam2.status"])
        #expect(seen.map(\.1) == [1, 1, 2, 3, 2])
        #expect(last?.counters == StatusMessage.Counters(utterances: 3, dropped: 2, reconnects: 0, rejected: 0))
        #expect(last?.state == .running)
    }

    @Test("A message that is not two frames is counted as malformed and skipped")
    func malformedFrames() async throws {
        let subscriber = try Subscriber("tcp://127.0.0.1:*", options: .init(bind: true))
        defer { subscriber.close() }
        let publisher = try Connector(subscriber.endpoint)
        defer { publisher.close() }
        var ready = false
        for _ in 0..<50 where !ready {
            try publisher.send(topic: "probe", payload: [])
            ready = (try? await subscriber.receive(timeout: .milliseconds(100))) != nil
        }
        while (try? await subscriber.receive(timeout: .milliseconds(100))) != nil {}
        let before = subscriber.counters.malformed
        _ = try publisher.socket.send([Array("a".utf8), [1], [2]], subject: "test")
        _ = try publisher.socket.send([Array("alone".utf8)], subject: "test")
        try publisher.send(topic: "good", payload: [3])
        #expect(try await subscriber.receive(timeout: .seconds(5)) == Message(topic: "good", payload: [3]))
        #expect(subscriber.counters.malformed == before + 2)
    }
}
