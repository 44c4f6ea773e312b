/// A run of decoded audio samples, 16 kHz mono Float32 unless configured otherwise.
public struct AudioChunk: Sendable, Equatable {
    /// Presentation time of the first sample, in seconds from the start of the input.
    public var startTime: Double
    public var sampleRate: Int
    public var samples: [Float]

    public init(startTime: Double, sampleRate: Int, samples: [Float]) {
        self.startTime = startTime
        self.sampleRate = sampleRate
        self.samples = samples
    }

    public var duration: Double { Double(samples.count) / Double(sampleRate) }
    public var endTime: Double { startTime + duration }
}

/// One decoded video frame, tightly packed (row stride = width × bytes per pixel).
public struct VideoFrame: Sendable, Equatable {
    /// Index among delivered frames, from 0.
    public var index: Int
    /// Presentation time in seconds from the start of the input.
    public var time: Double
    public var width: Int
    public var height: Int
    public var pixelFormat: PixelFormat
    public var pixels: [UInt8]

    public init(index: Int, time: Double, width: Int, height: Int, pixelFormat: PixelFormat,
                pixels: [UInt8]) {
        self.index = index
        self.time = time
        self.width = width
        self.height = height
        self.pixelFormat = pixelFormat
        self.pixels = pixels
    }
}

/// A timed text: a caption cue from a subtitle stream or a sidecar transcript segment.
public struct CaptionCue: Sendable, Equatable, Codable {
    public var start: Double
    public var end: Double
    public var text: String
    /// Subtitle stream index for in-stream captions; nil for sidecar transcripts.
    public var streamIndex: Int?

    public init(start: Double, end: Double, text: String, streamIndex: Int? = nil) {
        self.start = start
        self.end = end
        self.text = text
        self.streamIndex = streamIndex
    }
}

/// What a media reader delivers, in decoding order.
public enum MediaEvent: Sendable, Equatable {
    case audio(AudioChunk)
    case video(VideoFrame)
    case caption(CaptionCue)
}

/// Everything decoded from one input (batch reads).
public struct DecodedMedia: Sendable, Equatable {
    /// Concatenated audio; empty when audio was not requested or absent.
    public var audio: [Float]
    public var sampleRate: Int
    /// Time of `audio[0]` in seconds; nil when there is no audio.
    public var audioStartTime: Double?
    public var frames: [VideoFrame]
    public var captions: [CaptionCue]

    public init(audio: [Float] = [], sampleRate: Int = 16_000, audioStartTime: Double? = nil,
                frames: [VideoFrame] = [], captions: [CaptionCue] = []) {
        self.audio = audio
        self.sampleRate = sampleRate
        self.audioStartTime = audioStartTime
        self.frames = frames
        self.captions = captions
    }

    /// Adds one event in arrival order.
    public mutating func append(_ event: MediaEvent) {
        switch event {
        case .audio(let chunk):
            if audioStartTime == nil { audioStartTime = chunk.startTime }
            sampleRate = chunk.sampleRate
            audio.append(contentsOf: chunk.samples)
        case .video(let frame):
            frames.append(frame)
        case .caption(let cue):
            captions.append(cue)
        }
    }

    /// Seconds of audio decoded.
    public var audioDuration: Double { Double(audio.count) / Double(sampleRate) }
}
