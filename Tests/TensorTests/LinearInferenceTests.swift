import Testing
@testable import Tensor

/// Inference multiplies by a cached transposed weight; it must equal the recorded (training)
/// path and follow every change of the weight.
@Suite("Linear inference on the transposed weight")
struct LinearInferenceTests {
    static func recorded(_ lin: Linear, _ x: Tensor) -> Tensor {
        let tape = Tape()
        return lin(Var(x), tape: tape).value
    }

    @Test("inference equals the taped product, and follows weight updates and loads")
    func followsTheWeight() {
        var rng = SeededRNG(seed: 5)
        let lin = Linear("lin", inFeatures: 7, outFeatures: 5, rng: &rng)
        let x = Tensor.randomNormal([3, 4, 7], using: &rng)
        func worst() -> Float {
            let a = lin(Var(x)).value, b = Self.recorded(lin, x)
            #expect(a.shape == [3, 4, 5] && b.shape == [3, 4, 5])
            return zip(a.data, b.data).map { abs($0 - $1) }.max() ?? .infinity
        }
        #expect(worst() < 1e-6)
        // An optimiser step (in place) and a load (assignment) must both drop the cache.
        lin.weight.update { w, _ in for i in 0..<w.count { w.data[i] += 0.5 } }
        #expect(worst() < 1e-6)
        lin.weight.value = Tensor.randomNormal([5, 7], using: &rng)
        #expect(worst() < 1e-6)
    }
}
