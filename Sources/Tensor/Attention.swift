// Fused multi-head scaled dot-product attention over [batch, length, heads·headDim] inputs.
// Each (batch, head) block is addressed in place with leading dimension heads·headDim, so
// sgemm reads Q, K, V and writes the context without any reshaping copies.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// softmax(Q Kᵀ / √d + mask) V per head. `q`, `k`, `v`: [B, L, H·D]; `keyMask`: [B, L] with 1
/// for real tokens and 0 for padding (padding keys get the most negative Float added, as
/// transformers does). `dropoutMask` ([B, H, L, L], entries 0 or 1/(1−p)), when given, scales
/// the attention probabilities (attention dropout in training). Returns the context, [B, L, H·D].
public func multiHeadAttention(query q: Var, key k: Var, value v: Var, heads: Int, keyMask: Tensor?,
                               dropoutMask: Tensor? = nil) -> Var {
    precondition(q.shape.count == 3 && q.shape == k.shape && q.shape == v.shape, "attention shapes \(q.shape), \(k.shape), \(v.shape)")
    let (B, L, HD) = (q.shape[0], q.shape[1], q.shape[2])
    precondition(HD % heads == 0, "width \(HD) not divisible by \(heads) heads")
    if let keyMask { precondition(keyMask.shape == [B, L], "key mask \(keyMask.shape) for [\(B), \(L)]") }
    if let dropoutMask { precondition(dropoutMask.shape == [B, heads, L, L], "attention dropout mask \(dropoutMask.shape) for [\(B), \(heads), \(L), \(L)]") }
    let D = HD / heads
    let scale = 1 / Float(D).squareRoot()
    let (vq, vk, vv) = (q.value, k.value, v.value)
    let needGrad = q.requiresGrad || k.requiresGrad || v.requiresGrad
    var probs = [Float](repeating: 0, count: B * heads * L * L)
    // With dropout: the dropped probabilities that multiply V (probs stay undropped for backward).
    var dropped = [Float](repeating: 0, count: dropoutMask == nil ? 0 : B * heads * L * L)
    let dm = dropoutMask?.data ?? []
    var ctx = [Float](repeating: 0, count: B * L * HD)
    var additive = [Float](repeating: 0, count: B * L)
    if let keyMask { for i in 0..<(B * L) where keyMask.data[i] == 0 { additive[i] = -Float.greatestFiniteMagnitude } }
    vq.data.withUnsafeBufferPointer { pq in vk.data.withUnsafeBufferPointer { pk in vv.data.withUnsafeBufferPointer { pv in
        probs.withUnsafeMutableBufferPointer { pp in ctx.withUnsafeMutableBufferPointer { pc in dropped.withUnsafeMutableBufferPointer { pd in
            for b in 0..<B {
                for h in 0..<heads {
                    let s = pp.baseAddress! + (b * heads + h) * L * L
                    let off = b * L * HD + h * D
                    Kernels.sgemm(false, true, m: L, n: L, k: D, alpha: scale, pq.baseAddress! + off, lda: HD,
                                  pk.baseAddress! + off, ldb: HD, s, ldc: L)
                    for i in 0..<L {
                        let row = s + i * L
                        for j in 0..<L { row[j] += additive[b * L + j] }
                        Kernels.softmaxRow(row, row, L)
                    }
                    var weights = UnsafePointer(s)
                    if !dm.isEmpty {
                        let base = (b * heads + h) * L * L
                        for i in 0..<(L * L) { pd[base + i] = s[i] * dm[base + i] }
                        weights = UnsafePointer(pd.baseAddress! + base)
                    }
                    Kernels.sgemm(false, false, m: L, n: D, k: L, weights, lda: L, pv.baseAddress! + off, ldb: HD,
                                  pc.baseAddress! + off, ldc: HD)
                }
            }
        } } }
    } } }
    let y = Tensor(shape: [B, L, HD], data: ctx)
    if !needGrad { return Var(y) }
    let P = probs, Pd = dropped
    let (rq, rk, rv) = (q.requiresGrad, k.requiresGrad, v.requiresGrad)
    return makeResult(y, [q, k, v]) { g in
        var dq = [Float](repeating: 0, count: B * L * HD)
        var dk = [Float](repeating: 0, count: B * L * HD)
        var dv = [Float](repeating: 0, count: B * L * HD)
        var dP = [Float](repeating: 0, count: L * L)
        g.data.withUnsafeBufferPointer { pg in P.withUnsafeBufferPointer { pp in Pd.withUnsafeBufferPointer { pdrop in
        vq.data.withUnsafeBufferPointer { pq in vk.data.withUnsafeBufferPointer { pk in vv.data.withUnsafeBufferPointer { pv in
        dq.withUnsafeMutableBufferPointer { oq in dk.withUnsafeMutableBufferPointer { ok in dv.withUnsafeMutableBufferPointer { ov in
        dP.withUnsafeMutableBufferPointer { dp in
            for b in 0..<B {
                for h in 0..<heads {
                    let base = (b * heads + h) * L * L
                    let p = pp.baseAddress! + base
                    let off = b * L * HD + h * D
                    // dV = P'ᵀ G, P' the (dropped) weights that multiplied V.
                    if rv {
                        Kernels.sgemm(true, false, m: L, n: D, k: L, dm.isEmpty ? p : pdrop.baseAddress! + base, lda: L,
                                      pg.baseAddress! + off, ldb: HD, ov.baseAddress! + off, ldc: HD)
                    }
                    if rq || rk {
                        // dP = G Vᵀ, then dS = P ⊙ (dP − rowsum(dP ⊙ P)), scaled.
                        Kernels.sgemm(false, true, m: L, n: L, k: D, pg.baseAddress! + off, lda: HD,
                                      pv.baseAddress! + off, ldb: HD, dp.baseAddress!, ldc: L)
                        if !dm.isEmpty { for i in 0..<(L * L) { dp[i] *= dm[base + i] } }
                        for i in 0..<L {
                            var s: Float = 0
                            for j in 0..<L { s += dp[i * L + j] * p[i * L + j] }
                            for j in 0..<L { dp[i * L + j] = p[i * L + j] * (dp[i * L + j] - s) * scale }
                        }
                        if rq {
                            Kernels.sgemm(false, false, m: L, n: D, k: L, dp.baseAddress!, lda: L,
                                          pk.baseAddress! + off, ldb: HD, oq.baseAddress! + off, ldc: HD)
                        }
                        if rk {
                            Kernels.sgemm(true, false, m: L, n: D, k: L, dp.baseAddress!, lda: L,
                                          pq.baseAddress! + off, ldb: HD, ok.baseAddress! + off, ldc: HD)
                        }
                    }
                }
            }
        } } } }
        } } }
        } } }
        let shape = [B, L, HD]
        return [Tensor(shape: shape, data: dq), Tensor(shape: shape, data: dk), Tensor(shape: shape, data: dv)]
    }
}
