// Inference kernels over plain Float arrays (no tape, no Tensor allocation per call), for
// models that run forward only (Speech's Whisper). Pointer code stays here so that callers
// use safe array-level APIs. Matrices are row-major with explicit leading dimensions and
// element offsets, so a caller can address one attention head inside a wider matrix.
import COpenBLAS

public enum Inference {
    /// C[m×n] (at `cOffset`, leading dimension `ldc`) = alpha · op(A) · op(B) + beta · C.
    public static func gemm(transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int,
                            alpha: Float = 1, _ a: [Float], aOffset: Int = 0, lda: Int,
                            _ b: [Float], bOffset: Int = 0, ldb: Int,
                            beta: Float = 0, into c: inout [Float], cOffset: Int = 0, ldc: Int) {
        let aRows = transposeA ? k : m, aCols = transposeA ? m : k
        let bRows = transposeB ? n : k, bCols = transposeB ? k : n
        precondition(m >= 0 && n >= 0 && k >= 0 && lda >= aCols && ldb >= bCols && ldc >= n,
                     "gemm: bad dimensions m \(m) n \(n) k \(k) lda \(lda) ldb \(ldb) ldc \(ldc)")
        if m == 0 || n == 0 { return }
        precondition(aRows == 0 || aOffset + (aRows - 1) * lda + aCols <= a.count, "gemm: A too small")
        precondition(bRows == 0 || bOffset + (bRows - 1) * ldb + bCols <= b.count, "gemm: B too small")
        precondition(cOffset + (m - 1) * ldc + n <= c.count, "gemm: C too small")
        if m == 1 {
            // A single row: sgemv streams B once; sgemm would first pack (copy) all of B.
            let incA = transposeA ? lda : 1
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    c.withUnsafeMutableBufferPointer { pc in
                        cblas_sgemv(CblasRowMajor, transposeB ? CblasNoTrans : CblasTrans,
                                    Int32(transposeB ? n : k), Int32(transposeB ? k : n), alpha,
                                    pb.baseAddress! + bOffset, Int32(ldb), pa.baseAddress! + aOffset, Int32(incA),
                                    beta, pc.baseAddress! + cOffset, 1)
                    }
                }
            }
            return
        }
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    Kernels.sgemm(transposeA, transposeB, m: m, n: n, k: k, alpha: alpha,
                                  pa.baseAddress! + aOffset, lda: lda, pb.baseAddress! + bOffset, ldb: ldb,
                                  beta: beta, pc.baseAddress! + cOffset, ldc: ldc)
                }
            }
        }
    }

    /// y[rows×out] = x[rows×in] · Wᵀ + bias, with W stored [out × in] (PyTorch/CTranslate2 layout);
    /// `outFeatures` may be nil when a bias gives the width.
    public static func linear(_ x: [Float], rows: Int, weight: [Float], outFeatures: Int?, bias: [Float]?,
                              into y: inout [Float]) {
        let n = outFeatures ?? bias?.count ?? 0
        precondition(n > 0 && weight.count % n == 0, "linear: weight of \(weight.count) values does not have \(n) rows")
        let k = weight.count / n
        precondition(x.count >= rows * k, "linear: input has \(x.count) values, needs \(rows)×\(k)")
        if y.count < rows * n { y = [Float](repeating: 0, count: rows * n) }
        if let bias {
            precondition(bias.count == n, "linear: bias has \(bias.count) values, needs \(n)")
            y.withUnsafeMutableBufferPointer { py in
                bias.withUnsafeBufferPointer { pb in
                    for r in 0..<rows { (py.baseAddress! + r * n).update(from: pb.baseAddress!, count: n) }
                }
            }
        }
        gemm(transposeB: true, m: rows, n: n, k: k, x, lda: k, weight, ldb: k, beta: bias == nil ? 0 : 1,
             into: &y, ldc: n)
    }

    /// Layer normalisation of each row of `x` [rows × gamma.count] into `y`.
    public static func layerNorm(_ x: [Float], rows: Int, gamma: [Float], beta: [Float], eps: Float = 1e-5,
                                 into y: inout [Float]) {
        let d = gamma.count
        precondition(beta.count == d && x.count >= rows * d, "layerNorm: shapes differ")
        if y.count < rows * d { y = [Float](repeating: 0, count: rows * d) }
        x.withUnsafeBufferPointer { px in
            y.withUnsafeMutableBufferPointer { py in
                gamma.withUnsafeBufferPointer { pg in
                    beta.withUnsafeBufferPointer { pb in
                        for r in 0..<rows {
                            let row = px.baseAddress! + r * d
                            var mean: Float = 0
                            for i in 0..<d { mean += row[i] }
                            mean /= Float(d)
                            var variance: Float = 0
                            for i in 0..<d { let v = row[i] - mean; variance += v * v }
                            variance /= Float(d)
                            let inv = 1 / (variance + eps).squareRoot()
                            let out = py.baseAddress! + r * d
                            for i in 0..<d { out[i] = (row[i] - mean) * inv * pg[i] + pb[i] }
                        }
                    }
                }
            }
        }
    }

    /// GELU (erf form) in place on the first `count` elements.
    public static func gelu(_ x: inout [Float], count: Int? = nil) {
        let n = count ?? x.count
        x.withUnsafeMutableBufferPointer { p in
            for i in 0..<n {
                let v = p[i]
                p[i] = 0.5 * v * (1 + FastMath.erf(v * 0.70710678118654752))
            }
        }
    }

    /// x[i] += y[i] for the first `count` elements (residual connections).
    public static func add(_ y: [Float], to x: inout [Float], count: Int? = nil) {
        let n = count ?? x.count
        precondition(y.count >= n && x.count >= n, "add: arrays shorter than \(n)")
        x.withUnsafeMutableBufferPointer { px in
            y.withUnsafeBufferPointer { py in for i in 0..<n { px[i] += py[i] } }
        }
    }

    /// Softmax of each row of `x` (`rows` rows of `columns` values, leading dimension `ld`), in place,
    /// over the first `valid` columns of each row (the rest set to 0: masked positions).
    public static func softmaxRows(_ x: inout [Float], offset: Int = 0, rows: Int, columns: Int, ld: Int? = nil,
                                   valid: Int? = nil) {
        let stride = ld ?? columns
        let v = valid ?? columns
        precondition(rows == 0 || offset + (rows - 1) * stride + columns <= x.count, "softmaxRows: array too small")
        x.withUnsafeMutableBufferPointer { p in
            for r in 0..<rows {
                let row = p.baseAddress! + offset + r * stride
                // Four partial maxima/sums so the loops vectorise (no serial FP reduction chain).
                var m0 = -Float.infinity, m1 = m0, m2 = m0, m3 = m0
                var i = 0
                while i + 4 <= v {
                    m0 = Swift.max(m0, row[i]); m1 = Swift.max(m1, row[i + 1])
                    m2 = Swift.max(m2, row[i + 2]); m3 = Swift.max(m3, row[i + 3])
                    i += 4
                }
                while i < v { m0 = Swift.max(m0, row[i]); i += 1 }
                let m = Swift.max(Swift.max(m0, m1), Swift.max(m2, m3))
                for j in 0..<v { row[j] = FastMath.exp(row[j] - m) }
                var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
                i = 0
                while i + 4 <= v { s0 += row[i]; s1 += row[i + 1]; s2 += row[i + 2]; s3 += row[i + 3]; i += 4 }
                while i < v { s0 += row[i]; i += 1 }
                let s = (s0 + s1) + (s2 + s3)
                let inv = 1 / s
                for j in 0..<v { row[j] *= inv }
                if v < columns { for i in v..<columns { row[i] = 0 } }
            }
        }
    }
}
