// Differentiable operations on `Var`. Each computes its value with the kernels and, when an
// input is on a tape, records a closure that maps the output gradient to input gradients.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: arithmetic with broadcasting

public func + (a: Var, b: Var) -> Var {
    let (sa, sb) = (a.shape, b.shape)
    let sum = sa == sb ? Kernels.add(a.value, b.value) : Kernels.broadcast(a.value, b.value, +)
    return makeResult(sum, [a, b]) { g in
        [Kernels.sumTo(g, sa), Kernels.sumTo(g, sb)]
    }
}

public func - (a: Var, b: Var) -> Var {
    let (sa, sb) = (a.shape, b.shape)
    return makeResult(Kernels.broadcast(a.value, b.value, -), [a, b]) { g in
        [Kernels.sumTo(g, sa), Kernels.sumTo(Kernels.scale(g, -1), sb)]
    }
}

public func * (a: Var, b: Var) -> Var {
    let (va, vb) = (a.value, b.value)
    let (ra, rb) = (a.requiresGrad, b.requiresGrad)
    return makeResult(Kernels.broadcast(va, vb, *), [a, b]) { g in
        [ra ? Kernels.sumTo(Kernels.broadcast(g, vb, *), va.shape) : nil,
         rb ? Kernels.sumTo(Kernels.broadcast(g, va, *), vb.shape) : nil]
    }
}

public func / (a: Var, b: Var) -> Var {
    let (va, vb) = (a.value, b.value)
    let (ra, rb) = (a.requiresGrad, b.requiresGrad)
    return makeResult(Kernels.broadcast(va, vb, /), [a, b]) { g in
        [ra ? Kernels.sumTo(Kernels.broadcast(g, vb, /), va.shape) : nil,
         rb ? Kernels.sumTo(Kernels.broadcast(Kernels.broadcast(g, va, *), Kernels.map(vb) { $0 * $0 }, /), vb.shape)
            .mapNegated() : nil]
    }
}

public func + (a: Var, s: Float) -> Var { makeResult(Kernels.map(a.value) { $0 + s }, [a]) { [$0] } }
public func - (a: Var, s: Float) -> Var { a + (-s) }
public func * (a: Var, s: Float) -> Var { makeResult(Kernels.scale(a.value, s), [a]) { [Kernels.scale($0, s)] } }
public func * (s: Float, a: Var) -> Var { a * s }
public func - (s: Float, a: Var) -> Var { (a * -1) + s }
public prefix func - (a: Var) -> Var { a * -1 }

extension Tensor {
    func mapNegated() -> Tensor { Kernels.scale(self, -1) }
}

// MARK: unary functions

extension Var {
    /// Elementwise op with derivative `dy/dx` computed from (x, y).
    @inline(__always)
    func unary(_ f: (Float) -> Float, derivative: @escaping (Float, Float) -> Float) -> Var {
        let x = value
        let y = Kernels.map(x, f)
        return makeResult(y, [self]) { g in
            var out = [Float](repeating: 0, count: g.count)
            x.data.withUnsafeBufferPointer { px in y.data.withUnsafeBufferPointer { py in
                g.data.withUnsafeBufferPointer { pg in out.withUnsafeMutableBufferPointer { o in
                    for i in 0..<o.count { o[i] = pg[i] * derivative(px[i], py[i]) }
                } } } }
            return [Tensor(shape: x.shape, data: out)]
        }
    }

    public func tanh() -> Var { unary({ tanhf($0) }, derivative: { _, y in 1 - y * y }) }
    public func sigmoid() -> Var {
        unary({ $0 >= 0 ? 1 / (1 + expf(-$0)) : expf($0) / (1 + expf($0)) }, derivative: { _, y in y * (1 - y) })
    }
    public func relu() -> Var { unary({ max($0, 0) }, derivative: { x, _ in x > 0 ? 1 : 0 }) }
    public func exp() -> Var { unary({ expf($0) }, derivative: { _, y in y }) }
    public func log() -> Var { unary({ logf($0) }, derivative: { x, _ in 1 / x }) }
    public func abs() -> Var { unary({ Swift.abs($0) }, derivative: { x, _ in x > 0 ? 1 : (x < 0 ? -1 : 0) }) }
    public func squared() -> Var { unary({ $0 * $0 }, derivative: { x, _ in 2 * x }) }
    public func sqrt() -> Var { unary({ $0.squareRoot() }, derivative: { _, y in 0.5 / y }) }

