import Speech

/// What the pipeline needs of a speech recogniser: segments of 16 kHz mono samples, times
/// relative to the first sample. Sentio's Whisper (`SpeechRecognizer`) is the one shipped;
/// the protocol lets tests drive the pipeline for hours of audio without the model's cost.
public protocol SpeechRecognizing: Sendable {
    func transcribe(_ samples: [Float]) throws -> [SpeechSegment]
}

extension SpeechRecognizer: SpeechRecognizing {}
