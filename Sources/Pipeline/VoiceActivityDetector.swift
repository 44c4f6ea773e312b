import Foundation

/// Finds speech in 16 kHz mono audio when there is no transcript: energy against an
/// adaptive noise floor, with a hangover so that short pauses inside an utterance do not
/// split it. Streaming (push samples, get closed segments) with a look-ahead of `hangover`.
public struct VoiceActivityDetector: Sendable {
    public struct Settings: Sendable, Equatable {
        public var frameDuration: Double = 0.03
        /// A frame is speech when its level exceeds the noise floor by this many dB…
        public var thresholdAboveFloor: Float = 12
        /// …and is above this absolute level (dBFS), so near-silence is never speech.
        public var absoluteThreshold: Float = -45
        /// How fast the noise floor may rise, in dB per frame.
        public var floorRise: Float = 0.5
        /// Silence that ends a segment (seconds).
        public var hangover: Double = 0.35
        /// Segments shorter than this are dropped as clicks (seconds).
        public var minSpeech: Double = 0.25
        /// A segment is closed at this length even without a pause (seconds).
        public var maxSegment: Double = 15

        public init() {}
    }

    public struct Segment: Sendable, Equatable {
        public var start: Double
        public var end: Double
    }

    public let settings: Settings
    public let sampleRate: Int
    private let frameLength: Int
    private var carry: [Float] = []
    private var time: Double?
    private var noiseFloor: Float = -60
    private var speechStart: Double?
    private var lastSpeech: Double = 0

    public init(sampleRate: Int = 16_000, settings: Settings = Settings()) {
        self.sampleRate = sampleRate
        self.settings = settings
        self.frameLength = max(1, Int(Double(sampleRate) * settings.frameDuration))
    }

    /// Level of one frame in dBFS; non-finite samples count as silence.
    static func level(_ frame: ArraySlice<Float>) -> Float {
        var energy: Float = 0
        for sample in frame where sample.isFinite { energy += sample * sample }
        let mean = energy / Float(max(frame.count, 1))
        return 10 * log10(max(mean, 1e-12))
    }

    /// Adds samples starting at `startTime` (seconds); returns segments that closed.
    public mutating func push(_ samples: [Float], startTime: Double) -> [Segment] {
        if time == nil { time = startTime }
        carry += samples
        var out: [Segment] = []
        var offset = 0
        while carry.count - offset >= frameLength {
            let frame = carry[offset ..< offset + frameLength]
            offset += frameLength
            let frameStart = time ?? 0
            time = frameStart + Double(frameLength) / Double(sampleRate)
            if let segment = step(level: Self.level(frame), frameStart: frameStart) { out.append(segment) }
        }
        carry.removeFirst(offset)
        return out
    }

    /// End of stream: closes a segment in progress.
    public mutating func finish() -> [Segment] {
        guard let start = speechStart else { return [] }
        speechStart = nil
        let end = lastSpeech
        return end - start >= settings.minSpeech ? [Segment(start: start, end: end)] : []
    }

    private mutating func step(level: Float, frameStart: Double) -> Segment? {
        let frameEnd = frameStart + settings.frameDuration
        let isSpeech = level > noiseFloor + settings.thresholdAboveFloor && level > settings.absoluteThreshold
        // The floor drops to any quieter frame at once and rises by a bounded step per frame:
        // speech keeps dipping between syllables, so it holds the floor down, while a
        // stationary noise pulls it up within about a second and stops counting as speech.
        noiseFloor = min(level, noiseFloor + settings.floorRise)
        if isSpeech {
            if speechStart == nil { speechStart = frameStart }
            lastSpeech = frameEnd
            if let start = speechStart, frameEnd - start >= settings.maxSegment {
                speechStart = nil
                return Segment(start: start, end: frameEnd)
            }
            return nil
        }
        if let start = speechStart, frameEnd - lastSpeech >= settings.hangover {
            speechStart = nil
            return lastSpeech - start >= settings.minSpeech ? Segment(start: start, end: lastSpeech) : nil
        }
        return nil
    }

    /// Start of the segment in progress (nil outside speech): everything a later segment
    /// holds begins at or after it, or after the present.
    public var openSegmentStart: Double? { speechStart }

    /// Current look-ahead: samples held back waiting for a full frame (for memory checks).
    public var bufferedSamples: Int { carry.count }
}
