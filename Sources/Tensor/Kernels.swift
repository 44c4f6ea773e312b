// Plain tensor kernels (no autodiff): elementwise with broadcasting, reductions, sgemm.
import COpenBLAS

enum Kernels {
    // MARK: sgemm

    /// C[m×n] = alpha · op(A) · op(B) + beta · C, row-major, with leading dimensions.
    @inline(__always)
    static func sgemm(_ transA: Bool, _ transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
                      _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
                      beta: Float = 0, _ c: UnsafeMutablePointer<Float>, ldc: Int) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            if beta == 0 { for i in 0..<m { for j in 0..<n { c[i * ldc + j] = 0 } } }
            return
        }
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// y[rows] = W[rows × columns] · x, row-major W; four rows at a time so the compiler keeps
    /// four independent accumulators (vectorised over columns).
    @inline(__always)
    static func matvec(_ w: UnsafePointer<Float>, rows: Int, columns: Int, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        var r = 0
        while r + 4 <= rows {
            let w0 = w + r * columns, w1 = w0 + columns, w2 = w1 + columns, w3 = w2 + columns
            var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
            for k in 0..<columns {
                let v = x[k]
                s0 += w0[k] * v; s1 += w1[k] * v; s2 += w2[k] * v; s3 += w3[k] * v
            }
            y[r] = s0; y[r + 1] = s1; y[r + 2] = s2; y[r + 3] = s3
            r += 4
        }
        while r < rows {
            var s: Float = 0
            for k in 0..<columns { s += w[r * columns + k] * x[k] }
            y[r] = s
            r += 1
        }
    }

    /// Matrix product of the last two axes, batched over a shared leading batch axis (rank 2 or 3).
    static func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
        precondition(a.rank == b.rank && (a.rank == 2 || a.rank == 3), "matmul needs two rank-2 or two rank-3 tensors, got \(a.shape) and \(b.shape)")
        let batch = a.rank == 3 ? a.shape[0] : 1
        if a.rank == 3 { precondition(b.shape[0] == batch, "matmul batch \(a.shape) vs \(b.shape)") }
        let ar = a.shape[a.rank - 2], ac = a.shape[a.rank - 1]
        let br = b.shape[b.rank - 2], bc = b.shape[b.rank - 1]
        let m = transposeA ? ac : ar, k = transposeA ? ar : ac
        let k2 = transposeB ? bc : br, n = transposeB ? br : bc
        precondition(k == k2, "matmul inner dimensions differ: \(a.shape)\(transposeA ? "ᵀ" : "") · \(b.shape)\(transposeB ? "ᵀ" : "")")
        var out = [Float](repeating: 0, count: batch * m * n)
        a.data.withUnsafeBufferPointer { pa in
            b.data.withUnsafeBufferPointer { pb in
                out.withUnsafeMutableBufferPointer { pc in
                    for i in 0..<batch {
                        sgemm(transposeA, transposeB, m: m, n: n, k: k,
                              pa.baseAddress! + i * ar * ac, lda: ac,
                              pb.baseAddress! + i * br * bc, ldb: bc,
                              pc.baseAddress! + i * m * n, ldc: n)
                    }
                }
            }
        }
        return Tensor(shape: a.rank == 3 ? [batch, m, n] : [m, n], data: out)
    }

    // MARK: elementwise

    static func map(_ a: Tensor, _ f: (Float) -> Float) -> Tensor {
        var out = [Float](repeating: 0, count: a.count)
        a.data.withUnsafeBufferPointer { p in
            out.withUnsafeMutableBufferPointer { o in for i in 0..<p.count { o[i] = f(p[i]) } }
        }
        return Tensor(shape: a.shape, data: out)
    }

    static func zip(_ a: Tensor, _ b: Tensor, _ f: (Float, Float) -> Float) -> Tensor {
        precondition(a.count == b.count, "elementwise \(a.shape) vs \(b.shape)")
        var out = [Float](repeating: 0, count: a.count)
        a.data.withUnsafeBufferPointer { p in
            b.data.withUnsafeBufferPointer { q in
                out.withUnsafeMutableBufferPointer { o in for i in 0..<p.count { o[i] = f(p[i], q[i]) } }
            }
        }
        return Tensor(shape: a.shape, data: out)
    }

    /// a + b for equal shapes, as a plain loop: through `zip`'s closure the residual additions
    /// of the encoder were a call per element (~3 % of an utterance's inference).
    static func add(_ a: Tensor, _ b: Tensor) -> Tensor {
        precondition(a.count == b.count, "elementwise \(a.shape) vs \(b.shape)")
        var out = [Float](repeating: 0, count: a.count)
        a.data.withUnsafeBufferPointer { p in
            b.data.withUnsafeBufferPointer { q in
                out.withUnsafeMutableBufferPointer { o in for i in 0..<p.count { o[i] = p[i] + q[i] } }
            }
        }
        return Tensor(shape: a.shape, data: out)
    }

    static func scale(_ a: Tensor, _ s: Float) -> Tensor { map(a) { $0 * s } }

    /// Shape both operands broadcast to (NumPy rules).
    static func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int] {
        let r = max(a.count, b.count)
        var out = [Int](repeating: 1, count: r)
        for i in 0..<r {
            let da = i < r - a.count ? 1 : a[i - (r - a.count)]
            let db = i < r - b.count ? 1 : b[i - (r - b.count)]
            precondition(da == db || da == 1 || db == 1, "shapes \(a) and \(b) do not broadcast")
            out[i] = da == 1 ? db : da
        }
        return out
    }

    /// Strides of `shape` seen as broadcast to `target` (0 along broadcast axes).
    static func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
        let s = Tensor.strides(of: shape)
        let off = target.count - shape.count
        return (0..<target.count).map { i in
            i < off ? 0 : (shape[i - off] == 1 && target[i] != 1 ? 0 : s[i - off])
        }
    }

    /// `f(a, b)` elementwise with broadcasting.
    static func broadcast(_ a: Tensor, _ b: Tensor, _ f: (Float, Float) -> Float) -> Tensor {
        if a.shape == b.shape { return zip(a, b, f) }
        let shape = broadcastShape(a.shape, b.shape)
        let n = shape.reduce(1, *)
        var out = [Float](repeating: 0, count: n)
        // Fast path: one operand is the full shape and the other repeats along leading axes.
        if a.count == n, n > 0, b.count > 0, isSuffix(b.shape, of: shape) {
            let m = b.count
            a.data.withUnsafeBufferPointer { p in b.data.withUnsafeBufferPointer { q in
                out.withUnsafeMutableBufferPointer { o in
                    var i = 0
                    while i < n { for j in 0..<m { o[i + j] = f(p[i + j], q[j]) }; i += m }
                } } }
            return Tensor(shape: shape, data: out)
        }
        if b.count == n, n > 0, a.count > 0, isSuffix(a.shape, of: shape) {
            let m = a.count
            a.data.withUnsafeBufferPointer { p in b.data.withUnsafeBufferPointer { q in
                out.withUnsafeMutableBufferPointer { o in
                    var i = 0
                    while i < n { for j in 0..<m { o[i + j] = f(p[j], q[i + j]) }; i += m }
                } } }
            return Tensor(shape: shape, data: out)
        }
        let sa = broadcastStrides(a.shape, to: shape), sb = broadcastStrides(b.shape, to: shape)
        let r = shape.count
        var idx = [Int](repeating: 0, count: r)
        var ia = 0, ib = 0
        a.data.withUnsafeBufferPointer { p in b.data.withUnsafeBufferPointer { q in
            out.withUnsafeMutableBufferPointer { o in
                for i in 0..<n {
                    o[i] = f(p[ia], q[ib])
                    var d = r - 1
                    while d >= 0 {
                        idx[d] += 1; ia += sa[d]; ib += sb[d]
                        if idx[d] < shape[d] { break }
                        ia -= sa[d] * shape[d]; ib -= sb[d] * shape[d]; idx[d] = 0
                        d -= 1
                    }
                }
            } } }
        return Tensor(shape: shape, data: out)
    }

    /// True when `s` (leading 1s dropped) equals the trailing axes of `full`.
    static func isSuffix(_ s: [Int], of full: [Int]) -> Bool {
        let t = Array(s.drop(while: { $0 == 1 }))
        return t.count <= full.count && Array(full.suffix(t.count)) == t
    }

    /// Sums `g` down to `shape` (the inverse of broadcasting `shape` up to `g.shape`).
    static func sumTo(_ g: Tensor, _ shape: [Int]) -> Tensor {
        if g.shape == shape { return g }
        let n = g.count
        let m = shape.reduce(1, *)
        var out = [Float](repeating: 0, count: m)
        if m > 0, n > 0, isSuffix(shape, of: g.shape) {
            g.data.withUnsafeBufferPointer { p in out.withUnsafeMutableBufferPointer { o in
                var i = 0
                while i < n { for j in 0..<m { o[j] += p[i + j] }; i += m }
            } }
            return Tensor(shape: shape, data: out)
        }
        let full = g.shape
        let so = broadcastStrides(shape, to: full)
        let r = full.count
        var idx = [Int](repeating: 0, count: r)
        var io = 0
        g.data.withUnsafeBufferPointer { p in out.withUnsafeMutableBufferPointer { o in
            for i in 0..<n {
                o[io] += p[i]
                var d = r - 1
                while d >= 0 {
                    idx[d] += 1; io += so[d]
                    if idx[d] < full[d] { break }
                    io -= so[d] * full[d]; idx[d] = 0
                    d -= 1
                }
            }
        } }
        return Tensor(shape: shape, data: out)
    }

    // MARK: reductions

    /// (outer, axis length, inner) of `shape` around `axis`.
    static func split(_ shape: [Int], _ axis: Int) -> (Int, Int, Int) {
        (shape[..<axis].reduce(1, *), shape[axis], shape[(axis + 1)...].reduce(1, *))
    }

    static func sum(_ a: Tensor, axis: Int) -> Tensor {
        let (outer, len, inner) = split(a.shape, axis)
        var out = [Float](repeating: 0, count: outer * inner)
        a.data.withUnsafeBufferPointer { p in out.withUnsafeMutableBufferPointer { o in
            for i in 0..<outer {
                for j in 0..<len {
                    let base = (i * len + j) * inner
                    for k in 0..<inner { o[i * inner + k] += p[base + k] }
                }
            }
        } }
        var s = a.shape
        s[axis] = 1
        return Tensor(shape: s, data: out)
    }
}

/// Normalizes a possibly negative axis against `rank`.
@inline(__always)
func normalizeAxis(_ axis: Int, _ rank: Int) -> Int {
    let a = axis < 0 ? axis + rank : axis
    precondition(a >= 0 && a < rank, "axis \(axis) out of range for rank \(rank)")
    return a
}

/// Controls for the OpenBLAS library behind matrix products.
public enum BLAS {
    /// Sets the number of threads OpenBLAS uses (for benchmarks that pin thread counts).
    public static func setThreadCount(_ n: Int) { openblas_set_num_threads(Int32(max(1, n))) }
    public static var threadCount: Int { Int(openblas_get_num_threads()) }
}
