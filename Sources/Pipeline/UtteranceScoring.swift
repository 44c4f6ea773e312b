/// What the model stage sees of one utterance: its window and the feature frames inside it
/// (unaligned sequences, Self-MM style).
public struct UtteranceInput: Sendable {
    public var window: UtteranceWindow
    /// 74-column COVAREP-layout frames at 100 Hz.
    public var acoustic: [[Float]]
    /// Face descriptor rows of the frames where a face was found.
    public var visual: [[Float]]

    public init(window: UtteranceWindow, acoustic: [[Float]], visual: [[Float]]) {
        self.window = window
        self.acoustic = acoustic
        self.visual = visual
    }
}

/// The model's answer: the multimodal score and one score per modality it could use.
public struct UtteranceScore: Sendable, Equatable, Codable {
    /// Multimodal sentiment in [−3, 3]; nil when no modality the model knows was present.
    public var sentiment: Float?
    public var text: Float?
    public var audio: Float?
    public var vision: Float?

    public init(sentiment: Float?, text: Float? = nil, audio: Float? = nil, vision: Float? = nil) {
        self.sentiment = sentiment
        self.text = text
        self.audio = audio
        self.vision = vision
    }

    /// The usual three-way reading of a score (MOSI/MOSEI: < 0 negative, 0 neutral, > 0 positive).
    public static func label(_ value: Float?) -> String? {
        guard let value else { return nil }
        if value > 0 { return "positive" }
        if value < 0 { return "negative" }
        return "neutral"
    }
}

/// The model stage of the pipeline, injected so that any checkpoint (or another model) fits.
public protocol UtteranceScoring: Sendable {
    /// Names the model in every result.
    var modelID: String { get }
    /// Which feature streams the model reads; the pipeline computes only those, and waits
    /// for a window's features only from those.
    var usesAcoustic: Bool { get }
    var usesVisual: Bool { get }
    func score(_ input: UtteranceInput) throws -> UtteranceScore
}

/// A finished utterance, as batch output and as the payload behind a published message.
public struct UtteranceResult: Sendable, Equatable {
    public var seq: Int
    public var window: UtteranceWindow
    public var score: UtteranceScore
    public var modelID: String
    /// How many feature frames each modality had inside the window.
    public var acousticFrames: Int
    public var visualFrames: Int
    /// Wall time from the moment the window's end was reached in the stream to the result.
    public var latencyMilliseconds: Double

    public var label: String? { UtteranceScore.label(score.sentiment) }
}
