import Foundation
import Model
import Tensor
import Text

/// The default model stage: a Sentio Self-MM checkpoint (models/NAME) and its text encoder.
public struct SelfMMScorer: UtteranceScoring {
    public let modelID: String
    public let manifest: Manifest
    /// One model or a seed ensemble (outputs averaged).
    let model: SelfMMEnsemble
    let textEncoder: TextEncoder?
    let pooling: Pooling
    let maxLength: Int?

    public var usesAcoustic: Bool { manifest.modalities.contains(.audio) }
    public var usesVisual: Bool { manifest.modalities.contains(.visual) }
    public var usesText: Bool { manifest.modalities.contains(.text) }

    /// Loads `checkpoint` (manifest.json + model.safetensors, one model or an ensemble) and, for a model with text, the
    /// BERT-family encoder it names from `textEncoderDirectory`.
    public init(checkpoint: URL, textEncoderDirectory: URL, visualWidth: Int? = nil) throws {
        let (model, manifest) = try Checkpoint.loadEnsemble(checkpoint)
        self.model = model
        self.manifest = manifest
        self.modelID = checkpoint.standardizedFileURL.lastPathComponent
        if manifest.modalities.contains(.text) {
            textEncoder = try TextEncoder(directory: textEncoderDirectory)
        } else {
            textEncoder = nil
        }
        pooling = Pooling(rawValue: manifest.encoder?.pooling ?? "mean") ?? .mean
        maxLength = manifest.encoder?.maxLength
        if manifest.modalities.contains(.visual), let visualWidth, visualWidth != manifest.config.network.visualIn {
            throw ModelError.badCheckpoint(path: checkpoint.path,
                                           reason: "it reads \(manifest.config.network.visualIn) visual features per frame; the face stage gives \(visualWidth)")
        }
    }

    public func score(_ input: UtteranceInput) throws -> UtteranceScore {
        let text = input.window.text?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        let hasText = usesText && !text.isEmpty
        let hasAudio = usesAcoustic && !input.acoustic.isEmpty
        let hasVisual = usesVisual && !input.visual.isEmpty
        // A model scores only when at least one of its modalities is there.
        guard hasText || hasAudio || hasVisual else { return UtteranceScore(sentiment: nil) }

        let network = manifest.config.network
        var modelInput = ModelInput()
        if usesText, let textEncoder {
            // An utterance without words still has a text input: [CLS] [SEP], as for an empty transcript.
            modelInput.text = try textEncoder.embed([text], pooling: pooling, maxLength: maxLength).vectors
        }
        if usesAcoustic {
            (modelInput.audio, modelInput.audioLengths) = Self.sequence(input.acoustic, width: network.audioIn)
        }
        if usesVisual {
            (modelInput.visual, modelInput.visualLengths) = Self.sequence(input.visual, width: network.visualIn)
        }
        let output = model(modelInput)
        func clip(_ value: Float?) -> Float? { value.map { min(3, max(-3, $0)) } }
        return UtteranceScore(sentiment: clip(output.m.data.first),
                              text: hasText ? clip(output.heads[.text]?.data.first) : nil,
                              audio: hasAudio ? clip(output.heads[.audio]?.data.first) : nil,
                              vision: hasVisual ? clip(output.heads[.visual]?.data.first) : nil)
    }

    /// A [1, T, width] sequence (T ≥ 1; an absent modality has true length 0).
    static func sequence(_ rows: [[Float]], width: Int) -> (Tensor, [Int]) {
        let length = rows.count
        var data = [Float](repeating: 0, count: max(length, 1) * width)
        for (t, row) in rows.enumerated() {
            for (j, value) in row.prefix(width).enumerated() { data[t * width + j] = value.isFinite ? value : 0 }
        }
        return (Tensor(shape: [1, max(length, 1), width], data: data), [length])
    }
}
