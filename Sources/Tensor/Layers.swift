// Layers: parameter holders with a forward function written once on `Var`, so the same
// code trains (inputs on a tape) and infers (no tape, no bookkeeping).
import Foundation

/// Anything that owns parameters.
public protocol Layer: Sendable {
    var parameters: [Parameter] { get }
}

/// y = x Wᵀ + b, W: [out, in] (PyTorch layout).
public final class Linear: Layer, Sendable {
    public let weight: Parameter
    public let bias: Parameter?

    public init(weight: Parameter, bias: Parameter?) {
        self.weight = weight
        self.bias = bias
    }

    /// PyTorch's default initialisation: U(−1/√in, 1/√in) for weight and bias.
    public convenience init(_ name: String, inFeatures: Int, outFeatures: Int, bias: Bool = true, rng: inout SeededRNG) {
        let bound = 1 / Float(inFeatures).squareRoot()
        let w = Tensor.randomUniform([outFeatures, inFeatures], low: -bound, high: bound, using: &rng)
        let b = bias ? Parameter("\(name).bias", .randomUniform([outFeatures], low: -bound, high: bound, using: &rng)) : nil
        self.init(weight: Parameter("\(name).weight", w), bias: b)
    }

    public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

    public func callAsFunction(_ x: Var, tape: Tape? = nil) -> Var {
        let t = tape ?? x.tape
        guard t != nil else { return linear(x, transposedWeight: weight.transposedValue, bias: bias?.value) }
        return linear(x, weight: weight.on(t), bias: bias?.on(t))
    }
}

/// A lookup table of row vectors.
public final class Embedding: Layer, Sendable {
    public let weight: Parameter

    public init(weight: Parameter) { self.weight = weight }

    public convenience init(_ name: String, count: Int, dimension: Int, rng: inout SeededRNG) {
        self.init(weight: Parameter("\(name).weight", .randomNormal([count, dimension], using: &rng)))
    }

    public var parameters: [Parameter] { [weight] }

    /// Rows for `ids`, shaped `shape + [dimension]` (default: [ids.count, dimension]).
    public func callAsFunction(_ ids: [Int], shape: [Int]? = nil, tape: Tape?) -> Var {
        let rows = gather(weight.on(tape), rows: ids)
        guard let shape else { return rows }
        return rows.reshaped(shape + [weight.value.shape[1]])
    }
}

/// Layer normalisation over the last axis with learned scale and shift.
public final class LayerNorm: Layer, Sendable {
    public let gamma: Parameter
    public let beta: Parameter
    public let eps: Float

    public init(gamma: Parameter, beta: Parameter, eps: Float) {
        self.gamma = gamma
        self.beta = beta
        self.eps = eps
    }

    public convenience init(_ name: String, dimension: Int, eps: Float = 1e-5) {
        self.init(gamma: Parameter("\(name).weight", .ones([dimension])),
                  beta: Parameter("\(name).bias", .zeros([dimension])), eps: eps)
    }

    public var parameters: [Parameter] { [gamma, beta] }

    public func callAsFunction(_ x: Var, tape: Tape? = nil) -> Var {
        let t = tape ?? x.tape
        return layerNorm(x, gamma: gamma.on(t), beta: beta.on(t), eps: eps)
    }
}

/// One-layer unidirectional LSTM over padded batches (PyTorch gate order i, f, g, o and
/// parameter layout). Steps beyond a sequence's length leave its state unchanged, so the
/// final hidden state of each sequence is the one at its own last step.
public final class LSTM: Layer, Sendable {
    public let weightIH: Parameter   // [4H, in]
    public let weightHH: Parameter   // [4H, H]
    public let biasIH: Parameter     // [4H]
    public let biasHH: Parameter     // [4H]
    public let hiddenSize: Int

    public init(_ name: String, inputSize: Int, hiddenSize: Int, rng: inout SeededRNG) {
        let bound = 1 / Float(hiddenSize).squareRoot()
        func u(_ s: [Int]) -> Tensor { .randomUniform(s, low: -bound, high: bound, using: &rng) }
        self.hiddenSize = hiddenSize
        weightIH = Parameter("\(name).weight_ih_l0", u([4 * hiddenSize, inputSize]))
        weightHH = Parameter("\(name).weight_hh_l0", u([4 * hiddenSize, hiddenSize]))
        biasIH = Parameter("\(name).bias_ih_l0", u([4 * hiddenSize]))
        biasHH = Parameter("\(name).bias_hh_l0", u([4 * hiddenSize]))
    }

