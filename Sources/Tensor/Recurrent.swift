// Fused LSTM over a padded batch: one tape node for the whole sequence, with backpropagation
// through time inside it. (Built from per-step slices instead, every step's backward wrote a
// full [B, T, ·] gradient: quadratic in T.)
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@inline(__always) private func sigmoidf(_ x: Float) -> Float { 1 / (1 + FastMath.exp(-x)) }

/// Hidden states of a one-layer LSTM (PyTorch gate order i, f, g, o) over `x` [B, T, I] with
/// true `lengths`; zero initial state. Steps at or beyond a sequence's length leave its state
/// unchanged and output zeros. Returns [B, T, H].
public func lstmSequence(_ x: Var, weightIH: Var, weightHH: Var, biasIH: Var, biasHH: Var, lengths: [Int]) -> Var {
    precondition(x.shape.count == 3, "LSTM input must be [batch, time, features], got \(x.shape)")
    let (B, T, I) = (x.shape[0], x.shape[1], x.shape[2])
    let G = weightIH.shape[0], H = G / 4
    precondition(weightIH.shape == [G, I] && weightHH.shape == [G, H] && biasIH.shape == [G] && biasHH.shape == [G] && G == 4 * H,
                 "LSTM weights \(weightIH.shape), \(weightHH.shape), \(biasIH.shape), \(biasHH.shape) for input width \(I)")
    precondition(lengths.count == B && lengths.allSatisfy { $0 >= 0 && $0 <= T }, "LSTM lengths \(lengths) for batch \(B), time \(T)")
    let (vx, wih, whh, bih, bhh) = (x.value, weightIH.value, weightHH.value, biasIH.value, biasHH.value)
    // Input projection for all steps, rows b·T + t: [B·T, 4H] = x Wihᵀ + bih + bhh.
    var xw = [Float](repeating: 0, count: B * T * G)
    xw.withUnsafeMutableBufferPointer { o in
        for r in 0..<(B * T) { for j in 0..<G { o[r * G + j] = bih.data[j] + bhh.data[j] } }
        vx.data.withUnsafeBufferPointer { px in wih.data.withUnsafeBufferPointer { pw in
            Kernels.sgemm(false, true, m: B * T, n: G, k: I, px.baseAddress!, lda: I, pw.baseAddress!, ldb: I,
                          beta: 1, o.baseAddress!, ldc: G)
        } }
    }
    let needGrad = x.requiresGrad || weightIH.requiresGrad || weightHH.requiresGrad || biasIH.requiresGrad || biasHH.requiresGrad
    // Saved per step (t-major): activated gates [T, B, 4H], state before the step h, c [T+1, B, H],
    // and tanh of the new cell [T, B, H].
    var acts = [Float](repeating: 0, count: needGrad ? T * B * G : 0)
    var hs = [Float](repeating: 0, count: (T + 1) * B * H)
    var cs = [Float](repeating: 0, count: (T + 1) * B * H)
    var tcs = [Float](repeating: 0, count: needGrad ? T * B * H : 0)
    var out = [Float](repeating: 0, count: B * T * H)
    var gates = [Float](repeating: 0, count: B * G)
    hs.withUnsafeMutableBufferPointer { ph in cs.withUnsafeMutableBufferPointer { pc in
    acts.withUnsafeMutableBufferPointer { pa in tcs.withUnsafeMutableBufferPointer { pt in
    out.withUnsafeMutableBufferPointer { po in gates.withUnsafeMutableBufferPointer { pg in
    xw.withUnsafeBufferPointer { pxw in whh.data.withUnsafeBufferPointer { pw in
        for t in 0..<T {
            let hPrev = ph.baseAddress! + t * B * H, cPrev = pc.baseAddress! + t * B * H
            let hNext = ph.baseAddress! + (t + 1) * B * H, cNext = pc.baseAddress! + (t + 1) * B * H
            // gates = h_{t-1} Whhᵀ, then + projected input. A single sequence is a small
            // matrix-vector product per step, where sgemm's call and packing cost more than the work.
            if B == 1 {
                Kernels.matvec(pw.baseAddress!, rows: G, columns: H, UnsafePointer(hPrev), pg.baseAddress!)
            } else {
                Kernels.sgemm(false, true, m: B, n: G, k: H, UnsafePointer(hPrev), lda: H, pw.baseAddress!, ldb: H,
                              pg.baseAddress!, ldc: G)
            }
            if !needGrad {
                // Inference: the same arithmetic in separate loops that vectorise.
                for b in 0..<B {
                    let hp = hPrev + b * H, cp = cPrev + b * H, hn = hNext + b * H, cn = cNext + b * H
                    guard t < lengths[b] else {
                        hn.update(from: hp, count: H); cn.update(from: cp, count: H)
                        continue
                    }
                    let gr = pg.baseAddress! + b * G
                    let xr = pxw.baseAddress! + (b * T + t) * G
                    for j in 0..<G { gr[j] += xr[j] }
                    for j in 0..<(2 * H) { gr[j] = sigmoidf(gr[j]) }
                    for j in (2 * H)..<(3 * H) { gr[j] = FastMath.tanh(gr[j]) }
                    for j in (3 * H)..<G { gr[j] = sigmoidf(gr[j]) }
                    let o = po.baseAddress! + (b * T + t) * H
                    for j in 0..<H {
                        let c = gr[H + j] * cp[j] + gr[j] * gr[2 * H + j]
                        let h = gr[3 * H + j] * FastMath.tanh(c)
                        cn[j] = c; hn[j] = h; o[j] = h
                    }
                }
                continue
            }
            for b in 0..<B {
                let gr = pg.baseAddress! + b * G
                let xr = pxw.baseAddress! + (b * T + t) * G
                let active = t < lengths[b]
                for j in 0..<H {
                    let i = sigmoidf(gr[j] + xr[j])
                    let f = sigmoidf(gr[H + j] + xr[H + j])
                    let g = FastMath.tanh(gr[2 * H + j] + xr[2 * H + j])
                    let o = sigmoidf(gr[3 * H + j] + xr[3 * H + j])
                    let c = f * cPrev[b * H + j] + i * g
                    let tc = FastMath.tanh(c)
                    if needGrad {
                        let a = (t * B + b) * G
                        pa[a + j] = i; pa[a + H + j] = f; pa[a + 2 * H + j] = g; pa[a + 3 * H + j] = o
                        pt[(t * B + b) * H + j] = tc
                    }
                    if active {
                        cNext[b * H + j] = c
                        hNext[b * H + j] = o * tc
                        po[(b * T + t) * H + j] = o * tc
                    } else {
                        cNext[b * H + j] = cPrev[b * H + j]
                        hNext[b * H + j] = hPrev[b * H + j]
                    }
                }
            }
        }
    } } } } } } } }
    let y = Tensor(shape: [B, T, H], data: out)
    if !needGrad { return Var(y) }
    let (A, Hs, Cs, Tc) = (acts, hs, cs, tcs)
    return makeResult(y, [x, weightIH, weightHH, biasIH, biasHH]) { gOut in
        var dGates = [Float](repeating: 0, count: T * B * G)     // pre-activation gate grads, t-major
        var dh = [Float](repeating: 0, count: B * H), dc = [Float](repeating: 0, count: B * H)
        var dhPrev = [Float](repeating: 0, count: B * H)
        gOut.data.withUnsafeBufferPointer { pgo in dGates.withUnsafeMutableBufferPointer { pd in
        A.withUnsafeBufferPointer { pa in Cs.withUnsafeBufferPointer { pc in Tc.withUnsafeBufferPointer { pt in
        whh.data.withUnsafeBufferPointer { pw in dhPrev.withUnsafeMutableBufferPointer { pdp in
            for t in stride(from: T - 1, through: 0, by: -1) {
                let dg = pd.baseAddress! + t * B * G
                for b in 0..<B where t < lengths[b] {
                    let a = (t * B + b) * G
                    for j in 0..<H {
                        let i = pa[a + j], f = pa[a + H + j], g = pa[a + 2 * H + j], o = pa[a + 3 * H + j]
                        let tc = pt[(t * B + b) * H + j]
                        let dht = dh[b * H + j] + pgo[(b * T + t) * H + j]
                        let dct = dht * o * (1 - tc * tc) + dc[b * H + j]
                        let cPrev = pc[(t * B + b) * H + j]
                        dg[b * G + j] = dct * g * i * (1 - i)
                        dg[b * G + H + j] = dct * cPrev * f * (1 - f)
                        dg[b * G + 2 * H + j] = dct * i * (1 - g * g)
                        dg[b * G + 3 * H + j] = dht * tc * o * (1 - o)
                        dc[b * H + j] = dct * f
                    }
                }
                // dh_{t-1} = dGates_t · Whh for active rows; inactive rows pass dh through.
                Kernels.sgemm(false, false, m: B, n: H, k: G, UnsafePointer(dg), lda: G, pw.baseAddress!, ldb: H,
                              pdp.baseAddress!, ldc: H)
                for b in 0..<B where t < lengths[b] {
                    for j in 0..<H { dh[b * H + j] = pdp[b * H + j] }
                }
            }
        } }
        } } }
        } }
        // Parameter and input gradients from all steps at once.
        var dwhh = [Float](repeating: 0, count: G * H)
        var dwih = [Float](repeating: 0, count: G * I)
        var dx = [Float](repeating: 0, count: B * T * I)
        var db = [Float](repeating: 0, count: G)
        // Gate grads in b-major order (rows b·T + t) to pair with x's rows.
        var dgB = [Float](repeating: 0, count: B * T * G)
        for t in 0..<T { for b in 0..<B {
            let src = (t * B + b) * G, dst = (b * T + t) * G
            for j in 0..<G { dgB[dst + j] = dGates[src + j]; db[j] += dGates[src + j] }
        } }
        dGates.withUnsafeBufferPointer { pd in Hs.withUnsafeBufferPointer { ph in dwhh.withUnsafeMutableBufferPointer { o in
            // Σ_t dG_tᵀ h_{t-1}: rows t·B + b of dGates pair with rows t·B + b of hs[0..<T].
            Kernels.sgemm(true, false, m: G, n: H, k: T * B, pd.baseAddress!, lda: G, ph.baseAddress!, ldb: H,
                          o.baseAddress!, ldc: H)
        } } }
        dgB.withUnsafeBufferPointer { pd in
            vx.data.withUnsafeBufferPointer { px in dwih.withUnsafeMutableBufferPointer { o in
                Kernels.sgemm(true, false, m: G, n: I, k: B * T, pd.baseAddress!, lda: G, px.baseAddress!, ldb: I,
                              o.baseAddress!, ldc: I)
            } }
            wih.data.withUnsafeBufferPointer { pw in dx.withUnsafeMutableBufferPointer { o in
                Kernels.sgemm(false, false, m: B * T, n: I, k: G, pd.baseAddress!, lda: G, pw.baseAddress!, ldb: I,
                              o.baseAddress!, ldc: I)
            } }
        }
        let dbT = Tensor(shape: [G], data: db)
        return [Tensor(shape: [B, T, I], data: dx), Tensor(shape: [G, I], data: dwih), Tensor(shape: [G, H], data: dwhh), dbT, dbT]
    }
}

/// For each sequence b, row `lengths[b] − 1` of `outputs` [B, T, H] (zeros when the length is 0):
/// the hidden state at each sequence's own last step.
public func lastSteps(_ outputs: Var, lengths: [Int]) -> Var {
    let (B, T, H) = (outputs.shape[0], outputs.shape[1], outputs.shape[2])
    precondition(lengths.count == B && lengths.allSatisfy { $0 >= 0 && $0 <= T }, "lengths \(lengths) for \(outputs.shape)")
    var y = [Float](repeating: 0, count: B * H)
    outputs.value.data.withUnsafeBufferPointer { p in
        for b in 0..<B where lengths[b] > 0 {
            for j in 0..<H { y[b * H + j] = p[(b * T + lengths[b] - 1) * H + j] }
        }
    }
    return makeResult(Tensor(shape: [B, H], data: y), [outputs]) { g in
        var d = [Float](repeating: 0, count: B * T * H)
        for b in 0..<B where lengths[b] > 0 {
            for j in 0..<H { d[(b * T + lengths[b] - 1) * H + j] = g.data[b * H + j] }
        }
        return [Tensor(shape: [B, T, H], data: d)]
    }
}
