// A BERT encoder (embeddings + post-LayerNorm transformer layers) on the Tensor target.
// Loads any BERT-family safetensors checkpoint laid out as transformers' BertModel (with or
// without the "bert." prefix). Without a tape it runs inference with no autodiff bookkeeping.
import Foundation
import Tensor

/// How a sentence vector is made from the hidden states.
public enum Pooling: String, Sendable, CaseIterable {
    /// The last layer's hidden state of the [CLS] token.
    case cls
    /// The mean of the last layer's hidden states of real (unpadded) tokens.
    case mean
    /// The mean over real tokens of the hidden states averaged over every transformer layer
    /// (not the embeddings). Same cost as `mean`; the lower layers keep lexical cues that the
    /// last one, trained for sentence similarity, smooths away (MOSEI valid loss 0.544 vs 0.568).
    case layerMean = "layer-mean"

    /// Whether the pooled hidden states are the average over layers rather than the last layer's.
    public var averagesLayers: Bool { self == .layerMean }

    /// The accepted names, for messages.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

public final class BertLayer: Layer, Sendable {
    public let attention: MultiHeadSelfAttention
    public let attentionNorm: LayerNorm
    public let intermediate: Linear
    public let output: Linear
    public let outputNorm: LayerNorm

    init(attention: MultiHeadSelfAttention, attentionNorm: LayerNorm, intermediate: Linear, output: Linear, outputNorm: LayerNorm) {
        self.attention = attention; self.attentionNorm = attentionNorm
        self.intermediate = intermediate; self.output = output; self.outputNorm = outputNorm
    }

    public var parameters: [Parameter] {
        attention.parameters + attentionNorm.parameters + intermediate.parameters + output.parameters + outputNorm.parameters
    }

    func callAsFunction(_ x: Var, mask: Tensor, tape: Tape?, dropout: Float, attentionDropout: Float, rng: inout SeededRNG) -> Var {
        var a = attention(x, mask: mask, tape: tape, dropout: attentionDropout, rng: &rng)
        if dropout > 0 { a = a.dropout(dropout, using: &rng) }
        let h = attentionNorm(a + x, tape: tape)
        var o = output(intermediate(h, tape: tape).gelu(), tape: tape)
        if dropout > 0 { o = o.dropout(dropout, using: &rng) }
        return outputNorm(o + h, tape: tape)
    }
}

public final class BertEncoder: Layer, Sendable {
    public let config: BertConfig
    public let wordEmbeddings: Embedding
    public let positionEmbeddings: Embedding
    public let tokenTypeEmbeddings: Embedding
    public let embeddingNorm: LayerNorm
    public let layers: [BertLayer]

    public var parameters: [Parameter] {
        wordEmbeddings.parameters + positionEmbeddings.parameters + tokenTypeEmbeddings.parameters
            + embeddingNorm.parameters + layers.flatMap(\.parameters)
    }

    /// Loads `model.safetensors` with `config`; every tensor's shape is checked against the config.
    public init(config: BertConfig, weights: SafetensorsFile) throws {
        self.config = config
        let prefix = weights.entries["bert.embeddings.word_embeddings.weight"] != nil ? "bert." : ""
        let H = config.hiddenSize, I = config.intermediateSize
        func p(_ name: String, _ shape: [Int]) throws -> Parameter {
            Parameter(prefix + name, try weights.tensor(prefix + name, shape: shape))
        }
        func lin(_ name: String, _ out: Int, _ inp: Int) throws -> Linear {
            Linear(weight: try p("\(name).weight", [out, inp]), bias: try p("\(name).bias", [out]))
        }
        func norm(_ name: String) throws -> LayerNorm {
            LayerNorm(gamma: try p("\(name).weight", [H]), beta: try p("\(name).bias", [H]), eps: config.layerNormEps)
        }
        wordEmbeddings = Embedding(weight: try p("embeddings.word_embeddings.weight", [config.vocabSize, H]))
        positionEmbeddings = Embedding(weight: try p("embeddings.position_embeddings.weight", [config.maxPositionEmbeddings, H]))
        tokenTypeEmbeddings = Embedding(weight: try p("embeddings.token_type_embeddings.weight", [config.typeVocabSize, H]))
        embeddingNorm = try norm("embeddings.LayerNorm")
        layers = try (0..<config.numHiddenLayers).map { i in
            let l = "encoder.layer.\(i)"
            return BertLayer(
                attention: MultiHeadSelfAttention(query: try lin("\(l).attention.self.query", H, H),
                                                  key: try lin("\(l).attention.self.key", H, H),
                                                  value: try lin("\(l).attention.self.value", H, H),
                                                  output: try lin("\(l).attention.output.dense", H, H),
                                                  heads: config.numAttentionHeads),
                attentionNorm: try norm("\(l).attention.output.LayerNorm"),
                intermediate: try lin("\(l).intermediate.dense", I, H),
                output: try lin("\(l).output.dense", H, I),
                outputNorm: try norm("\(l).output.LayerNorm"))
        }
    }

