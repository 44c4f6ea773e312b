/// What `sentio probe` reports about an input: container and streams.
public struct MediaInfo: Sendable, Equatable, Codable {
    public enum StreamKind: String, Sendable, Codable {
        case audio, video, subtitle, data, attachment, unknown
    }

    public struct Stream: Sendable, Equatable, Codable {
        public var index: Int
        public var kind: StreamKind
        /// FFmpeg's short codec name ("h264", "aac", "mov_text", …).
        public var codec: String
        /// Whether this FFmpeg build can decode the stream.
        public var decodable: Bool
        public var duration: Double?
        public var bitRate: Int?
        public var language: String?
        public var title: String?
        // audio
        public var sampleRate: Int?
        public var channels: Int?
        public var sampleFormat: String?
        // video
        public var width: Int?
        public var height: Int?
        public var pixelFormat: String?
        public var frameRate: Double?
    }

    public var input: String
    /// Container format ("mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm", "mpegts", …).
    public var format: String
    public var formatDescription: String
    /// Seconds; nil for live sources that do not declare one.
    public var duration: Double?
    /// Seconds of the container's first timestamp; Sentio's times are relative to it.
    public var startTime: Double?
    public var bitRate: Int?
    public var streams: [Stream]

    public var audioStreams: [Stream] { streams.filter { $0.kind == .audio } }
    public var videoStreams: [Stream] { streams.filter { $0.kind == .video } }
    /// Subtitle streams, whose cues Sentio reads as captions.
    public var captionTracks: [Stream] { streams.filter { $0.kind == .subtitle } }
}