    public var parameters: [Parameter] { [weightIH, weightHH, biasIH, biasHH] }

    /// Runs over `x` [B, T, in] with true `lengths` (each in 0...T; 0 gives a zero state).
    /// Returns the last hidden state of each sequence, [B, H], and all hidden states
    /// [B, T, H] (zero after a sequence's end). One fused tape node (see `lstmSequence`).
    public func callAsFunction(_ x: Var, lengths: [Int], tape: Tape? = nil) -> (last: Var, outputs: Var) {
        let t = tape ?? x.tape
        let outputs = lstmSequence(x, weightIH: weightIH.on(t), weightHH: weightHH.on(t),
                                   biasIH: biasIH.on(t), biasHH: biasHH.on(t), lengths: lengths)
        return (lastSteps(outputs, lengths: lengths), outputs)
    }
}

/// BERT-style multi-head self-attention: Q, K, V projections, fused attention with a key
/// padding mask, output projection.
public final class MultiHeadSelfAttention: Layer, Sendable {
    public let query: Linear, key: Linear, value: Linear, output: Linear
    public let heads: Int

    public init(query: Linear, key: Linear, value: Linear, output: Linear, heads: Int) {
        self.query = query; self.key = key; self.value = value; self.output = output
        self.heads = heads
    }

    public convenience init(_ name: String, width: Int, heads: Int, rng: inout SeededRNG) {
        self.init(query: Linear("\(name).query", inFeatures: width, outFeatures: width, rng: &rng),
                  key: Linear("\(name).key", inFeatures: width, outFeatures: width, rng: &rng),
                  value: Linear("\(name).value", inFeatures: width, outFeatures: width, rng: &rng),
                  output: Linear("\(name).output", inFeatures: width, outFeatures: width, rng: &rng),
                  heads: heads)
    }

    public var parameters: [Parameter] { query.parameters + key.parameters + value.parameters + output.parameters }

    /// `x`: [B, L, width]; `mask`: [B, L], 1 for tokens and 0 for padding.
    public func callAsFunction(_ x: Var, mask: Tensor?, tape: Tape? = nil) -> Var {
        attend(x, mask: mask, tape: tape, dropoutMask: nil)
    }

    /// Training: attention probabilities dropped with probability `dropout` (drawn from `rng`).
    public func callAsFunction(_ x: Var, mask: Tensor?, tape: Tape? = nil, dropout: Float, rng: inout SeededRNG) -> Var {
        guard dropout > 0 else { return attend(x, mask: mask, tape: tape, dropoutMask: nil) }
        precondition(dropout < 1, "attention dropout \(dropout) outside [0, 1)")
        let (B, L) = (x.shape[0], x.shape[1])
        let keep = 1 / (1 - dropout)
        var m = [Float](repeating: 0, count: B * heads * L * L)
        for i in 0..<m.count { m[i] = rng.nextFloat() >= dropout ? keep : 0 }
        return attend(x, mask: mask, tape: tape, dropoutMask: Tensor(shape: [B, heads, L, L], data: m))
    }

    func attend(_ x: Var, mask: Tensor?, tape: Tape?, dropoutMask: Tensor?) -> Var {
        let t = tape ?? x.tape
        let ctx = multiHeadAttention(query: query(x, tape: t), key: key(x, tape: t), value: value(x, tape: t),
                                     heads: heads, keyMask: mask, dropoutMask: dropoutMask)
        return output(ctx, tape: t)
    }
}

extension Layer {
    /// Parameter values by name (PyTorch/transformers names, so a saved BERT is a loadable
    /// Hugging Face checkpoint).
    public var namedTensors: [String: Tensor] {
        Dictionary(parameters.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    /// Writes all parameters as F32 safetensors.
    public func save(to url: URL, metadata: [String: String] = [:]) throws {
        try SafetensorsFile.write(namedTensors, metadata: metadata, to: url)
    }

    /// Sets every parameter from the tensor of the same name; shapes must match. Nothing is
    /// changed unless every parameter can be read.
    public func load(_ file: SafetensorsFile) throws {
        let values = try parameters.map { try file.tensor($0.name, shape: $0.value.shape) }
        for (p, v) in zip(parameters, values) { p.value = v }
    }
}
