import Foundation

/// The payloads of schema `sentio.v1` (DESIGN.md §5, docs/MESSAGES.md). JSON fields are
/// snake_case, one word per concept; every payload carries `schema` and `type`.
public enum Schema {
    public static let version = "sentio.v1"

    /// The encoder used for every payload: keys sorted so the bytes are reproducible.
    public static func encoder(pretty: Bool = false) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
                                          : [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// Reads `schema` and `type`, then the message of that type, in one pass over the JSON.
    private struct AnyPayload: Decodable {
        var payload: Payload
        enum Keys: String, CodingKey { case schema, type }

        init(from decoder: any Decoder) throws {
            guard let c = try? decoder.container(keyedBy: Keys.self) else {
                throw MessageError(reason: "the payload is not a JSON object")
            }
            let schema = try? c.decodeIfPresent(String.self, forKey: .schema)
            guard schema == version else {
                throw MessageError(reason: "schema is \(schema.map { "\"\($0)\"" } ?? "missing"), expected \"\(version)\"")
            }
            let type = try? c.decodeIfPresent(String.self, forKey: .type)
            switch type {
            case "utterance": payload = .utterance(try UtteranceMessage(from: decoder))
            case "status": payload = .status(try StatusMessage(from: decoder))
            default: throw MessageError(reason: "type is \(type.map { "\"\($0)\"" } ?? "missing"), expected \"utterance\" or \"status\"")
            }
        }
    }

    /// Decodes a payload, utterance or status, by its `type` field.
    public static func decode(_ payload: some DataProtocol) throws(MessageError) -> Payload {
        do {
            return try JSONDecoder().decode(AnyPayload.self, from: Data(payload)).payload
        } catch let error as MessageError {
            throw error
        } catch let DecodingError.keyNotFound(key, _) {
            throw MessageError(reason: "field \"\(key.stringValue)\" is missing")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            throw MessageError(reason: "field \"\(context.codingPath.map(\.stringValue).joined(separator: "."))\" has the wrong type")
        } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty {
            throw MessageError(reason: "the payload is not JSON")
        } catch {
            throw MessageError(reason: "\(error)")
        }
    }

    public enum Payload: Sendable, Equatable {
        case utterance(UtteranceMessage)
        case status(StatusMessage)

        public var stream: StreamName {
            switch self {
            case .utterance(let m): m.stream
            case .status(let m): m.stream
            }
        }

        public var seq: UInt64 {
            switch self {
            case .utterance(let m): m.seq
            case .status(let m): m.seq
            }
        }
    }
}

/// A payload that does not follow `sentio.v1`.
public struct MessageError: Error, CustomStringConvertible, Sendable, Equatable {
    public var reason: String
    public init(reason: String) { self.reason = reason }
    public var description: String { "not a sentio.v1 message: \(reason)" }
}

/// Sentiment class of an utterance, from its score (Self-MM / MMSA three-class convention:
/// negative below 0, neutral at 0, positive above).
public enum SentimentLabel: String, Sendable, Codable, CaseIterable {
    case negative, neutral, positive

    public init(sentiment: Double) {
        self = sentiment < 0 ? .negative : (sentiment > 0 ? .positive : .neutral)
    }
}

/// One modality's result: whether its input was there, and its own score when it was.
public struct ModalityScore: Sendable, Codable, Equatable {
    public var present: Bool
    /// In [−3, 3]; null when the modality was absent.
    public var score: Double?

    public init(present: Bool, score: Double?) {
        self.present = present
        self.score = present ? score : nil
    }

    public static let absent = ModalityScore(present: false, score: nil)

    enum CodingKeys: String, CodingKey { case present, score }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(present, forKey: .present)
        try c.encode(score, forKey: .score)  // explicit null when absent
    }
}

/// Per-modality scores (the model's unimodal heads T, A, V).
public struct Modalities: Sendable, Codable, Equatable {
    public var text: ModalityScore
    public var audio: ModalityScore
    public var vision: ModalityScore

