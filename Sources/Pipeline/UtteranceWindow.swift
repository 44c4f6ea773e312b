import Media

/// One span of the stream that the model scores: an utterance with its text, or a
/// voice-activity segment without text when no transcript exists.
public struct UtteranceWindow: Sendable, Equatable, Codable {
    /// Where a window's boundaries came from, in the order the pipeline prefers them.
    public enum Source: String, Sendable, Codable {
        case caption          // a subtitle stream in the input
        case transcript       // a sidecar SRT / WebVTT / JSON file
        case feed             // segments or words on the ZeroMQ transcript feed
        case asr              // Sentio's own speech recognition
        case voiceActivity = "voice-activity"  // no transcript at all: audio and visual scores only
    }

    public var start: Double
    public var end: Double
    /// nil for voice-activity windows.
    public var text: String?
    public var source: Source

    public init(start: Double, end: Double, text: String?, source: Source) {
        self.start = start
        self.end = end
        self.text = text
        self.source = source
    }

    public var duration: Double { end - start }
}
