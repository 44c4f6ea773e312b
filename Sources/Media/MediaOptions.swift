/// Output format for decoded audio: Sentio's stages all work on 16 kHz mono Float32.
public struct AudioFormat: Sendable, Equatable {
    public var sampleRate: Int

    public init(sampleRate: Int = 16_000) { self.sampleRate = sampleRate }

    /// The format the acoustic stage and the dataset features expect.
    public static let speech = AudioFormat(sampleRate: 16_000)
}

/// Pixel layouts Sentio's vision stage reads.
public enum PixelFormat: String, Sendable, Codable, CaseIterable {
    case gray8
    case rgb24

    public var bytesPerPixel: Int { self == .gray8 ? 1 : 3 }
}

/// Output format for decoded video frames.
public struct VideoFormat: Sendable, Equatable {
    /// Target width; nil keeps the source width (or follows `height` keeping the aspect ratio).
    public var width: Int?
    /// Target height; nil keeps the source height (or follows `width` keeping the aspect ratio).
    public var height: Int?
    public var pixelFormat: PixelFormat
    /// Frames per second to deliver; nil delivers every source frame. A lower rate drops
    /// frames (never duplicates), keeping the one nearest each output tick.
    public var frameRate: Double?

    public init(width: Int? = nil, height: Int? = nil, pixelFormat: PixelFormat = .gray8,
                frameRate: Double? = nil) {
        self.width = width
        self.height = height
        self.pixelFormat = pixelFormat
        self.frameRate = frameRate
    }
}

/// What to decode from an input and how to treat it.
public struct MediaReadOptions: Sendable {
    /// Decoded audio format, or nil to skip audio.
    public var audio: AudioFormat?
    /// Decoded video format, or nil to skip video.
    public var video: VideoFormat?
    /// Whether subtitle streams are decoded into caption cues.
    public var captions: Bool
    /// When true, a requested audio or video stream that the input lacks is an error;
    /// when false that part is silently skipped.
    public var requireRequestedStreams: Bool
    /// Longest time a read may wait for input before it fails with `.stalled`
    /// (live sources on a network that stops sending). nil waits forever.
    public var stallTimeout: Duration?
    /// Capacity of the queue between the decoding thread and the consumer, in events.
    /// When the consumer falls behind, decoding pauses (batch) rather than growing memory.
    public var bufferCapacity: Int
    /// Forced input format (e.g. "mpegts", "s16le"); nil lets FFmpeg probe.
    public var inputFormat: String?
    /// Extra AVOptions passed to the demuxer and protocol (e.g. ["rtsp_transport": "tcp"]).
    public var formatOptions: [String: String]
    /// Decoder threads per stream; 0 lets FFmpeg choose (as the ffmpeg CLI does).
    public var decoderThreads: Int

    public init(audio: AudioFormat? = .speech, video: VideoFormat? = nil, captions: Bool = true,
                requireRequestedStreams: Bool = true, stallTimeout: Duration? = .seconds(10),
                bufferCapacity: Int = 64, inputFormat: String? = nil,
                formatOptions: [String: String] = [:], decoderThreads: Int = 0) {
        self.audio = audio
        self.video = video
        self.captions = captions
        self.requireRequestedStreams = requireRequestedStreams
        self.stallTimeout = stallTimeout
        self.bufferCapacity = bufferCapacity
        self.inputFormat = inputFormat
        self.formatOptions = formatOptions
        self.decoderThreads = decoderThreads
    }
}