    public init(text: ModalityScore, audio: ModalityScore, vision: ModalityScore) {
        self.text = text
        self.audio = audio
        self.vision = vision
    }
}

/// `sentio.<stream>.utterance`: one per utterance.
public struct UtteranceMessage: Sendable, Codable, Equatable {
    public var schema: String = Schema.version
    public var type: Topic.Kind = .utterance
    public var stream: StreamName
    /// 1, 2, 3… per topic of one publisher run; a jump is a lost message.
    public var seq: UInt64
    /// Media time of the utterance, seconds from the start of the input.
    public var start: Double
    public var end: Double
    /// The utterance's transcript; null for voice-activity windows with no transcript.
    public var text: String?
    /// Multimodal score (head M), in [−3, 3].
    public var sentiment: Double
    public var label: SentimentLabel
    public var modalities: Modalities
    /// Identifier of the model that produced the scores.
    public var model: String
    /// Wall-clock time of publication, Unix seconds.
    public var time: Double
    /// From the end of the utterance being available to its publication, milliseconds.
    public var latencyMs: Double

    enum CodingKeys: String, CodingKey {
        case schema, type, stream, seq, start, end, text, sentiment, label, modalities, model, time
        case latencyMs = "latency_ms"
    }

    public init(stream: StreamName, seq: UInt64, start: Double, end: Double, text: String?, sentiment: Double,
                label: SentimentLabel? = nil, modalities: Modalities, model: String, time: Double, latencyMs: Double) {
        self.stream = stream
        self.seq = seq
        self.start = start
        self.end = end
        self.text = text
        self.sentiment = sentiment
        self.label = label ?? SentimentLabel(sentiment: sentiment)
        self.modalities = modalities
        self.model = model
        self.time = time
        self.latencyMs = latencyMs
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        schema = try c.decode(String.self, forKey: .schema)
        type = try c.decode(Topic.Kind.self, forKey: .type)
        stream = try c.decode(StreamName.self, forKey: .stream)
        seq = try c.decode(UInt64.self, forKey: .seq)
        start = try c.decode(Double.self, forKey: .start)
        end = try c.decode(Double.self, forKey: .end)
        text = try c.decodeIfPresent(String.self, forKey: .text)
        sentiment = try c.decode(Double.self, forKey: .sentiment)
        label = try c.decode(SentimentLabel.self, forKey: .label)
        modalities = try c.decode(Modalities.self, forKey: .modalities)
        model = try c.decode(String.self, forKey: .model)
        time = try c.decode(Double.self, forKey: .time)
        latencyMs = try c.decode(Double.self, forKey: .latencyMs)
        guard type == .utterance else { throw MessageError(reason: "type is \"\(type.rawValue)\", expected \"utterance\"") }
        guard (-3...3).contains(sentiment) else { throw MessageError(reason: "sentiment \(sentiment) is outside [-3, 3]") }
        guard end >= start else { throw MessageError(reason: "end \(end) is before start \(start)") }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(schema, forKey: .schema)
        try c.encode(type, forKey: .type)
        try c.encode(stream, forKey: .stream)
        try c.encode(seq, forKey: .seq)
        try c.encode(start, forKey: .start)
        try c.encode(end, forKey: .end)
        try c.encode(text, forKey: .text)  // explicit null when there is no transcript
        try c.encode(sentiment, forKey: .sentiment)
        try c.encode(label, forKey: .label)
        try c.encode(modalities, forKey: .modalities)
        try c.encode(model, forKey: .model)
        try c.encode(time, forKey: .time)
        try c.encode(latencyMs, forKey: .latencyMs)
    }

    public var topic: String { Topic.name(stream, .utterance) }
}

/// `sentio.<stream>.status`: a heartbeat with the stream's state and counters.
public struct StatusMessage: Sendable, Codable, Equatable {
    public enum State: String, Sendable, Codable, CaseIterable {
        /// Opening the input, loading the model.
        case starting
        /// Reading the input and publishing.
        case running
        /// The input dropped; reopening with backoff.
        case reconnecting
        /// SIGTERM received: finishing the utterance in flight.
        case draining
        /// Last message before exit.
        case stopped
    }