    /// GELU in the erf form used by BERT: x · Φ(x) (erf to 5e-7, vectorised).
    public func gelu() -> Var {
        let x = value
        return makeResult(Kernels.gelu(x), [self]) { g in [Kernels.geluBackward(x, g)] }
    }
}

// MARK: shape

extension Var {
    public func reshaped(_ shape: [Int]) -> Var {
        let old = self.shape
        return makeResult(value.reshaped(shape), [self]) { [$0.reshaped(old)] }
    }

    /// Axes reordered: output axis i is input axis `perm[i]`.
    public func permuted(_ perm: [Int]) -> Var {
        let y = Kernels.permute(value, perm)
        var inverse = [Int](repeating: 0, count: perm.count)
        for (i, p) in perm.enumerated() { inverse[p] = i }
        return makeResult(y, [self]) { [Kernels.permute($0, inverse)] }
    }

    /// Swaps the last two axes.
    public func transposed() -> Var {
        var perm = Array(0..<shape.count)
        perm.swapAt(shape.count - 1, shape.count - 2)
        return permuted(perm)
    }

    /// `length` entries of `axis` starting at `start`.
    public func slice(axis: Int, start: Int, length: Int) -> Var {
        let ax = normalizeAxis(axis, shape.count)
        precondition(start >= 0 && length >= 0 && start + length <= shape[ax], "slice \(start)..<\(start + length) of axis \(ax) with extent \(shape[ax])")
        let inShape = shape
        let y = Kernels.slice(value, axis: ax, start: start, length: length)
        return makeResult(y, [self]) { g in [Kernels.unslice(g, into: inShape, axis: ax, start: start)] }
    }
}

/// Concatenation along `axis`.
public func concat(_ xs: [Var], axis: Int) -> Var {
    precondition(!xs.isEmpty, "concat of nothing")
    let ax = normalizeAxis(axis, xs[0].shape.count)
    let y = Kernels.concat(xs.map(\.value), axis: ax)
    let lengths = xs.map { $0.shape[ax] }
    return makeResult(y, xs) { g in
        var start = 0
        return lengths.map { len in
            defer { start += len }
            return Kernels.slice(g, axis: ax, start: start, length: len)
        }
    }
}

extension Kernels {
    static func permute(_ a: Tensor, _ perm: [Int]) -> Tensor {
        let r = a.rank
        precondition(perm.count == r && Set(perm).count == r, "permutation \(perm) for rank \(r)")
        let outShape = perm.map { a.shape[$0] }
        let inStrides = Tensor.strides(of: a.shape)
        let s = perm.map { inStrides[$0] }
        let n = a.count
        var out = [Float](repeating: 0, count: n)
        var idx = [Int](repeating: 0, count: r)
        var src = 0
        a.data.withUnsafeBufferPointer { p in out.withUnsafeMutableBufferPointer { o in
            for i in 0..<n {
                o[i] = p[src]
                var d = r - 1
                while d >= 0 {
                    idx[d] += 1; src += s[d]
                    if idx[d] < outShape[d] { break }
                    src -= s[d] * outShape[d]; idx[d] = 0
                    d -= 1
                }
            }
        } }
        return Tensor(shape: outShape, data: out)
    }

    static func slice(_ a: Tensor, axis: Int, start: Int, length: Int) -> Tensor {
        let (outer, len, inner) = split(a.shape, axis)
        var out = [Float](repeating: 0, count: outer * length * inner)
        a.data.withUnsafeBufferPointer { p in out.withUnsafeMutableBufferPointer { o in
            for i in 0..<outer {
                let src = p.baseAddress! + (i * len + start) * inner
                (o.baseAddress! + i * length * inner).update(from: src, count: length * inner)
            }
        } }
        var s = a.shape
        s[axis] = length
        return Tensor(shape: s, data: out)
    }

