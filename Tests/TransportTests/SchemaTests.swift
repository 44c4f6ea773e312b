import Foundation
import Media
import Testing
@testable import Transport

enum Repo {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
}

@Suite("Topics and the sentio.v1 schema")
struct SchemaTests {
    @Test("Stream names with '.', spaces, wildcards or no characters are refused; topics end each level with '.'")
    func streamNames() throws {
        for bad in ["", "cam.1", "cam 1", "cam*", "câm", "a/b", String(repeating: "a", count: 65)] {
            #expect(throws: TransportError.self) { try StreamName(bad) }
        }
        for good in ["cam1", "cam10", "Front_Door-2", String(repeating: "a", count: 64)] {
            #expect(try StreamName(good).value == good)
        }
        let cam1 = try StreamName("cam1"), cam10 = try StreamName("cam10")
        #expect(Topic.name(cam1, .utterance) == "sentio.cam1.utterance")
        #expect(Topic.name(cam1, .status) == "sentio.cam1.status")
        #expect(!Topic.name(cam10, .utterance).hasPrefix(Topic.prefix(cam1)))
        #expect(Topic.parse("sentio.cam10.status")?.stream == cam10)
        #expect(Topic.parse("sentio.cam10.status")?.kind == .status)
        #expect(Topic.parse("sentio.cam.1.status") == nil)
        #expect(Topic.parse("sentio.cam1.other") == nil)
        // The name is checked when decoded, too.
        let bad = Data(#"{"schema":"sentio.v1","type":"status","stream":"a.b","seq":1,"time":0,"state":"running","uptime":0,"counters":{"utterances":0,"dropped":0,"reconnects":0,"rejected":0}}"#.utf8)
        #expect(throws: MessageError.self) { try Schema.decode(bad) }
    }

    @Test("An utterance encodes to snake_case JSON with explicit null text and decodes back equal")
    func utteranceRoundTrip() throws {
        var message = UtteranceMessage.example
        message.text = nil
        let data = try Schema.encoder().encode(message)
        let json = String(decoding: data, as: UTF8.self)
        #expect(json.contains(#""text":null"#))
        #expect(json.contains(#""latency_ms":38.5"#))
        #expect(json.hasPrefix(#"{"end":15.92,"label":"positive","latency_ms":38.5,"modalities":{"audio":{"present":true,"score":0.7},"text":{"present":true,"score":1.9},"vision":{"present":false,"score":null}},"model":"self-mm-coral-v1""#), "\(json)")
        #expect(try Schema.decode(data) == .utterance(message))
        let status = try Schema.encoder().encode(StatusMessage.example)
        #expect(try Schema.decode(status) == .status(.example))
    }

    @Test("Payloads outside the schema are refused with the reason")
    func invalidPayloads() throws {
        func reason(_ json: String) -> String? {
            do { _ = try Schema.decode(Data(json.utf8)); return nil } catch { return error.reason }
        }
        let good = String(decoding: try Schema.encoder().encode(UtteranceMessage.example), as: UTF8.self)
        #expect(reason(good) == nil)
        #expect(reason("[1]") == "the payload is not a JSON object")
        #expect(reason(good.replacingOccurrences(of: "sentio.v1", with: "sentio.v0")) == #"schema is "sentio.v0", expected "sentio.v1""#)
        #expect(reason(good.replacingOccurrences(of: #""sentiment":1.6"#, with: #""sentiment":3.5"#))?.contains("outside [-3, 3]") == true)
        #expect(reason(good.replacingOccurrences(of: #""seq":42,"#, with: "")) == #"field "seq" is missing"#)
        #expect(reason(good.replacingOccurrences(of: #""type":"utterance""#, with: #""type":"x""#)) == #"type is "x", expected "utterance" or "status""#)
    }

    @Test("The label follows the sign of the sentiment")
    func labels() {
        #expect(SentimentLabel(sentiment: -0.01) == .negative)
        #expect(SentimentLabel(sentiment: 0) == .neutral)
        #expect(SentimentLabel(sentiment: 2.9) == .positive)
    }

    /// The documentation shows exactly what the encoder writes, so it cannot drift.
    @Test("docs/MESSAGES.md shows the encoder's output for both examples")
    func documentation() throws {
        let doc = try String(contentsOf: Repo.root.appendingPathComponent("docs/MESSAGES.md"), encoding: .utf8)
        for (name, data) in [("utterance", try Schema.encoder(pretty: true).encode(UtteranceMessage.example)),
                             ("status", try Schema.encoder(pretty: true).encode(StatusMessage.example))] {
            let block = "```json\n" + String(decoding: data, as: UTF8.self) + "\n```"
            // SENTIO_WRITE_EXAMPLES=DIR writes the blocks out, to paste into the document after a schema change.
            if let folder = ProcessInfo.processInfo.environment["SENTIO_WRITE_EXAMPLES"] {
                try block.write(toFile: folder + "/\(name).md", atomically: true, encoding: .utf8)
            }
            #expect(doc.contains(block), "docs/MESSAGES.md must contain the \(name) example exactly as encoded:\n\(block)")
        }
        #expect(doc.contains("`sentio.cam1.utterance`") && doc.contains("`sentio.cam1.status`"))
    }
}

@Suite("Transcript feed")
struct TranscriptFeedTests {
    @Test("Segments, words and single words parse into Transcript segments")
    func parsing() throws {
        func parse(_ json: String) throws -> [Transcript.Segment] {
            try TranscriptFeed.parse(Message(topic: "transcript", payload: Array(json.utf8)))
        }
        #expect(try parse(#"{"start":1.5,"end":2.25,"text":"  Hello   there "}"#)
            == [Transcript.Segment(start: 1.5, end: 2.25, text: "Hello there")])
        let words = try parse(#"{"words":[{"word":"good","start":3,"end":3.4},{"word":"morning","start":3.5,"end":4}]}"#)
        #expect(words == [Transcript.Segment(start: 3, end: 4, text: "good morning",
                                             words: [.init(word: "good", start: 3, end: 3.4), .init(word: "morning", start: 3.5, end: 4)])])
        #expect(try parse(#"{"word":"hi","start":0,"end":0.2}"#) == [Transcript.Segment(start: 0, end: 0.2, text: "hi",
                                                                                         words: [.init(word: "hi", start: 0, end: 0.2)])])
        #expect(try parse(#"{"segments":[{"start":0,"end":1,"text":"a"},{"start":1,"end":2,"text":"b"}]}"#).map(\.text) == ["a", "b"])
    }

    @Test("Malformed feed messages are rejected with a typed error naming the problem")
    func rejection() {
        func bytesCode(_ topic: String, _ payload: [UInt8]) -> TranscriptFeedError.Code? {
            do { _ = try TranscriptFeed.parse(Message(topic: topic, payload: payload)); return nil } catch { return error.code }
        }
        func code(_ json: String) -> TranscriptFeedError.Code? { bytesCode("transcript", Array(json.utf8)) }
        #expect(code("not json") == .json)
        #expect(code("[]") == .json)
        #expect(bytesCode("transcript", [0xff, 0xfe]) == .encoding)
        #expect(bytesCode("transcripts", Array(#"{"start":0,"end":1,"text":"a"}"#.utf8)) == .topic)
        #expect(code(#"{"start":2,"end":1,"text":"a"}"#) == .times)
        #expect(code(#"{"start":-1,"end":1,"text":"a"}"#) == .times)
        #expect(code(#"{"start":true,"end":1,"text":"a"}"#) == .field)
        #expect(code(#"{"start":"0","end":1,"text":"a"}"#) == .field)
        #expect(code(#"{"start":0,"end":1}"#) == .field)
        #expect(code(#"{"start":0,"end":1,"text":"   "}"#) == .field)
        #expect(code(#"{"segments":[]}"#) == .field)
        #expect(code(#"{"words":[{"word":"x","start":1}]}"#) == .field)
        #expect(bytesCode("transcript", Array(repeating: UInt8(ascii: " "), count: TranscriptFeed.maximumPayload + 1)) == .size)
    }

    @Test("On a live feed a malformed message is rejected and counted, and the next good one still arrives")
    func liveFeed() async throws {
        let feed = try TranscriptFeed("tcp://127.0.0.1:*", options: .init(bind: true))
        defer { feed.close() }
        let asr = try Connector(feed.subscriber.endpoint)
        defer { asr.close() }
        // Wait for the subscription to reach the connecting PUB: probe with good messages.
        var ready = false
        for _ in 0..<50 where !ready {
            try asr.send(topic: "transcript", payload: Array(#"{"start":0,"end":0.1,"text":"probe"}"#.utf8))
            ready = (try? await feed.next(timeout: .milliseconds(100))) != nil
        }
        #expect(ready)
        while (try? await feed.next(timeout: .milliseconds(100))) != nil {}  // drain extra probes
        try asr.send(topic: "transcript", payload: Array(#"{"start":5,"end":4,"text":"backwards"}"#.utf8))
        try asr.send(topic: "transcript", payload: Array("{not json".utf8))
        try asr.send(topic: "transcript", payload: Array(#"{"start":6,"end":7.5,"text":"still here"}"#.utf8))
        let first = try await feed.next(timeout: .seconds(5))
        guard case .rejected(let error)? = first else { Issue.record("expected a rejection, got \(String(describing: first))"); return }
        #expect(error.code == .times)
        #expect(try await feed.next(timeout: .seconds(5)) == .rejected(TranscriptFeedError(.json, "payload is not JSON")))
        #expect(try await feed.nextSegments(timeout: .seconds(5)) == [Transcript.Segment(start: 6, end: 7.5, text: "still here")])
        #expect(feed.rejected == 2)
    }
}
