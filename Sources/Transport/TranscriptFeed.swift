import Foundation
import Logging
import Media
import Synchronization

/// A transcript arriving live on a SUB socket, topic `transcript` (DESIGN.md §5), from an ASR or
/// a captioner. Each message's payload is one JSON object:
///
/// - a segment: `{"start": 1.0, "end": 2.5, "text": "hello there", "words": [...]?}`
/// - segments:  `{"segments": [{"start", "end", "text", "words"?}, ...]}`
/// - words:     `{"words": [{"word": "hello", "start": 1.0, "end": 1.4}, ...]}` (one segment of them)
/// - a word:    `{"word": "hello", "start": 1.0, "end": 1.4}`
///
/// Times are media seconds (≥ 0, end ≥ start). Anything else is rejected with a
/// `TranscriptFeedError`, counted and logged, and the feed goes on with the next message.
public final class TranscriptFeed: Sendable {
    public enum Event: Sendable, Equatable {
        case segments([Transcript.Segment])
        case rejected(TranscriptFeedError)
    }

    /// Payloads larger than this are rejected unread.
    public static let maximumPayload = 1 << 20

    public let subscriber: Subscriber
    private let rejectedCount = Atomic<UInt64>(0)
    private let logger: Logger

    public init(_ endpoint: String, options: Subscriber.Options = Subscriber.Options(),
                logger: Logger = Logger(label: "sentio.transport.transcript")) throws(TransportError) {
        subscriber = try Subscriber(endpoint, topics: [Topic.transcript], options: options)
        self.logger = logger
    }

    /// Messages rejected so far.
    public var rejected: UInt64 { rejectedCount.load(ordering: .relaxed) }

    /// The next message, parsed or rejected; nil once the feed is closed. Throws `.timeout`.
    public func next(timeout: Duration? = nil) async throws -> Event? {
        guard let message = try await subscriber.receive(timeout: timeout) else { return nil }
        do throws(TranscriptFeedError) {
            return .segments(try Self.parse(message))
        } catch {
            rejectedCount.add(1, ordering: .relaxed)
            logger.warning("rejected a transcript-feed message", metadata: ["endpoint": "\(subscriber.endpoint)",
                                                                          "error": "\(error)"])
            return .rejected(error)
        }
    }

    /// The next segments, skipping (and counting) rejected messages; nil once closed.
    public func nextSegments(timeout: Duration? = nil) async throws -> [Transcript.Segment]? {
        while let event = try await next(timeout: timeout) {
            if case .segments(let segments) = event { return segments }
        }
        return nil
    }

    public func close() { subscriber.close() }

    /// Parses one feed message. Exact topic `transcript` (a longer topic that shares the prefix is refused).
    public static func parse(_ message: Message) throws(TranscriptFeedError) -> [Transcript.Segment] {
        guard message.topic == Topic.transcript else { throw TranscriptFeedError(.topic, "topic is \"\(message.topic)\", expected \"transcript\"") }
        return try parse(payload: message.payload)
    }

    public static func parse(payload: [UInt8]) throws(TranscriptFeedError) -> [Transcript.Segment] {
        guard payload.count <= maximumPayload else {
            throw TranscriptFeedError(.size, "payload of \(payload.count) bytes exceeds \(maximumPayload)")
        }
        guard String(validating: payload, as: UTF8.self) != nil else { throw TranscriptFeedError(.encoding, "payload is not UTF-8") }
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(payload)) else {
            throw TranscriptFeedError(.json, "payload is not JSON")
        }
        guard case .object(let object) = value else { throw TranscriptFeedError(.json, "payload is not a JSON object") }
        if let segments = object["segments"] {
            guard case .array(let list) = segments, !list.isEmpty else {
                throw TranscriptFeedError(.field, "\"segments\" must be a non-empty array")
            }
            var result: [Transcript.Segment] = []
            for (index, item) in list.enumerated() {
                guard case .object(let segment) = item else {
                    throw TranscriptFeedError(.field, "segments[\(index)] is not an object")
                }
                result.append(try parseSegment(segment, path: "segments[\(index)]"))
            }
            return result
        }
        if object["word"] != nil {
            let word = try parseWord(object, path: "message")
            return [Transcript.Segment(start: word.start, end: word.end, text: word.word, words: [word])]
        }
        return [try parseSegment(object, path: "message")]
    }

    private static func parseSegment(_ object: [String: JSONValue], path: String) throws(TranscriptFeedError) -> Transcript.Segment {
        var words: [Transcript.Word]?
        if let raw = object["words"] {
            guard case .array(let list) = raw, !list.isEmpty else {
                throw TranscriptFeedError(.field, "\(path).words must be a non-empty array")
            }
            var parsed: [Transcript.Word] = []
            for (index, item) in list.enumerated() {
                guard case .object(let word) = item else {
                    throw TranscriptFeedError(.field, "\(path).words[\(index)] is not an object")
                }
                parsed.append(try parseWord(word, path: "\(path).words[\(index)]"))
            }
            words = parsed
        }
        let start = try number(object["start"], "\(path).start", optional: words != nil) ?? words?.first?.start ?? 0
        let end = try number(object["end"], "\(path).end", optional: words != nil) ?? words?.last?.end ?? 0
        try checkTimes(start, end, path)
        let text: String
        if let raw = object["text"] {
            guard case .string(let string) = raw else { throw TranscriptFeedError(.field, "\(path).text is not a string") }
            text = string
        } else if let words {
            text = words.map(\.word).joined(separator: " ")
        } else {
            throw TranscriptFeedError(.field, "\(path) has no \"text\" and no \"words\"")
        }
        let normalized = CaptionText.normalize(text)
        guard !normalized.isEmpty else { throw TranscriptFeedError(.field, "\(path).text is empty") }
        return Transcript.Segment(start: start, end: end, text: normalized, words: words)
    }

    private static func parseWord(_ object: [String: JSONValue], path: String) throws(TranscriptFeedError) -> Transcript.Word {
        guard case .string(let word) = object["word"] ?? object["text"],
              !word.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw TranscriptFeedError(.field, "\(path).word must be a non-empty string")
        }
        let start = try number(object["start"], "\(path).start", optional: false) ?? 0
        let end = try number(object["end"], "\(path).end", optional: false) ?? 0
        try checkTimes(start, end, path)
        return Transcript.Word(word: word, start: start, end: end)
    }

    private static func number(_ value: JSONValue?, _ path: String, optional: Bool) throws(TranscriptFeedError) -> Double? {
        guard let value else {
            if optional { return nil }
            throw TranscriptFeedError(.field, "\(path) is missing")
        }
        guard case .number(let number) = value, number.isFinite else {
            throw TranscriptFeedError(.field, "\(path) is not a number")
        }
        return number
    }

    private static func checkTimes(_ start: Double, _ end: Double, _ path: String) throws(TranscriptFeedError) {
        guard start >= 0 else { throw TranscriptFeedError(.times, "\(path) starts before 0 (\(start))") }
        guard end >= start else { throw TranscriptFeedError(.times, "\(path) ends (\(end)) before it starts (\(start))") }
    }
}

/// A transcript-feed message that cannot be used.
public struct TranscriptFeedError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Code: String, Sendable {
        case topic, size, encoding, json, field, times
    }

    public var code: Code
    public var reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "transcript feed: \(reason)" }
}

/// Any JSON value, decoded strictly (a boolean is never a number).
enum JSONValue: Decodable, Sendable {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }
}