    static func unslice(_ g: Tensor, into shape: [Int], axis: Int, start: Int) -> Tensor {
        let (outer, len, inner) = split(shape, axis)
        let length = g.shape[axis]
        var out = [Float](repeating: 0, count: shape.reduce(1, *))
        g.data.withUnsafeBufferPointer { p in out.withUnsafeMutableBufferPointer { o in
            for i in 0..<outer {
                (o.baseAddress! + (i * len + start) * inner).update(from: p.baseAddress! + i * length * inner, count: length * inner)
            }
        } }
        return Tensor(shape: shape, data: out)
    }

    static func concat(_ xs: [Tensor], axis: Int) -> Tensor {
        var shape = xs[0].shape
        for x in xs {
            precondition(x.rank == shape.count, "concat ranks differ")
            for d in 0..<shape.count where d != axis { precondition(x.shape[d] == shape[d], "concat shapes \(x.shape) vs \(shape) along axis \(axis)") }
        }
        shape[axis] = xs.reduce(0) { $0 + $1.shape[axis] }
        let (outer, total, inner) = split(shape, axis)
        var out = [Float](repeating: 0, count: shape.reduce(1, *))
        out.withUnsafeMutableBufferPointer { o in
            var offset = 0
            for x in xs {
                let len = x.shape[axis]
                x.data.withUnsafeBufferPointer { p in
                    for i in 0..<outer {
                        (o.baseAddress! + (i * total + offset) * inner).update(from: p.baseAddress! + i * len * inner, count: len * inner)
                    }
                }
                offset += len
            }
        }
        return Tensor(shape: shape, data: out)
    }
}

// MARK: reductions

extension Var {
    /// Sum over `axis` (kept with extent 1 when `keepDims`).
    public func sum(axis: Int, keepDims: Bool = false) -> Var {
        let ax = normalizeAxis(axis, shape.count)
        let inShape = shape
        var y = Kernels.sum(value, axis: ax)
        var outShape = inShape
        if keepDims { outShape[ax] = 1 } else { outShape.remove(at: ax) }
        y = y.reshaped(outShape)
        return makeResult(y, [self]) { g in
            var kept = inShape
            kept[ax] = 1
            return [Kernels.broadcast(Tensor.zeros(inShape), g.reshaped(kept), +)]
        }
    }

    public func mean(axis: Int, keepDims: Bool = false) -> Var {
        let ax = normalizeAxis(axis, shape.count)
        return sum(axis: ax, keepDims: keepDims) * (1 / Float(shape[ax]))
    }

    /// Sum of all elements (a scalar).
    public func sum() -> Var {
        let inShape = shape
        var s: Float = 0
        value.data.withUnsafeBufferPointer { p in for v in p { s += v } }
        return makeResult(Tensor(s), [self]) { g in [Tensor(repeating: g.data[0], shape: inShape)] }
    }

    public func mean() -> Var { sum() * (1 / Float(max(value.count, 1))) }
}

// MARK: matrix products

/// Matrix product of the last two axes (rank 2, or rank 3 batched over axis 0).
public func matmul(_ a: Var, _ b: Var, transposeA: Bool = false, transposeB: Bool = false) -> Var {
    let (va, vb) = (a.value, b.value)
    let (ra, rb) = (a.requiresGrad, b.requiresGrad)
    let y = Kernels.matmul(va, vb, transposeA: transposeA, transposeB: transposeB)
    return makeResult(y, [a, b]) { g in
        // C = op(A) op(B): d op(A) = G op(B)ᵀ, d op(B) = op(A)ᵀ G.
        var ga: Tensor? = nil, gb: Tensor? = nil
        if ra {
            ga = transposeA ? Kernels.matmul(vb, g, transposeA: transposeB, transposeB: true)
                            : Kernels.matmul(g, vb, transposeA: false, transposeB: !transposeB)
        }
        if rb {
            gb = transposeB ? Kernels.matmul(g, va, transposeA: true, transposeB: transposeA)
                            : Kernels.matmul(va, g, transposeA: !transposeA, transposeB: false)
        }
        return [ga, gb]
    }
}

