import Foundation
import Testing
@testable import Tensor

/// Every differentiable op and layer against central finite differences; relative error ≤ 1e-3.
@Suite("Gradient checks against central finite differences")
struct GradientCheckTests {
    static let tolerance: Float = 1e-3

    static let elementwise: [(String, [Tensor], @Sendable ([Var], Tape?) -> Var)] = [
        ("add with broadcasting", [randn([2, 3, 4], seed: 1), randn([3, 1], seed: 2)], { x, _ in x[0] + x[1] }),
        ("subtract with broadcasting", [randn([2, 1, 4], seed: 3), randn([3, 4], seed: 4)], { x, _ in x[0] - x[1] }),
        ("multiply with broadcasting", [randn([2, 3, 4], seed: 5), randn([4], seed: 6)], { x, _ in x[0] * x[1] }),
        ("multiply, general broadcast", [randn([2, 1, 4], seed: 7), randn([1, 3, 1], seed: 8)], { x, _ in x[0] * x[1] }),
        ("divide", [randn([3, 4], seed: 9), awayFromZero([3, 4], seed: 10, margin: 0.5)], { x, _ in x[0] / x[1] }),
        ("scalar affine", [randn([5], seed: 11)], { x, _ in 2.5 - (x[0] * 3 + 1) }),
        ("tanh", [randn([3, 4], seed: 12)], { x, _ in x[0].tanh() }),
        ("sigmoid", [randn([3, 4], seed: 13, scale: 3)], { x, _ in x[0].sigmoid() }),
        ("ReLU", [awayFromZero([3, 4], seed: 14)], { x, _ in x[0].relu() }),
        ("GELU (erf)", [randn([3, 4], seed: 15, scale: 2)], { x, _ in x[0].gelu() }),
        ("exp", [randn([3, 4], seed: 16)], { x, _ in x[0].exp() }),
        ("log", [Kernels.map(randn([3, 4], seed: 17)) { abs($0) + 0.5 }], { x, _ in x[0].log() }),
        ("abs", [awayFromZero([3, 4], seed: 18)], { x, _ in x[0].abs() }),
        ("square and sqrt", [Kernels.map(randn([3, 4], seed: 19)) { abs($0) + 0.5 }], { x, _ in x[0].squared() + x[0].sqrt() }),
    ]

    @Test("Elementwise ops and broadcasting", arguments: 0..<elementwise.count)
    func elementwiseOps(_ i: Int) {
        let (name, inputs, f) = Self.elementwise[i]
        let err = gradientError(inputs: inputs, f)
        print("gradcheck \(name): \(err)")
        #expect(err <= Self.tolerance, "\(name): relative error \(err)")
    }