    /// Totals since the publisher started.
    public struct Counters: Sendable, Codable, Equatable {
        /// Utterances published.
        public var utterances: UInt64
        /// Utterances not published: dropped because the model fell behind a live input (the
        /// bounded scoring queue was full), or a failed send.
        public var dropped: UInt64
        /// Utterance windows with nothing the model could score (a voice-activity window for a
        /// text-only model), not published.
        public var unscored: UInt64
        /// Times the input was reopened.
        public var reconnects: UInt64
        /// Transcript-feed messages rejected as malformed.
        public var rejected: UInt64

        public init(utterances: UInt64 = 0, dropped: UInt64 = 0, unscored: UInt64 = 0, reconnects: UInt64 = 0, rejected: UInt64 = 0) {
            self.utterances = utterances
            self.dropped = dropped
            self.unscored = unscored
            self.reconnects = reconnects
            self.rejected = rejected
        }

        enum CodingKeys: String, CodingKey { case utterances, dropped, unscored, reconnects, rejected }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            utterances = try c.decode(UInt64.self, forKey: .utterances)
            dropped = try c.decode(UInt64.self, forKey: .dropped)
            // Added after the first release of sentio.v1: absent from older publishers' messages.
            unscored = try c.decodeIfPresent(UInt64.self, forKey: .unscored) ?? 0
            reconnects = try c.decode(UInt64.self, forKey: .reconnects)
            rejected = try c.decode(UInt64.self, forKey: .rejected)
        }
    }

    public var schema: String = Schema.version
    public var type: Topic.Kind = .status
    public var stream: StreamName
    /// 1, 2, 3… per topic, like utterances.
    public var seq: UInt64
    /// Wall-clock time of the heartbeat, Unix seconds.
    public var time: Double
    public var state: State
    /// Seconds since the publisher started.
    public var uptime: Double
    public var counters: Counters

    public init(stream: StreamName, seq: UInt64, time: Double, state: State, uptime: Double, counters: Counters) {
        self.stream = stream
        self.seq = seq
        self.time = time
        self.state = state
        self.uptime = uptime
        self.counters = counters
    }

    enum CodingKeys: String, CodingKey { case schema, type, stream, seq, time, state, uptime, counters }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        schema = try c.decode(String.self, forKey: .schema)
        type = try c.decode(Topic.Kind.self, forKey: .type)
        stream = try c.decode(StreamName.self, forKey: .stream)
        seq = try c.decode(UInt64.self, forKey: .seq)
        time = try c.decode(Double.self, forKey: .time)
        state = try c.decode(State.self, forKey: .state)
        uptime = try c.decode(Double.self, forKey: .uptime)
        counters = try c.decode(Counters.self, forKey: .counters)
        guard type == .status else { throw MessageError(reason: "type is \"\(type.rawValue)\", expected \"status\"") }
    }

    public var topic: String { Topic.name(stream, .status) }
}

extension UtteranceMessage {
    /// The example of docs/MESSAGES.md (a test checks the document shows exactly its encoding).
    public static var example: UtteranceMessage {
        UtteranceMessage(
            stream: StreamName(checked: "cam1"), seq: 42, start: 12.48, end: 15.92, text: "i really liked how the ending came together",
            sentiment: 1.6, modalities: Modalities(text: ModalityScore(present: true, score: 1.9),
                                                   audio: ModalityScore(present: true, score: 0.7),
                                                   vision: .absent),
            model: "self-mm-coral-v1", time: 1_795_000_000.25, latencyMs: 38.5)
    }
}

extension StatusMessage {
    /// The example of docs/MESSAGES.md.
    public static var example: StatusMessage {
        StatusMessage(stream: StreamName(checked: "cam1"), seq: 310, time: 1_795_000_005, state: .running, uptime: 3100,
                             counters: Counters(utterances: 42, dropped: 3, unscored: 0, reconnects: 1, rejected: 2))
    }
}
