// Adam and AdamW (PyTorch semantics) with parameter groups, and gradient clipping.

/// Parameters that share optimiser settings.
public struct ParameterGroup {
    public var parameters: [Parameter]
    public var learningRate: Float
    public var weightDecay: Float

    public init(_ parameters: [Parameter], learningRate: Float, weightDecay: Float = 0) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.weightDecay = weightDecay
    }
}

/// Adam (`decoupled == false`: weight decay added to the gradient, as torch.optim.Adam) or
/// AdamW (`decoupled == true`: p ← p − lr·wd·p before the Adam step, as torch.optim.AdamW).
public final class Adam {
    public var groups: [ParameterGroup]
    public let beta1: Float, beta2: Float, eps: Float
    public let decoupled: Bool
    public private(set) var step = 0
    private var m: [ObjectIdentifier: [Float]] = [:]
    private var v: [ObjectIdentifier: [Float]] = [:]

    public init(groups: [ParameterGroup], beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8, decoupled: Bool = false) {
        self.groups = groups
        self.beta1 = beta1; self.beta2 = beta2; self.eps = eps
        self.decoupled = decoupled
    }

    /// AdamW with torch's defaults (weight decay per group).
    public static func adamW(groups: [ParameterGroup], beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8) -> Adam {
        Adam(groups: groups, beta1: beta1, beta2: beta2, eps: eps, decoupled: true)
    }

    /// One update of every parameter that has a gradient.
    public func update() {
        step += 1
        let bc1 = 1 - powf(beta1, Float(step)), bc2 = 1 - powf(beta2, Float(step))
        for group in groups {
            let lr = group.learningRate, wd = group.weightDecay
            for p in group.parameters {
                guard p.grad != nil else { continue }
                let key = ObjectIdentifier(p)
                var mm = m[key] ?? [Float](repeating: 0, count: p.value.count)
                var vv = v[key] ?? [Float](repeating: 0, count: p.value.count)
                let (b1, b2, e, dec) = (beta1, beta2, eps, decoupled)
                let stepSize = lr / bc1
                let sqrtBc2 = bc2.squareRoot()
                p.update { value, grad in
                    guard let grad else { return }
                    value.data.withUnsafeMutableBufferPointer { w in grad.data.withUnsafeBufferPointer { g in
                        mm.withUnsafeMutableBufferPointer { pm in vv.withUnsafeMutableBufferPointer { pv in
                            for i in 0..<w.count {
                                var gi = g[i]
                                if dec { w[i] -= lr * wd * w[i] } else if wd != 0 { gi += wd * w[i] }
                                pm[i] = b1 * pm[i] + (1 - b1) * gi
                                pv[i] = b2 * pv[i] + (1 - b2) * gi * gi
                                w[i] -= stepSize * pm[i] / (pv[i].squareRoot() / sqrtBc2 + e)
                            }
                        } }
                    } }
                }
                m[key] = mm; v[key] = vv
            }
        }
    }

    public func zeroGrad() { for g in groups { for p in g.parameters { p.zeroGrad() } } }

    /// The first and second moments of `parameter` (nil before its first update).
    public func moments(of parameter: Parameter) -> (m: [Float], v: [Float])? {
        let key = ObjectIdentifier(parameter)
        guard let mm = m[key], let vv = v[key] else { return nil }
        return (mm, vv)
    }

    /// Continues an earlier run: its step count and the moments `moments(of:)` gave (one entry
    /// per parameter that had been updated; each array as long as its parameter).
    public func restore(step: Int, moments: [(parameter: Parameter, m: [Float], v: [Float])]) {
        precondition(step >= 0)
        self.step = step
        m = [:]; v = [:]
        for e in moments {
            precondition(e.m.count == e.parameter.value.count && e.v.count == e.parameter.value.count, "moments of \(e.parameter.name) of the wrong size")
            m[ObjectIdentifier(e.parameter)] = e.m
            v[ObjectIdentifier(e.parameter)] = e.v
        }
    }
}

/// Scales all gradients so their global L2 norm is at most `maxNorm` (torch's
/// clip_grad_norm_); returns the norm before clipping.
@discardableResult
public func clipGradientNorm(_ parameters: [Parameter], maxNorm: Float) -> Float {
    var total: Float = 0
    for p in parameters { if let g = p.grad { for x in g.data { total += x * x } } }
    let norm = total.squareRoot()
    let coef = maxNorm / (norm + 1e-6)
    if coef < 1 {
        for p in parameters { if let g = p.grad { p.grad = Kernels.scale(g, coef) } }
    }
    return norm
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