    static let structural: [(String, [Tensor], @Sendable ([Var], Tape?) -> Var)] = [
        ("reshape", [randn([2, 6], seed: 20)], { x, _ in x[0].reshaped([3, 4]) * x[0].reshaped([3, 4]) }),
        ("permute", [randn([2, 3, 4], seed: 21)], { x, _ in x[0].permuted([2, 0, 1]) }),
        ("transpose", [randn([2, 3, 4], seed: 22)], { x, _ in x[0].transposed() }),
        ("slice", [randn([2, 5, 3], seed: 23)], { x, _ in x[0].slice(axis: 1, start: 1, length: 3) }),
        ("concat", [randn([2, 2, 3], seed: 24), randn([2, 1, 3], seed: 25)], { x, _ in concat([x[0], x[1], x[0]], axis: 1) }),
        ("sum over an axis", [randn([2, 3, 4], seed: 26)], { x, _ in x[0].sum(axis: 1) }),
        ("mean over an axis, kept", [randn([2, 3, 4], seed: 27)], { x, _ in x[0].mean(axis: -1, keepDims: true) * x[0] }),
        ("sum and mean of all", [randn([2, 3], seed: 28)], { x, _ in x[0].sum() * x[0].mean() }),
        ("matmul", [randn([3, 4], seed: 29), randn([4, 5], seed: 30)], { x, _ in matmul(x[0], x[1]) }),
        ("matmul Aᵀ B", [randn([4, 3], seed: 31), randn([4, 5], seed: 32)], { x, _ in matmul(x[0], x[1], transposeA: true) }),
        ("matmul A Bᵀ", [randn([3, 4], seed: 33), randn([5, 4], seed: 34)], { x, _ in matmul(x[0], x[1], transposeB: true) }),
        ("matmul Aᵀ Bᵀ", [randn([4, 3], seed: 35), randn([5, 4], seed: 36)], { x, _ in matmul(x[0], x[1], transposeA: true, transposeB: true) }),
        ("batched matmul", [randn([2, 3, 4], seed: 37), randn([2, 4, 2], seed: 38)], { x, _ in matmul(x[0], x[1]) }),
        ("linear with bias", [randn([2, 3, 4], seed: 39), randn([5, 4], seed: 40), randn([5], seed: 41)], { x, _ in linear(x[0], weight: x[1], bias: x[2]) }),
        ("linear without bias", [randn([3, 4], seed: 42), randn([2, 4], seed: 43)], { x, _ in linear(x[0], weight: x[1], bias: nil) }),
        ("gather with repeated rows", [randn([5, 3], seed: 44)], { x, _ in gather(x[0], rows: [4, 0, 4, 2]) }),
        ("softmax", [randn([3, 5], seed: 45, scale: 2)], { x, _ in x[0].softmax() }),
        ("log-softmax", [randn([3, 5], seed: 46, scale: 2)], { x, _ in x[0].logSoftmax() }),
        ("layer norm", [randn([3, 6], seed: 47), randn([6], seed: 48), randn([6], seed: 49)], { x, _ in layerNorm(x[0], gamma: x[1], beta: x[2], eps: 1e-5) }),
        ("dropout (fixed mask)", [randn([4, 5], seed: 50)], { x, _ in var r = SeededRNG(seed: 3); return x[0].dropout(0.3, using: &r) }),
        ("masking", [randn([2, 4], seed: 51)], { x, _ in x[0].masked(by: Tensor(shape: [1, 4], data: [1, 0, 1, 1]), fill: -5) * x[0] }),
        ("multi-head attention with padding mask", [randn([2, 3, 4], seed: 52), randn([2, 3, 4], seed: 53), randn([2, 3, 4], seed: 54)],
         { x, _ in multiHeadAttention(query: x[0], key: x[1], value: x[2], heads: 2, keyMask: Tensor(shape: [2, 3], data: [1, 1, 1, 1, 1, 0])) }),
        ("multi-head attention with padding mask and attention dropout", [randn([2, 3, 4], seed: 55), randn([2, 3, 4], seed: 56), randn([2, 3, 4], seed: 57)],
         { x, _ in
             var r = SeededRNG(seed: 9)
             let drop = Tensor(shape: [2, 2, 3, 3], data: (0..<36).map { _ in r.nextFloat() < 0.3 ? 0 : 1 / 0.7 })
             return multiHeadAttention(query: x[0], key: x[1], value: x[2], heads: 2, keyMask: Tensor(shape: [2, 3], data: [1, 1, 0, 1, 1, 1]), dropoutMask: drop)
         }),
    ]

    @Test("Shape ops, reductions, products, softmax family, normalisation, masking", arguments: 0..<structural.count)
    func structuralOps(_ i: Int) {
        let (name, inputs, f) = Self.structural[i]
        let err = gradientError(inputs: inputs, f)
        print("gradcheck \(name): \(err)")
        #expect(err <= Self.tolerance, "\(name): relative error \(err)")
    }

