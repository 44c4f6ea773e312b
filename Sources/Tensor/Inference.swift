// Inference kernels over plain Float arrays (no tape, no Tensor allocation per call), for
// models that run forward only (Speech's Whisper). Pointer code stays here so that callers
// use safe array-level APIs. Matrices are row-major with explicit leading dimensions and
// element offsets, so a caller can address one attention head inside a wider matrix.

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

    /// y[rows×out] = x[rows×in] · Wᵀ + bias, with W stored [out × in] (PyTorch/CTranslate2 layout).
    public static func linear(_ x: [Float], rows: Int, weight: [Float], bias: [Float]?, into y: inout [Float]) {
        let outFeatures = bias?.count ?? 0
        linear(x, rows: rows, weight: weight, outFeatures: outFeatures > 0 ? outFeatures : nil, bias: bias, into: &y)
    }

    /// As `linear(_:rows:weight:bias:into:)`, with the output width given when there is no bias.
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
                var m = -Float.infinity
                for i in 0..<v where row[i] > m { m = row[i] }
                var s: Float = 0
                for i in 0..<v { let e = FastMath.exp(row[i] - m); row[i] = e; s += e }
                let inv = 1 / s
                for i in 0..<v { row[i] *= inv }
                if v < columns { for i in v..<columns { row[i] = 0 } }
            }
        }
    }
}
