import Foundation
@testable import Tensor

/// Compares tape gradients of loss = Σ w ⊙ f(inputs, parameters) (w fixed random) with
/// central finite differences (loss summed in Float64). Returns the largest norm-wise
/// relative error ‖analytic − numeric‖ / max(‖analytic‖, ‖numeric‖) over inputs and parameters
/// (absolute error when both norms are below 1e-3).
func gradientError(inputs: [Tensor], parameters: [Parameter] = [], eps: Float = 1e-2, seed: UInt64 = 7,
                   _ f: ([Var], Tape?) -> Var) -> Float {
    let tape = Tape()
    let vars = inputs.map { tape.input($0) }
    for p in parameters { p.zeroGrad() }
    let out = f(vars, tape)
    var rng = SeededRNG(seed: seed)
    let w = Tensor.randomUniform(out.shape, low: -1, high: 1, using: &rng)
    let grads = tape.backward((out * Var(w)).sum())
    let analytic: [Tensor] = vars.map { grads[$0.id] ?? .zeros($0.shape) } + parameters.map { $0.grad ?? .zeros($0.value.shape) }

    func loss(_ xs: [Tensor]) -> Double {
        let y = f(xs.map { Var($0) }, nil).value
        var s = 0.0
        for i in 0..<y.count { s += Double(y.data[i]) * Double(w.data[i]) }
        return s
    }
    var worst: Float = 0
    var current = inputs
    for (k, a) in analytic.enumerated() {
        var numeric = [Double](repeating: 0, count: a.count)
        for j in 0..<a.count {
            func evaluate(_ delta: Float) -> Double {
                if k < inputs.count {
                    var t = current[k]; t.data[j] += delta
                    let saved = current[k]; current[k] = t
                    defer { current[k] = saved }
                    return loss(current)
                } else {
                    let p = parameters[k - inputs.count]
                    let saved = p.value
                    var t = saved; t.data[j] += delta
                    p.value = t
                    defer { p.value = saved }
                    return loss(current)
                }
            }
            numeric[j] = (evaluate(eps) - evaluate(-eps)) / Double(2 * eps)
        }
        var diff = 0.0, na = 0.0, nn = 0.0
        for j in 0..<a.count {
            diff += pow(Double(a.data[j]) - numeric[j], 2)
            na += pow(Double(a.data[j]), 2)
            nn += pow(numeric[j], 2)
        }
        let denom = max(na.squareRoot(), nn.squareRoot())
        // A gradient that is zero in exact arithmetic (e.g. attention's key bias: softmax ignores
        // a per-row constant) has no scale to be relative to; its absolute error is used.
        let rel = denom < 1e-3 ? diff.squareRoot() : diff.squareRoot() / denom
        worst = max(worst, Float(rel))
    }
    return worst
}

func randn(_ shape: [Int], seed: UInt64, scale: Float = 1) -> Tensor {
    var rng = SeededRNG(seed: seed)
    return .randomNormal(shape, std: scale, using: &rng)
}

/// Values whose magnitude is at least `margin` (keeps kinks such as ReLU's out of reach of ±eps).
func awayFromZero(_ shape: [Int], seed: UInt64, margin: Float = 0.1) -> Tensor {
    var t = randn(shape, seed: seed)
    for i in 0..<t.count where abs(t.data[i]) < margin { t.data[i] = t.data[i] < 0 ? -margin - 0.05 : margin + 0.05 }
    return t
}