    @Test("Linear, Embedding and LayerNorm layers")
    func simpleLayers() {
        var rng = SeededRNG(seed: 60)
        let lin = Linear("lin", inFeatures: 4, outFeatures: 3, rng: &rng)
        let e1 = gradientError(inputs: [randn([2, 4], seed: 61)], parameters: lin.parameters) { x, t in lin(x[0], tape: t).tanh() }
        print("gradcheck Linear layer: \(e1)")
        #expect(e1 <= Self.tolerance, "Linear: \(e1)")
        let emb = Embedding("emb", count: 6, dimension: 3, rng: &rng)
        let e2 = gradientError(inputs: [], parameters: emb.parameters) { _, t in emb([1, 5, 1, 0], shape: [2, 2], tape: t).squared() }
        print("gradcheck Embedding layer: \(e2)")
        #expect(e2 <= Self.tolerance, "Embedding: \(e2)")
        let ln = LayerNorm("ln", dimension: 5)
        ln.gamma.value = randn([5], seed: 62)
        ln.beta.value = randn([5], seed: 63)
        let e3 = gradientError(inputs: [randn([3, 5], seed: 64)], parameters: ln.parameters) { x, t in ln(x[0], tape: t) }
        print("gradcheck LayerNorm layer: \(e3)")
        #expect(e3 <= Self.tolerance, "LayerNorm: \(e3)")
    }

    @Test("Multi-head self-attention layer with a padding mask")
    func attentionLayer() {
        var rng = SeededRNG(seed: 70)
        let mha = MultiHeadSelfAttention("mha", width: 4, heads: 2, rng: &rng)
        let mask = Tensor(shape: [2, 3], data: [1, 1, 0, 1, 1, 1])
        let err = gradientError(inputs: [randn([2, 3, 4], seed: 71)], parameters: mha.parameters) { x, t in mha(x[0], mask: mask, tape: t) }
        print("gradcheck MultiHeadSelfAttention layer: \(err)")
        #expect(err <= Self.tolerance, "attention: \(err)")
    }

    @Test("LSTM over a padded batch with mixed lengths (last states and all outputs)")
    func lstm() {
        var rng = SeededRNG(seed: 80)
        let cell = LSTM("lstm", inputSize: 2, hiddenSize: 3, rng: &rng)
        let x = randn([3, 4, 2], seed: 81)
        let lengths = [4, 1, 2]
        let e1 = gradientError(inputs: [x], parameters: cell.parameters) { v, t in cell(v[0], lengths: lengths, tape: t).last }
        print("gradcheck LSTM last states, lengths [4,1,2]: \(e1)")
        #expect(e1 <= Self.tolerance, "LSTM last: \(e1)")
        let e2 = gradientError(inputs: [x], parameters: cell.parameters) { v, t in cell(v[0], lengths: lengths, tape: t).outputs }
        print("gradcheck LSTM all outputs, lengths [4,1,2]: \(e2)")
        #expect(e2 <= Self.tolerance, "LSTM outputs: \(e2)")
        let e3 = gradientError(inputs: [x], parameters: cell.parameters) { v, t in cell(v[0], lengths: [3, 0, 4], tape: t).last }
        print("gradcheck LSTM last states, lengths [3,0,4]: \(e3)")
        #expect(e3 <= Self.tolerance, "LSTM with an empty sequence: \(e3)")
        #expect(cell(Var(x), lengths: [3, 0, 4]).last.value.data[3..<6].allSatisfy { $0 == 0 })
        // Padding steps get no gradient: the input beyond a sequence's length does not matter.
        let tape = Tape()
        let xv = tape.input(x)
        let grads = tape.backward(cell(xv, lengths: lengths, tape: tape).last.sum())
        let gx = grads[xv.id]!
        #expect(gx[1, 1, 0] == 0 && gx[1, 3, 1] == 0 && gx[2, 2, 0] == 0)
        #expect(gx[1, 0, 0] != 0 && gx[2, 1, 1] != 0)
    }

    @Test("A gradient check detects a wrong derivative")
    func detectsWrongGradient() {
        // tanh with a deliberately wrong derivative must fail the check.
        let err = gradientError(inputs: [randn([3, 4], seed: 90)]) { x, _ in x[0].unary({ tanhf($0) }, derivative: { _, y in 1 - 0.9 * y * y }) }
        #expect(err > 1e-2)
    }
}
