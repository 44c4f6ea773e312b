/// Cuts live 16 kHz mono audio into chunks for speech recognition. Voice activity finds the
/// speech; consecutive segments join one chunk until a longer pause (`closingPause`) or until
/// the chunk would pass `maxChunk`, since Whisper encodes a whole 30 s window per chunk
/// whatever its length. Each chunk keeps `margin` of audio either side so that word onsets
/// and tails are heard. Memory stays flat: only the audio of the open chunk (≤ `maxChunk`)
/// plus a short look-ahead is kept.
public struct SpeechChunker: Sendable {
    public struct Settings: Sendable, Equatable {
        /// Longest chunk, margins included (Whisper reads 30 s windows).
        public var maxChunk: Double = 28
        /// Silence that ends a voice-activity segment.
        public var pause: Double = 0.5
        /// Silence after the last segment that closes the chunk.
        public var closingPause: Double = 1.0
        /// Audio kept before the first and after the last speech frame.
        public var margin: Double = 0.2

        public init() {}

        /// Recordings: chunks as long as the speech allows (fewer 30 s encoder passes, more
        /// context), closed at 1 s pauses.
        public static let recording = Settings()

        /// Live streams: every voice-activity segment is a chunk of its own, closed after
        /// 0.35 s of silence, so an utterance is published about a second after it ends.
        public static let live: Settings = {
            var settings = Settings()
            settings.pause = 0.35
            settings.closingPause = 0.35
            return settings
        }()
    }

    /// Audio of one chunk and where it starts on the stream's clock.
    public struct Chunk: Sendable, Equatable {
        public var start: Double
        public var samples: [Float]
        public var end: Double { start + Double(samples.count) / Double(SpeechChunker.sampleRate) }

        public init(start: Double, samples: [Float]) {
            self.start = start
            self.samples = samples
        }
    }

    public let settings: Settings
    static let sampleRate = 16_000
    private var vad: VoiceActivityDetector
    /// Speech gathered into the chunk being built (voice-activity times, margins excluded).
    private var open: VoiceActivityDetector.Segment?
    /// Recent audio: `buffer[0]` is at `bufferStart` seconds.
    private var buffer: [Float] = []
    private var bufferStart: Double?

    public init(settings: Settings = Settings()) {
        self.settings = settings
        var vadSettings = VoiceActivityDetector.Settings()
        vadSettings.hangover = settings.pause
        // Less a frame or two: the detector closes a long segment on the frame that passes it.
        vadSettings.maxSegment = settings.maxChunk - 2 * settings.margin - 0.1
        vad = VoiceActivityDetector(sampleRate: Self.sampleRate, settings: vadSettings)
    }

    /// Adds samples starting at `startTime`; returns the chunks that closed.
    public mutating func push(_ samples: [Float], startTime: Double) -> [Chunk] {
        if bufferStart == nil { bufferStart = startTime }
        buffer += samples
        var out: [Chunk] = []
        for segment in vad.push(samples, startTime: startTime) { out += add(segment) }
        // Close on time: a long enough pause, or speech in progress that cannot fit any more.
        if let chunk = open {
            let pauseDone = vad.openSegmentStart == nil && now - chunk.end >= settings.closingPause
            let full = vad.openSegmentStart != nil && now - chunk.start + settings.margin > settings.maxChunk
            if pauseDone || full { out.append(close()) }
        }
        trim()
        return out
    }

    /// End of stream: the speech gathered so far as a last chunk.
    public mutating func finish() -> [Chunk] {
        var out: [Chunk] = []
        for segment in vad.finish() { out += add(segment) }
        if open != nil { out.append(close()) }
        buffer = []
        return out
    }

    /// Start of the speech not yet handed out as a chunk (nil when there is none): nothing
    /// this chunker still emits begins before it.
    public var openSpeechStart: Double? {
        [open?.start, vad.openSegmentStart].compactMap { $0 }.min().map { $0 - settings.margin }
    }

    /// Samples held (for memory checks).
    public var bufferedSamples: Int { buffer.count }

    private var now: Double { (bufferStart ?? 0) + Double(buffer.count) / Double(Self.sampleRate) }

    private mutating func add(_ segment: VoiceActivityDetector.Segment) -> [Chunk] {
        guard var chunk = open else {
            open = segment
            return []
        }
        let tooLong = segment.end - chunk.start + 2 * settings.margin > settings.maxChunk
        if tooLong || segment.start - chunk.end >= settings.closingPause {
            let closed = close()
            open = segment
            return [closed]
        }
        chunk.end = segment.end
        open = chunk
        return []
    }

    private mutating func close() -> Chunk {
        guard let chunk = open else { return Chunk(start: now, samples: []) }
        open = nil
        let from = index(chunk.start - settings.margin), to = index(chunk.end + settings.margin)
        return Chunk(start: (bufferStart ?? 0) + Double(from) / Double(Self.sampleRate), samples: Array(buffer[from..<to]))
    }

    private func index(_ time: Double) -> Int {
        let i = Int(((time - (bufferStart ?? 0)) * Double(Self.sampleRate)).rounded())
        return min(max(i, 0), buffer.count)
    }

    /// Keeps what the open chunk or a segment in progress may still need, or in silence the
    /// last `pause` + margin that the next segment may reach back to; trims in 1 s steps.
    private mutating func trim() {
        guard let start = bufferStart else { return }
        let keepFrom = (openSpeechStart ?? now - settings.pause - 0.1 - settings.margin)
        let drop = index(keepFrom)
        guard drop > Self.sampleRate else { return }
        buffer.removeFirst(drop)
        bufferStart = start + Double(drop) / Double(Self.sampleRate)
    }
}
