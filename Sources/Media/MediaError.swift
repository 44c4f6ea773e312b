/// Why a media input could not be opened or read to its end.
///
/// Every error names the input and says the cause in plain words; FFmpeg's own message is
/// kept alongside. A read that fails midway keeps what was decoded before the failure in
/// `partial` (batch reads); streaming readers have already delivered those events.
public struct MediaError: Error, CustomStringConvertible, Sendable {
    public enum Kind: String, Sendable, Codable {
        case notFound = "not-found"
        case connectionRefused = "connection-refused"
        case notMedia = "not-media"
        case openFailed = "open-failed"
        case noAudioStream = "no-audio-stream"
        case noVideoStream = "no-video-stream"
        case unsupportedCodec = "unsupported-codec"
        case stalled
        case truncated
        case readFailed = "read-failed"
        case cancelled
        case invalidOptions = "invalid-options"
        case writeFailed = "write-failed"
    }

    public var kind: Kind
    /// The URL or path as the caller gave it.
    public var input: String
    /// What went wrong, in words a user can act on.
    public var reason: String
    /// FFmpeg's (or libsndfile's) error string, when the cause came from the library.
    public var libraryMessage: String?
    /// What was decoded before the failure (batch reads only).
    public var partial: DecodedMedia?

    public init(_ kind: Kind, input: String, reason: String, libraryMessage: String? = nil,
                partial: DecodedMedia? = nil) {
        self.kind = kind
        self.input = input
        self.reason = reason
        self.libraryMessage = libraryMessage
        self.partial = partial
    }

    public var description: String {
        var text = "\(input): \(reason)"
        if let libraryMessage, !reason.contains(libraryMessage) { text += " (\(libraryMessage))" }
        return text
    }
}