/// `x · Wᵀ + b` over the last axis of `x` (any leading shape), W of shape [out, in].
public func linear(_ x: Var, weight: Var, bias: Var?) -> Var {
    let inF = weight.shape[1], outF = weight.shape[0]
    precondition(x.shape.last == inF, "linear: input \(x.shape) vs weight \(weight.shape)")
    let rows = x.value.count / max(inF, 1)
    let (vx, vw) = (x.value, weight.value)
    var out = [Float](repeating: 0, count: rows * outF)
    out.withUnsafeMutableBufferPointer { o in
        if let bias {
            bias.value.data.withUnsafeBufferPointer { pb in
                for r in 0..<rows { (o.baseAddress! + r * outF).update(from: pb.baseAddress!, count: outF) }
            }
        }
        vx.data.withUnsafeBufferPointer { px in vw.data.withUnsafeBufferPointer { pw in
            Kernels.sgemm(false, true, m: rows, n: outF, k: inF, px.baseAddress!, lda: inF,
                          pw.baseAddress!, ldb: inF, beta: bias == nil ? 0 : 1, o.baseAddress!, ldc: outF)
        } }
    }
    var shape = x.shape
    shape[shape.count - 1] = outF
    let y = Tensor(shape: shape, data: out)
    let (rx, rw) = (x.requiresGrad, weight.requiresGrad)
    let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
    let hasBias = bias != nil
    return makeResult(y, inputs) { g in
        var gx: Tensor? = nil, gw: Tensor? = nil
        g.data.withUnsafeBufferPointer { pg in
            if rx {
                var d = [Float](repeating: 0, count: rows * inF)
                vw.data.withUnsafeBufferPointer { pw in d.withUnsafeMutableBufferPointer { o in
                    Kernels.sgemm(false, false, m: rows, n: inF, k: outF, pg.baseAddress!, lda: outF,
                                  pw.baseAddress!, ldb: inF, o.baseAddress!, ldc: inF)
                } }
                gx = Tensor(shape: vx.shape, data: d)
            }
            if rw {
                var d = [Float](repeating: 0, count: outF * inF)
                vx.data.withUnsafeBufferPointer { px in d.withUnsafeMutableBufferPointer { o in
                    Kernels.sgemm(true, false, m: outF, n: inF, k: rows, pg.baseAddress!, lda: outF,
                                  px.baseAddress!, ldb: inF, o.baseAddress!, ldc: inF)
                } }
                gw = Tensor(shape: vw.shape, data: d)
            }
        }
        var out: [Tensor?] = [gx, gw]
        if hasBias { out.append(Kernels.sumTo(g.reshaped([rows, outF]), [outF])) }
        return out
    }
}

/// Inference only (nothing recorded): x · W + b with W given transposed, [in, out], as
/// `Parameter.transposedValue` keeps it.
public func linear(_ x: Var, transposedWeight wt: Tensor, bias: Tensor?) -> Var {
    precondition(wt.rank == 2 && x.shape.last == wt.shape[0], "linear: input \(x.shape) vs transposed weight \(wt.shape)")
    let inF = wt.shape[0], outF = wt.shape[1]
    let rows = x.value.count / max(inF, 1)
    var out = [Float](repeating: 0, count: rows * outF)
    out.withUnsafeMutableBufferPointer { o in
        if let bias {
            precondition(bias.count == outF, "linear: bias \(bias.shape) vs \(outF) outputs")
            bias.data.withUnsafeBufferPointer { pb in
                for r in 0..<rows { (o.baseAddress! + r * outF).update(from: pb.baseAddress!, count: outF) }
            }
        }
        x.value.data.withUnsafeBufferPointer { px in wt.data.withUnsafeBufferPointer { pw in
            Kernels.sgemm(false, false, m: rows, n: outF, k: inF, px.baseAddress!, lda: inF,
                          pw.baseAddress!, ldb: outF, beta: bias == nil ? 0 : 1, o.baseAddress!, ldc: outF)
        } }
    }
    var shape = x.shape
    shape[shape.count - 1] = outF
    return Var(Tensor(shape: shape, data: out))
}

// MARK: gather

