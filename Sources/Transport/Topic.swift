/// A stream's name as it appears in topics (`sentio.<stream>.utterance`) and in `sentio@<stream>`.
///
/// 1–64 characters from `A–Z a–z 0–9 _ -`. No `.`: topics are matched by byte prefix, and the
/// level delimiter `.` that ends every level is what keeps `sentio.cam1.` from matching
/// `sentio.cam10.utterance`; a name with a dot in it could fake a level.
public struct StreamName: Sendable, Hashable, Codable, CustomStringConvertible {
    public let value: String

    public static let maximumLength = 64

    public init(_ value: String) throws(TransportError) {
        guard !value.isEmpty, value.utf8.count <= Self.maximumLength else {
            throw TransportError(.invalidStream, subject: "stream \"\(value)\"",
                                 reason: "a stream name has 1 to \(Self.maximumLength) characters")
        }
        for byte in value.utf8 where !Self.allowed(byte) {
            throw TransportError(.invalidStream, subject: "stream \"\(value)\"",
                                 reason: "a stream name uses only letters, digits, '_' and '-' (found \"\(Character(Unicode.Scalar(byte)))\")")
        }
        self.value = value
    }

    /// For names already known to be valid (literals in this module).
    init(checked value: String) { self.value = value }

    private static func allowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"): return true
        default: return false
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        self = try StreamName(try container.decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }

    public var description: String { value }
}

/// The topics of DESIGN.md §5. Every level ends with `.` before the next one, so a prefix that
/// ends with `.` selects whole levels.
public enum Topic {
    public static let root = "sentio."
    /// The topic of the transcript feed Sentio subscribes to.
    public static let transcript = "transcript"

    public enum Kind: String, Sendable, CaseIterable, Codable {
        case utterance, status
    }

    /// `sentio.<stream>.utterance` or `sentio.<stream>.status`.
    public static func name(_ stream: StreamName, _ kind: Kind) -> String { "sentio.\(stream.value).\(kind.rawValue)" }

    /// The prefix that selects every topic of one stream: `sentio.<stream>.`.
    public static func prefix(_ stream: StreamName) -> String { "sentio.\(stream.value)." }

    /// Splits `sentio.<stream>.<kind>`; nil for anything else.
    public static func parse(_ topic: String) -> (stream: StreamName, kind: Kind)? {
        let parts = topic.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "sentio", let kind = Kind(rawValue: String(parts[2])),
              let stream = try? StreamName(String(parts[1])) else { return nil }
        return (stream, kind)
    }
}