    /// Loads config.json and model.safetensors from a model directory.
    public convenience init(directory: URL) throws {
        let config = try BertConfig.load(directory.appendingPathComponent("config.json"))
        let weightsURL = directory.appendingPathComponent("model.safetensors")
        guard FileManager.default.fileExists(atPath: weightsURL.path) else { throw TextError.missingWeights(directory: directory.path) }
        try self.init(config: config, weights: try SafetensorsFile(contentsOf: weightsURL))
    }

    /// Last hidden states [B, L, H] of a padded batch (with `averagingLayers`, the average of
    /// every transformer layer's output instead, what `.layerMean` pools). With `tape`, records for training;
    /// `dropout` (hidden) and `attentionDropout` (attention probabilities) draw from `rng`; pass
    /// the config's `hiddenDropoutProb` / `attentionProbsDropoutProb` to train as BERT does.
    /// Precondition: `check(batch)` passes.
    public func callAsFunction(_ batch: TokenBatch, tape: Tape? = nil, dropout: Float = 0, attentionDropout: Float = 0,
                               averagingLayers: Bool = false, rng: inout SeededRNG) -> Var {
        let (B, L) = (batch.batch, batch.length)
        precondition(L <= config.maxPositionEmbeddings, "sequence of \(L) tokens exceeds \(config.maxPositionEmbeddings) positions")
        let words = wordEmbeddings(batch.ids, shape: [B, L], tape: tape)
        let positions = positionEmbeddings(Array(0..<L), shape: [1, L], tape: tape)
        let types = tokenTypeEmbeddings([0], shape: [1, 1], tape: tape)
        var x = embeddingNorm(words + positions + types, tape: tape)
        if dropout > 0 { x = x.dropout(dropout, using: &rng) }
        let mask = Tensor(shape: [B, L], data: batch.mask)
        var sum: Var?
        for layer in layers {
            x = layer(x, mask: mask, tape: tape, dropout: dropout, attentionDropout: attentionDropout, rng: &rng)
            if averagingLayers { sum = sum.map { $0 + x } ?? x }
        }
        guard averagingLayers, let sum else { return x }
        return sum * (1 / Float(layers.count))
    }

    /// Throws unless every id is in the vocabulary and the length fits the position table.
    public func check(_ batch: TokenBatch) throws {
        if batch.length > config.maxPositionEmbeddings {
            throw TextError.batchDoesNotFit(reason: "\(batch.length) tokens exceed the model's \(config.maxPositionEmbeddings) positions; encode with maxLength ≤ \(config.maxPositionEmbeddings)")
        }
        if let bad = batch.ids.first(where: { $0 < 0 || $0 >= config.vocabSize }) {
            throw TextError.batchDoesNotFit(reason: "token id \(bad) is outside the model's vocabulary of \(config.vocabSize); is vocab.txt from another model?")
        }
    }

    /// Inference: last hidden states (or their average over layers) without autodiff.
    public func hiddenStates(_ batch: TokenBatch, averagingLayers: Bool = false) throws -> Tensor {
        try check(batch)
        var rng = SeededRNG(seed: 0)
        return self(batch, averagingLayers: averagingLayers, rng: &rng).value
    }

    /// Sentence vectors [B, H] from hidden states [B, L, H] (for `.layerMean`, the states
    /// averaged over layers: `averagingLayers: pooling.averagesLayers`).
    public static func pool(_ hidden: Var, mask: [Float], _ pooling: Pooling) -> Var {
        let (B, L, H) = (hidden.shape[0], hidden.shape[1], hidden.shape[2])
        switch pooling {
        case .cls:
            return hidden.slice(axis: 1, start: 0, length: 1).reshaped([B, H])
        case .mean, .layerMean:
            let m = Var(Tensor(shape: [B, L, 1], data: mask))
            var counts = [Float](repeating: 0, count: B)
            for b in 0..<B { counts[b] = max(mask[(b * L)..<((b + 1) * L)].reduce(0, +), 1e-9) }
            return (hidden * m).sum(axis: 1) / Var(Tensor(shape: [B, 1], data: counts))
        }
    }

    /// Inference: pooled sentence vectors [B, H].
    public func embed(_ batch: TokenBatch, pooling: Pooling) throws -> Tensor {
        Self.pool(Var(try hiddenStates(batch, averagingLayers: pooling.averagesLayers)), mask: batch.mask, pooling).value
    }
}