/// Rows `ids` of a [vocab, dim] table: the result has shape [ids.count, dim].
public func gather(_ table: Var, rows ids: [Int]) -> Var {
    precondition(table.shape.count == 2, "gather needs a rank-2 table, got \(table.shape)")
    let (vocab, dim) = (table.shape[0], table.shape[1])
    var out = [Float](repeating: 0, count: ids.count * dim)
    table.value.data.withUnsafeBufferPointer { p in out.withUnsafeMutableBufferPointer { o in
        for (r, id) in ids.enumerated() {
            precondition(id >= 0 && id < vocab, "row \(id) outside table of \(vocab) rows")
            (o.baseAddress! + r * dim).update(from: p.baseAddress! + id * dim, count: dim)
        }
    } }
    return makeResult(Tensor(shape: [ids.count, dim], data: out), [table]) { g in
        var d = [Float](repeating: 0, count: vocab * dim)
        g.data.withUnsafeBufferPointer { pg in d.withUnsafeMutableBufferPointer { o in
            for (r, id) in ids.enumerated() {
                for j in 0..<dim { o[id * dim + j] += pg[r * dim + j] }
            }
        } }
        return [Tensor(shape: [vocab, dim], data: d)]
    }
}

// MARK: softmax family (last axis)

extension Var {
    public func softmax() -> Var {
        let y = Kernels.softmaxLastAxis(value)
        return makeResult(y, [self]) { g in [Kernels.softmaxBackward(y, g)] }
    }

    public func logSoftmax() -> Var {
        let x = value
        let n = shape.last ?? 1
        let rows = x.count / max(n, 1)
        var out = [Float](repeating: 0, count: x.count)
        x.data.withUnsafeBufferPointer { p in out.withUnsafeMutableBufferPointer { o in
            for r in 0..<rows {
                let b = r * n
                var m = -Float.infinity
                for j in 0..<n { m = max(m, p[b + j]) }
                var s: Float = 0
                for j in 0..<n { s += expf(p[b + j] - m) }
                let lse = m + logf(s)
                for j in 0..<n { o[b + j] = p[b + j] - lse }
            }
        } }
        let y = Tensor(shape: x.shape, data: out)
        return makeResult(y, [self]) { g in
            var d = [Float](repeating: 0, count: g.count)
            y.data.withUnsafeBufferPointer { py in g.data.withUnsafeBufferPointer { pg in d.withUnsafeMutableBufferPointer { o in
                for r in 0..<rows {
                    let b = r * n
                    var s: Float = 0
                    for j in 0..<n { s += pg[b + j] }
                    for j in 0..<n { o[b + j] = pg[b + j] - expf(py[b + j]) * s }
                }
            } } }
            return [Tensor(shape: y.shape, data: d)]
        }
    }
}

extension Kernels {
    static func softmaxLastAxis(_ x: Tensor) -> Tensor {
        let n = x.shape.last ?? 1
        let rows = x.count / max(n, 1)
        var out = [Float](repeating: 0, count: x.count)
        x.data.withUnsafeBufferPointer { p in out.withUnsafeMutableBufferPointer { o in
            for r in 0..<rows { softmaxRow(p.baseAddress! + r * n, o.baseAddress! + r * n, n) }
        } }
        return Tensor(shape: x.shape, data: out)
    }

    @inline(__always)
    static func softmaxRow(_ p: UnsafePointer<Float>, _ o: UnsafeMutablePointer<Float>, _ n: Int) {
        var m = -Float.infinity
        for j in 0..<n { m = max(m, p[j]) }
        // exp in its own loop so that it vectorises (a running sum in the same loop kept it
        // scalar); the sum then adds the same values in the same order.
        for j in 0..<n { o[j] = FastMath.exp(p[j] - m) }
        var s: Float = 0
        for j in 0..<n { s += o[j] }
        let inv = 1 / s
        for j in 0..<n { o[j] *= inv }
    }

    /// dx = y ⊙ (g − Σ g⊙y) per row.
    static func softmaxBackward(_ y: Tensor, _ g: Tensor) -> Tensor {
        let n = y.shape.last ?? 1
        let rows = y.count / max(n, 1)
        var d = [Float](repeating: 0, count: y.count)
        y.data.withUnsafeBufferPointer { py in g.data.withUnsafeBufferPointer { pg in d.withUnsafeMutableBufferPointer { o in
            for r in 0..<rows {
                let b = r * n
                var s: Float = 0
                for j in 0..<n { s += pg[b + j] * py[b + j] }
                for j in 0..<n { o[b + j] = py[b + j] * (pg[b + j] - s) }
            }
        } } }
        return Tensor(shape: y.shape, data: d)
    }
}

