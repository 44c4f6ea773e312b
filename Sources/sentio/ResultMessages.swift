import Pipeline
import Transport

extension Modalities {
    /// Which modalities reached the model for this utterance, and each one's own score.
    init(_ result: UtteranceResult) {
        self.init(
            text: ModalityScore(present: !(result.window.text ?? "").isEmpty, score: result.score.text.map(Double.init)),
            audio: ModalityScore(present: result.acousticFrames > 0, score: result.score.audio.map(Double.init)),
            vision: ModalityScore(present: result.visualFrames > 0, score: result.score.vision.map(Double.init)))
    }
}
