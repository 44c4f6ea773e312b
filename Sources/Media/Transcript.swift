import Foundation

/// A timed transcript: the utterance windows Sentio analyses when captions are not in the stream.
public struct Transcript: Sendable, Equatable, Codable {
    public struct Word: Sendable, Equatable, Codable {
        public var word: String
        public var start: Double
        public var end: Double

        public init(word: String, start: Double, end: Double) {
            self.word = word
            self.start = start
            self.end = end
        }
    }

    public struct Segment: Sendable, Equatable, Codable {
        public var start: Double
        public var end: Double
        public var text: String
        /// Word times, when the source has them.
        public var words: [Word]?

        public init(start: Double, end: Double, text: String, words: [Word]? = nil) {
            self.start = start
            self.end = end
            self.text = text
            self.words = words
        }
    }

    public var segments: [Segment]

    public init(segments: [Segment]) { self.segments = segments }

    /// The segments as caption cues (one concept for "timed text" across the pipeline).
    public var cues: [CaptionCue] { segments.map { CaptionCue(start: $0.start, end: $0.end, text: $0.text) } }

    public enum Format: String, Sendable, CaseIterable {
        case srt, vtt, json

        /// The format a file name implies.
        public init?(path: String) {
            switch (path as NSString).pathExtension.lowercased() {
            case "srt": self = .srt
            case "vtt", "webvtt": self = .vtt
            case "json": self = .json
            default: return nil
            }
        }
    }

    /// Reads a sidecar transcript; the format comes from the extension unless given.
    public static func load(path: String, format: Format? = nil) throws(TranscriptError) -> Transcript {
        guard let chosen = format ?? Format(path: path) else {
            throw TranscriptError(input: path, line: nil, reason: "unknown transcript format: use a .srt, .vtt or .json file")
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw TranscriptError(input: path, line: nil, reason: "cannot read the file: \(error.localizedDescription)")
        }
        switch chosen {
        case .json: return try parseJSON(data, input: path)
        case .srt, .vtt:
            guard let text = String(data: data, encoding: .utf8) ?? String(data: data, encoding: .isoLatin1) else {
                throw TranscriptError(input: path, line: nil, reason: "the file is not text")
            }
            return chosen == .srt ? try parseSubRip(text, input: path) : try parseWebVTT(text, input: path)
        }
    }
}

/// A transcript that cannot be used, with the line at fault when there is one.
public struct TranscriptError: Error, CustomStringConvertible, Sendable, Equatable {
    public var input: String
    public var line: Int?
    public var reason: String

    public init(input: String, line: Int?, reason: String) {
        self.input = input
        self.line = line
        self.reason = reason
    }

    public var description: String {
        if let line { return "\(input):\(line): \(reason)" }
        return "\(input): \(reason)"
    }
}