// MARK: layer norm (last axis)

/// (x − mean) / sqrt(var + eps) · gamma + beta over the last axis (biased variance, as PyTorch).
public func layerNorm(_ x: Var, gamma: Var, beta: Var, eps: Float) -> Var {
    let n = x.shape.last ?? 1
    precondition(gamma.shape == [n] && beta.shape == [n], "layerNorm: input \(x.shape), gamma \(gamma.shape), beta \(beta.shape)")
    let rows = x.value.count / max(n, 1)
    let vx = x.value, vg = gamma.value, vb = beta.value
    var out = [Float](repeating: 0, count: vx.count)
    let needGrad = x.requiresGrad || gamma.requiresGrad || beta.requiresGrad
    var xhat = [Float](repeating: 0, count: needGrad ? vx.count : 0)
    var rstd = [Float](repeating: 0, count: rows)
    vx.data.withUnsafeBufferPointer { p in vg.data.withUnsafeBufferPointer { pg in vb.data.withUnsafeBufferPointer { pb in
        out.withUnsafeMutableBufferPointer { o in xhat.withUnsafeMutableBufferPointer { h in
            for r in 0..<rows {
                let b = r * n
                var mean: Float = 0
                for j in 0..<n { mean += p[b + j] }
                mean /= Float(n)
                var v: Float = 0
                for j in 0..<n { let d = p[b + j] - mean; v += d * d }
                v /= Float(n)
                let rs = 1 / (v + eps).squareRoot()
                rstd[r] = rs
                for j in 0..<n {
                    let xh = (p[b + j] - mean) * rs
                    if needGrad { h[b + j] = xh }
                    o[b + j] = xh * pg[j] + pb[j]
                }
            }
        } }
    } } }
    let y = Tensor(shape: vx.shape, data: out)
    let xh = xhat
    return makeResult(y, [x, gamma, beta]) { g in
        var dx = [Float](repeating: 0, count: vx.count)
        var dg = [Float](repeating: 0, count: n)
        var db = [Float](repeating: 0, count: n)
        g.data.withUnsafeBufferPointer { pg in xh.withUnsafeBufferPointer { h in vg.data.withUnsafeBufferPointer { gam in
            for r in 0..<rows {
                let b = r * n
                var s1: Float = 0, s2: Float = 0
                for j in 0..<n {
                    let gy = pg[b + j]
                    dg[j] += gy * h[b + j]
                    db[j] += gy
                    let gxh = gy * gam[j]
                    s1 += gxh
                    s2 += gxh * h[b + j]
                }
                let rs = rstd[r], invN = 1 / Float(n)
                for j in 0..<n {
                    let gxh = pg[b + j] * gam[j]
                    dx[b + j] = rs * (gxh - invN * s1 - h[b + j] * invN * s2)
                }
            }
        } } }
        return [Tensor(shape: vx.shape, data: dx), Tensor(shape: [n], data: dg), Tensor(shape: [n], data: db)]
    }
}

// MARK: dropout and masking

extension Var {
    /// Inverted dropout: zeroes each element with probability `p` and scales the rest by
    /// 1/(1−p). Identity when `p == 0`.
    public func dropout(_ p: Float, using rng: inout SeededRNG) -> Var {
        precondition(p >= 0 && p < 1, "dropout probability \(p) outside [0, 1)")
        if p == 0 { return self }
        let keep = 1 / (1 - p)
        var m = [Float](repeating: 0, count: value.count)
        for i in 0..<m.count { m[i] = rng.nextFloat() >= p ? keep : 0 }
        let mask = Tensor(shape: shape, data: m)
        return makeResult(Kernels.zip(value, mask, *), [self]) { g in [Kernels.zip(g, mask, *)] }
    }

    /// Elements where `mask` (broadcast to this shape) is 0 replaced by `fill`; no gradient
    /// flows to replaced elements.
    public func masked(by mask: Tensor, fill: Float) -> Var {
        let keep = Kernels.broadcast(Tensor.zeros(shape), mask, { _, m in m != 0 ? 1 : 0 })
        let y = Kernels.zip(value, keep) { v, k in k != 0 ? v : fill }
        return makeResult(y, [self]) { g in [Kernels.zip(g, keep, *)] }
    }
}
