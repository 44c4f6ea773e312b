/// One transcribed stretch of speech; times in seconds from the first sample given.
public struct SpeechSegment: Sendable, Equatable {
    public var start: Double
    public var end: Double
    public var text: String
    /// Word times from cross-attention alignment, when requested.
    public var words: [SpeechWord]?
    /// Mean log probability of the window's decoded tokens (Whisper's avg_logprob).
    public var averageLogProbability: Float
    /// Probability of <|nospeech|> at the start of the window.
    public var noSpeechProbability: Float
    /// Token ids of the segment, timestamp tokens included.
    public var tokens: [Int]

    public init(start: Double, end: Double, text: String, words: [SpeechWord]? = nil,
                averageLogProbability: Float, noSpeechProbability: Float, tokens: [Int]) {
        self.start = start; self.end = end; self.text = text; self.words = words
        self.averageLogProbability = averageLogProbability
        self.noSpeechProbability = noSpeechProbability
        self.tokens = tokens
    }
}

public struct SpeechWord: Sendable, Equatable {
    public var word: String
    public var start: Double
    public var end: Double
    public var probability: Float

    public init(word: String, start: Double, end: Double, probability: Float) {
        self.word = word; self.start = start; self.end = end; self.probability = probability
    }
}

/// Decoding settings; the defaults are faster-whisper's `transcribe` defaults with
/// beam_size=1, temperature=0, condition_on_previous_text=False.
public struct SpeechOptions: Sendable, Equatable {
    /// A window whose <|nospeech|> probability exceeds this and whose average log
    /// probability is below `logProbabilityThreshold` gives no segment.
    public var noSpeechThreshold: Float
    public var logProbabilityThreshold: Float
    /// Latest first timestamp, seconds.
    public var maxInitialTimestamp: Double
    /// Suppress a blank or <|endoftext|> as the first text token.
    public var suppressBlank: Bool
    /// Word times by cross-attention alignment.
    public var wordTimestamps: Bool

    public init(noSpeechThreshold: Float = 0.6, logProbabilityThreshold: Float = -1,
                maxInitialTimestamp: Double = 1, suppressBlank: Bool = true, wordTimestamps: Bool = false) {
        self.noSpeechThreshold = noSpeechThreshold
        self.logProbabilityThreshold = logProbabilityThreshold
        self.maxInitialTimestamp = maxInitialTimestamp
        self.suppressBlank = suppressBlank
        self.wordTimestamps = wordTimestamps
    }
}
