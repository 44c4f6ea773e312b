// Fast Fourier transforms of any length, Float32, split complex (separate real and
// imaginary arrays). Mixed-radix Stockham autosort (radices 4, 2, 3, 5 and a generic
// odd radix for small primes); lengths with a prime factor above 61 go through
// Bluestein's chirp-z algorithm. Forward transform uses e^{-2πi nk/N}, no scaling;
// the inverse uses e^{+2πi nk/N} and, like numpy/MATLAB `ifft`, divides by N.
import Foundation

/// A plan for complex FFTs of one length. Build once, reuse for every frame.
public struct FFT: Sendable {
    public let count: Int
    private let radices: [Int]
    /// Per stage, twiddles w^(p·k) for p in 0..<m, k in 1..<P, laid out [p*(P-1) + (k-1)]
    /// from the stage's offset; all stages in one array (an array per stage was retained
    /// and released around every stage of every transform).
    private let twRe: [Float]
    private let twIm: [Float]
    private let twOffset: [Int]
    private let bluestein: Bluestein?
    /// For a first radix-4 stage: its twiddles as [1, w^p, w^2p, w^3p] per p (real and
    /// imaginary parts), so that a zero-padded first stage forms its four outputs of one
    /// input on SIMD4 lanes from contiguous loads.
    private let firstRe: [Float], firstIm: [Float]

    public init(count: Int) {
        precondition(count >= 1, "FFT length must be at least 1")
        self.count = count
        var n = count
        var f: [Int] = []
        while n % 4 == 0 { f.append(4); n /= 4 }
        while n % 2 == 0 { f.append(2); n /= 2 }
        var p = 3
        while n > 1 && p <= 61 {
            while n % p == 0 { f.append(p); n /= p }
            p += 2
        }
        if n > 1 {
            radices = []; twRe = []; twIm = []; twOffset = []; firstRe = []; firstIm = []
            bluestein = Bluestein(count: count)
            return
        }
        bluestein = nil
        radices = f
        var tre: [[Float]] = [], tim: [[Float]] = []
        var len = count
        for r in f {
            let m = len / r
            var re = [Float](repeating: 0, count: m * (r - 1))
            var im = [Float](repeating: 0, count: m * (r - 1))
            for pp in 0..<m {
                for k in 1..<r {
                    let a = -2.0 * Double.pi * Double(pp * k) / Double(len)
                    re[pp * (r - 1) + k - 1] = Float(cos(a))
                    im[pp * (r - 1) + k - 1] = Float(sin(a))
                }
            }
            tre.append(re); tim.append(im)
            len = m
        }
        twRe = tre.flatMap { $0 }; twIm = tim.flatMap { $0 }
        var offsets: [Int] = [], o = 0
        for t in tre { offsets.append(o); o += t.count }
        twOffset = offsets
        if f.first == 4 {
            let m = count / 4
            var fr = [Float](repeating: 0, count: 4 * m), fi = fr
            for pp in 0..<m {
                fr[4 * pp] = 1
                for k in 1..<4 { fr[4 * pp + k] = tre[0][pp * 3 + k - 1]; fi[4 * pp + k] = tim[0][pp * 3 + k - 1] }
            }
            firstRe = fr; firstIm = fi
        } else {
            firstRe = []; firstIm = []
        }
    }

    /// In-place forward transform of `re` + i·`im` (both of length `count`).
    public func forward(re: inout [Float], im: inout [Float]) {
        precondition(re.count == count && im.count == count, "FFT input length differs from plan length \(count)")
        if let b = bluestein { b.transform(re: &re, im: &im, inverse: false); return }
        run(re: &re, im: &im, conjugate: false)
    }

    /// In-place inverse transform, scaled by 1/count.
    public func inverse(re: inout [Float], im: inout [Float]) {
        precondition(re.count == count && im.count == count, "FFT input length differs from plan length \(count)")
        if let b = bluestein {
            b.transform(re: &re, im: &im, inverse: true)
        } else {
            run(re: &re, im: &im, conjugate: true)
        }
        let s = 1 / Float(count)
        for i in 0..<count { re[i] *= s; im[i] *= s }
    }

    /// Forward transform of input whose entries from `nonzero` on are taken as zero
    /// (zero-padded frames; those entries need not be set): the first radix-4 or radix-2
    /// stage then has one non-zero input per butterfly and skips the all-zero ones. Same
    /// values as `forward(re:im:)` of the input with those entries zeroed.
    func forward(re: inout [Float], im: inout [Float], nonzero: Int) {
        precondition(re.count == count && im.count == count, "FFT input length differs from plan length \(count)")
        if let b = bluestein {
            FFT.zeroTail(&re, &im, from: nonzero)
            b.transform(re: &re, im: &im, inverse: false); return
        }
        run(re: &re, im: &im, conjugate: false, nonzero: nonzero)
    }

    /// Sets re and im to 0 from index `from` on.
    private static func zeroTail(_ re: inout [Float], _ im: inout [Float], from: Int) {
        let lo = max(0, min(from, re.count))
        for i in lo..<re.count { re[i] = 0; im[i] = 0 }
    }

    /// An array of `n` Floats whose entries the caller writes before reading (no zero-fill).
    static func unfilled(_ n: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: n) { _, count in count = n }
    }

    /// `forward(re:im:)` with at most eight SIMD lanes per stage (the reference the
    /// sixteen-lane stages of AVX-512 builds are tested against).
    func forwardEightLanes(re: inout [Float], im: inout [Float]) {
        precondition(re.count == count && im.count == count, "FFT input length differs from plan length \(count)")
        if let b = bluestein { b.transform(re: &re, im: &im, inverse: false); return }
        run(re: &re, im: &im, conjugate: false, sixteenLanes: false)
    }

    // conj(FFT(conj(x))) = IFFT(x)·N, so the inverse negates im before and after.
    private func run(re: inout [Float], im: inout [Float], conjugate: Bool, nonzero: Int = Int.max,
                     sixteenLanes: Bool = KernelBuild.sixteenLaneRegisters) {
        let n = count
        if n == 1 { return }
        if conjugate { for i in 0..<n { im[i] = -im[i] } }
        // y is written by the stages before any read: no fill of the whole array.
        var yr = FFT.unfilled(n), yi = FFT.unfilled(n)
        let inX = stages(&re, &im, &yr, &yi, nonzero: nonzero, sparseStages: false, sixteenLanes: sixteenLanes)
        if !inX { re = yr; im = yi }
        if conjugate { for i in 0..<n { im[i] = -im[i] } }
    }

    /// Forward transform of re + i·im whose entries from `nonzero` on are taken as zero (not
    /// read), with `yr`/`yi` (`count` each) as the caller's work arrays: no allocation. Every
    /// stage whose butterflies see at most one non-zero input forms its outputs from that
    /// input alone (a short frame in a long transform: H1H2's ≈ 125 of 8000 inputs keep the
    /// first two or three stages so). Values: `forward(re:im:)`'s, except that an exactly zero
    /// output may differ in the sign of zero. True when the result is in re/im, false when
    /// it is in yr/yi.
    func forward(re: inout [Float], im: inout [Float], nonzero: Int, work yr: inout [Float], _ yi: inout [Float]) -> Bool {
        precondition(re.count == count && im.count == count && yr.count == count && yi.count == count,
                     "FFT input or work length differs from plan length \(count)")
        if let b = bluestein {
            FFT.zeroTail(&re, &im, from: nonzero)
            b.transform(re: &re, im: &im, inverse: false); return true
        }
        if count == 1 {
            if nonzero < 1 { re[0] = 0; im[0] = 0 }
            return true
        }
        return stages(&re, &im, &yr, &yi, nonzero: nonzero, sparseStages: true, sixteenLanes: KernelBuild.sixteenLaneRegisters)
    }

    /// The Stockham stages from x = re + i·im (entries from `nonzero` on taken as zero) with
    /// y as the other buffer; true when the result is in x. A stage of m butterflies whose
    /// inputs lie m·s apart sees at most one non-zero input per butterfly while nonzero ≤ m,
    /// and its outputs are that input times the twiddles (the full butterfly only adds zeros
    /// to it). Such a first radix-4 or radix-2 stage is always formed so; with
    /// `sparseStages`, every such stage (they come first: m only shrinks), which may change
    /// the sign of an exactly zero output.
    private func stages(_ re: inout [Float], _ im: inout [Float], _ yr: inout [Float], _ yi: inout [Float],
                        nonzero: Int, sparseStages: Bool, sixteenLanes: Bool) -> Bool {
        let n = count
        let nz = max(0, min(nonzero, n))
        let firstSparse = nz <= n / radices[0] && (sparseStages || radices[0] == 4 || radices[0] == 2)
        if !firstSparse && nz < n { FFT.zeroTail(&re, &im, from: nz) }     // read by a full first stage
        var inX = true, len = n, s = 1
        // All stages inside one set of buffer-pointer scopes.
        twRe.withUnsafeBufferPointer { wrAll in
        twIm.withUnsafeBufferPointer { wiAll in
        firstRe.withUnsafeBufferPointer { f4r in
        firstIm.withUnsafeBufferPointer { f4i in
        re.withUnsafeMutableBufferPointer { xr in
        im.withUnsafeMutableBufferPointer { xi in
        yr.withUnsafeMutableBufferPointer { ur in
        yi.withUnsafeMutableBufferPointer { ui in
            for stage in 0..<radices.count {
                let r = radices[stage]
                let m = len / r
                let tw = twOffset[stage]..<(twOffset[stage] + m * (r - 1))
                let wr = UnsafeBufferPointer(rebasing: wrAll[tw]), wi = UnsafeBufferPointer(rebasing: wiAll[tw])
                let (ar, ai, br, bi) = inX ? (xr, xi, ur, ui) : (ur, ui, xr, xi)
                if stage == 0 ? firstSparse : (sparseStages && nz <= m) {
                    if stage == 0 && r == 4 {
                        FFT.sparseFirstRadix4(nz, ar, ai, br, bi, f4r, f4i)
                    } else {
                        FFT.sparseStage(r, m, s, nz, ar, ai, br, bi, wr, wi, sixteenLanes)
                    }
                    // The outputs of the all-zero butterflies, unless the next stage is sparse
                    // too (it reads only those of butterflies p < nz).
                    let nextM = stage + 1 < radices.count ? m / radices[stage + 1] : -1
                    if !(sparseStages && nz <= nextM) && nz < m {
                        let from = s * r * nz
                        (br.baseAddress! + from).update(repeating: 0, count: n - from)
                        (bi.baseAddress! + from).update(repeating: 0, count: n - from)
                    }
                } else {
                    FFT.dispatch(r, m, s, ar, ai, br, bi, wr, wi, sixteenLanes)
                }
                inX.toggle()
                len = m; s *= r
            }
        }
        }
        }
        }
        }
        }
        }
        }
        return inX
    }

    /// A first radix-4 stage with the one non-zero input a = x[p] (p < nz):
    /// y[4p + k] = a·w^(pk), y[4p] = a, the four outputs on SIMD4 lanes from contiguous
    /// twiddle loads (the scalar loop was a third of the 16000-point transforms' time).
    private static func sparseFirstRadix4(_ nz: Int,
                                          _ xr: UnsafeMutableBufferPointer<Float>, _ xi: UnsafeMutableBufferPointer<Float>,
                                          _ yr: UnsafeMutableBufferPointer<Float>, _ yi: UnsafeMutableBufferPointer<Float>,
                                          _ wr: UnsafeBufferPointer<Float>, _ wi: UnsafeBufferPointer<Float>) {
        let wrb = UnsafeRawPointer(wr.baseAddress!), wib = UnsafeRawPointer(wi.baseAddress!)
        let urb = UnsafeMutableRawPointer(yr.baseAddress!), uib = UnsafeMutableRawPointer(yi.baseAddress!)
        for p in 0..<nz {
            let ar = xr[p], ai = xi[p]
            let w4r = wrb.loadUnaligned(fromByteOffset: 16 * p, as: SIMD4<Float>.self)
            let w4i = wib.loadUnaligned(fromByteOffset: 16 * p, as: SIMD4<Float>.self)
            let a4r = SIMD4<Float>(repeating: ar), a4i = SIMD4<Float>(repeating: ai)
            var y4r = a4r * w4r - a4i * w4i, y4i = a4r * w4i + a4i * w4r
            y4r[0] = ar; y4i[0] = ai
            urb.storeBytes(of: y4r, toByteOffset: 16 * p, as: SIMD4<Float>.self)
            uib.storeBytes(of: y4i, toByteOffset: 16 * p, as: SIMD4<Float>.self)
        }
    }

    /// A stage whose butterflies p < nz have the one non-zero input a = x[q + s·p]:
    /// y[o] = a, y[o + k·s] = a·w^(pk) (o = q + s·r·p), the products of the full butterfly's
    /// twiddle step. Lanes over q when s allows, else scalar. The outputs of p ≥ nz are not
    /// written.
    private static func sparseStage(_ r: Int, _ m: Int, _ s: Int, _ nz: Int,
                                    _ xr: UnsafeMutableBufferPointer<Float>, _ xi: UnsafeMutableBufferPointer<Float>,
                                    _ yr: UnsafeMutableBufferPointer<Float>, _ yi: UnsafeMutableBufferPointer<Float>,
                                    _ wr: UnsafeBufferPointer<Float>, _ wi: UnsafeBufferPointer<Float>, _ sixteenLanes: Bool) {
        if sixteenLanes && s % 16 == 0 {
            sparseLanes(SIMD16<Float>.self, r, m, s, nz, xr, xi, yr, yi, wr, wi)
        } else if s % 4 == 0 {
            sparseLanes(SIMD4<Float>.self, r, m, s, nz, xr, xi, yr, yi, wr, wi)
        } else {
            for p in 0..<min(nz, m) {
                for q in 0..<s {
                    let o = q + s * r * p
                    let ar = xr[q + s * p], ai = xi[q + s * p]
                    yr[o] = ar; yi[o] = ai
                    for k in 1..<r {
                        let t = p * (r - 1) + k - 1
                        yr[o + k * s] = ar * wr[t] - ai * wi[t]; yi[o + k * s] = ar * wi[t] + ai * wr[t]
                    }
                }
            }
        }
    }

    /// `sparseStage` with q on V lanes (s a multiple of V.scalarCount), each lane the scalar
    /// arithmetic.
    @inline(__always)
    private static func sparseLanes<V: SIMD>(_: V.Type, _ r: Int, _ m: Int, _ s: Int, _ nz: Int,
                                             _ xr: UnsafeMutableBufferPointer<Float>, _ xi: UnsafeMutableBufferPointer<Float>,
                                             _ yr: UnsafeMutableBufferPointer<Float>, _ yi: UnsafeMutableBufferPointer<Float>,
                                             _ wr: UnsafeBufferPointer<Float>, _ wi: UnsafeBufferPointer<Float>) where V.Scalar == Float {
        let w = V.scalarCount
        let xrb = UnsafeRawPointer(xr.baseAddress!), xib = UnsafeRawPointer(xi.baseAddress!)
        let yrb = UnsafeMutableRawPointer(yr.baseAddress!), yib = UnsafeMutableRawPointer(yi.baseAddress!)
        @inline(__always) func ld(_ b: UnsafeRawPointer, _ i: Int) -> V { b.loadUnaligned(fromByteOffset: i &* 4, as: V.self) }
        @inline(__always) func st(_ b: UnsafeMutableRawPointer, _ i: Int, _ v: V) { b.storeBytes(of: v, toByteOffset: i &* 4, as: V.self) }
        for p in 0..<min(nz, m) {
            var q = 0
            while q < s {
                let ar = ld(xrb, q &+ s &* p), ai = ld(xib, q &+ s &* p), o = q &+ s &* r &* p
                st(yrb, o, ar); st(yib, o, ai)
                for k in 1..<r {
                    let t = p * (r - 1) + k - 1
                    let cr = V(repeating: wr[t]), ci = V(repeating: wi[t])
                    st(yrb, o &+ k &* s, ar * cr - ai * ci); st(yib, o &+ k &* s, ar * ci + ai * cr)
                }
                q += w
            }
        }
    }

    /// Stages whose butterflies repeat over `s` contiguous q run on SIMD lanes (each lane
    /// does the scalar arithmetic of one q, so the values are those of `stage`).
    @inline(__always)
    private static func dispatch(_ r: Int, _ m: Int, _ s: Int,
                                 _ xr: UnsafeMutableBufferPointer<Float>, _ xi: UnsafeMutableBufferPointer<Float>,
                                 _ yr: UnsafeMutableBufferPointer<Float>, _ yi: UnsafeMutableBufferPointer<Float>,
                                 _ wr: UnsafeBufferPointer<Float>, _ wi: UnsafeBufferPointer<Float>, _ sixteenLanes: Bool) {
        if sixteenLanes && r <= 5 && s % 16 == 0 {
            // AVX-512: a whole register per vector, half the instructions of eight lanes.
            stageSIMD(SIMD16<Float>.self, r, m, s, xr, xi, yr, yi, wr, wi)
        } else if r <= 5 && s % 8 == 0 {
            stageSIMD(SIMD8<Float>.self, r, m, s, xr, xi, yr, yi, wr, wi)
        } else if r <= 5 && s % 4 == 0 {
            stageSIMD(SIMD4<Float>.self, r, m, s, xr, xi, yr, yi, wr, wi)
        } else {
            stage(r, m, s, xr, xi, yr, yi, wr, wi)
        }
    }

    /// `stage` for radix 2, 3, 4, 5 with q in blocks of V.scalarCount (s a multiple of it).
    @inline(__always)
    private static func stageSIMD<V: SIMD>(_: V.Type, _ r: Int, _ m: Int, _ s: Int,
                                           _ xr: UnsafeMutableBufferPointer<Float>, _ xi: UnsafeMutableBufferPointer<Float>,
                                           _ yr: UnsafeMutableBufferPointer<Float>, _ yi: UnsafeMutableBufferPointer<Float>,
                                           _ wr: UnsafeBufferPointer<Float>, _ wi: UnsafeBufferPointer<Float>) where V.Scalar == Float {
        let sm = s * m, w = V.scalarCount
        let xrb = UnsafeRawPointer(xr.baseAddress!), xib = UnsafeRawPointer(xi.baseAddress!)
        let yrb = UnsafeMutableRawPointer(yr.baseAddress!), yib = UnsafeMutableRawPointer(yi.baseAddress!)
        @inline(__always) func ld(_ b: UnsafeRawPointer, _ i: Int) -> V { b.loadUnaligned(fromByteOffset: i * 4, as: V.self) }
        @inline(__always) func st(_ b: UnsafeMutableRawPointer, _ i: Int, _ v: V) { b.storeBytes(of: v, toByteOffset: i * 4, as: V.self) }
        switch r {
        case 2:
            for p in 0..<m {
                let w1r = V(repeating: wr[p]), w1i = V(repeating: wi[p])
                var q = 0
                while q < s {
                    let i0 = q + s * p, i1 = i0 + sm
                    let ar = ld(xrb, i0), ai = ld(xib, i0), br = ld(xrb, i1), bi = ld(xib, i1)
                    let o = q + s * 2 * p
                    st(yrb, o, ar + br); st(yib, o, ai + bi)
                    let dr = ar - br, di = ai - bi
                    st(yrb, o + s, dr * w1r - di * w1i); st(yib, o + s, dr * w1i + di * w1r)
                    q += w
                }
            }
        case 4:
            for p in 0..<m {
                let t = p * 3
                let w1r = V(repeating: wr[t]), w1i = V(repeating: wi[t])
                let w2r = V(repeating: wr[t + 1]), w2i = V(repeating: wi[t + 1])
                let w3r = V(repeating: wr[t + 2]), w3i = V(repeating: wi[t + 2])
                var q = 0
                while q < s {
                    let i0 = q + s * p
                    let ar = ld(xrb, i0), ai = ld(xib, i0)
                    let br = ld(xrb, i0 + sm), bi = ld(xib, i0 + sm)
                    let cr = ld(xrb, i0 + 2 * sm), ci = ld(xib, i0 + 2 * sm)
                    let dr = ld(xrb, i0 + 3 * sm), di = ld(xib, i0 + 3 * sm)
                    let apcR = ar + cr, apcI = ai + ci, amcR = ar - cr, amcI = ai - ci
                    let bpdR = br + dr, bpdI = bi + di, bmdR = br - dr, bmdI = bi - di
                    let o = q + s * 4 * p
                    st(yrb, o, apcR + bpdR); st(yib, o, apcI + bpdI)
                    let y1r = amcR + bmdI, y1i = amcI - bmdR
                    let y2r = apcR - bpdR, y2i = apcI - bpdI
                    let y3r = amcR - bmdI, y3i = amcI + bmdR
                    st(yrb, o + s, y1r * w1r - y1i * w1i); st(yib, o + s, y1r * w1i + y1i * w1r)
                    st(yrb, o + 2 * s, y2r * w2r - y2i * w2i); st(yib, o + 2 * s, y2r * w2i + y2i * w2r)
                    st(yrb, o + 3 * s, y3r * w3r - y3i * w3i); st(yib, o + 3 * s, y3r * w3i + y3i * w3r)
                    q += w
                }
            }
        case 3:
            let c1 = V(repeating: -0.5), s1 = V(repeating: -0.86602540378443864676)
            for p in 0..<m {
                let t = p * 2
                let w1r = V(repeating: wr[t]), w1i = V(repeating: wi[t])
                let w2r = V(repeating: wr[t + 1]), w2i = V(repeating: wi[t + 1])
                var q = 0
                while q < s {
                    let i0 = q + s * p
                    let ar = ld(xrb, i0), ai = ld(xib, i0)
                    let br = ld(xrb, i0 + sm), bi = ld(xib, i0 + sm)
                    let cr = ld(xrb, i0 + 2 * sm), ci = ld(xib, i0 + 2 * sm)
                    let sr = br + cr, si = bi + ci, dr = br - cr, di = bi - ci
                    let o = q + s * 3 * p
                    st(yrb, o, ar + sr); st(yib, o, ai + si)
                    let mr = ar + c1 * sr, mi = ai + c1 * si
                    let y1r = mr - s1 * di, y1i = mi + s1 * dr
                    let y2r = mr + s1 * di, y2i = mi - s1 * dr
                    st(yrb, o + s, y1r * w1r - y1i * w1i); st(yib, o + s, y1r * w1i + y1i * w1r)
                    st(yrb, o + 2 * s, y2r * w2r - y2i * w2i); st(yib, o + 2 * s, y2r * w2i + y2i * w2r)
                    q += w
                }
            }
        default:   // 5
            let c1 = V(repeating: 0.30901699437494742410), c2 = V(repeating: -0.80901699437494742410)
            let s1 = V(repeating: -0.95105651629515357212), s2 = V(repeating: -0.58778525229247312917)
            for p in 0..<m {
                let t = p * 4
                let w1r = V(repeating: wr[t]), w1i = V(repeating: wi[t])
                let w2r = V(repeating: wr[t + 1]), w2i = V(repeating: wi[t + 1])
                let w3r = V(repeating: wr[t + 2]), w3i = V(repeating: wi[t + 2])
                let w4r = V(repeating: wr[t + 3]), w4i = V(repeating: wi[t + 3])
                var q = 0
                while q < s {
                    let i0 = q + s * p
                    let ar = ld(xrb, i0), ai = ld(xib, i0)
                    let br = ld(xrb, i0 + sm), bi = ld(xib, i0 + sm)
                    let cr = ld(xrb, i0 + 2 * sm), ci = ld(xib, i0 + 2 * sm)
                    let dr = ld(xrb, i0 + 3 * sm), di = ld(xib, i0 + 3 * sm)
                    let er = ld(xrb, i0 + 4 * sm), ei = ld(xib, i0 + 4 * sm)
                    let s14r = br + er, s14i = bi + ei, d14r = br - er, d14i = bi - ei
                    let s23r = cr + dr, s23i = ci + di, d23r = cr - dr, d23i = ci - di
                    let o = q + s * 5 * p
                    st(yrb, o, ar + s14r + s23r); st(yib, o, ai + s14i + s23i)
                    let m1r = ar + c1 * s14r + c2 * s23r, m1i = ai + c1 * s14i + c2 * s23i
                    let m2r = ar + c2 * s14r + c1 * s23r, m2i = ai + c2 * s14i + c1 * s23i
                    let n1r = s1 * d14r + s2 * d23r, n1i = s1 * d14i + s2 * d23i
                    let n2r = s2 * d14r - s1 * d23r, n2i = s2 * d14i - s1 * d23i
                    let y1r = m1r - n1i, y1i = m1i + n1r
                    let y4r = m1r + n1i, y4i = m1i - n1r
                    let y2r = m2r - n2i, y2i = m2i + n2r
                    let y3r = m2r + n2i, y3i = m2i - n2r
                    st(yrb, o + s, y1r * w1r - y1i * w1i); st(yib, o + s, y1r * w1i + y1i * w1r)
                    st(yrb, o + 2 * s, y2r * w2r - y2i * w2i); st(yib, o + 2 * s, y2r * w2i + y2i * w2r)
                    st(yrb, o + 3 * s, y3r * w3r - y3i * w3i); st(yib, o + 3 * s, y3r * w3i + y3i * w3r)
                    st(yrb, o + 4 * s, y4r * w4r - y4i * w4i); st(yib, o + 4 * s, y4r * w4i + y4i * w4r)
                    q += w
                }
            }
        }
    }

    @inline(__always)
    private static func stage(_ r: Int, _ m: Int, _ s: Int,
                              _ xr: UnsafeMutableBufferPointer<Float>, _ xi: UnsafeMutableBufferPointer<Float>,
                              _ yr: UnsafeMutableBufferPointer<Float>, _ yi: UnsafeMutableBufferPointer<Float>,
                              _ wr: UnsafeBufferPointer<Float>, _ wi: UnsafeBufferPointer<Float>) {
        let sm = s * m
        switch r {
        case 2:
            for p in 0..<m {
                let w1r = wr[p], w1i = wi[p]
                for q in 0..<s {
                    let i0 = q + s * p, i1 = i0 + sm
                    let ar = xr[i0], ai = xi[i0], br = xr[i1], bi = xi[i1]
                    let o = q + s * 2 * p
                    yr[o] = ar + br; yi[o] = ai + bi
                    let dr = ar - br, di = ai - bi
                    yr[o + s] = dr * w1r - di * w1i; yi[o + s] = dr * w1i + di * w1r
                }
            }
        case 4:
            for p in 0..<m {
                let t = p * 3
                let w1r = wr[t], w1i = wi[t], w2r = wr[t + 1], w2i = wi[t + 1], w3r = wr[t + 2], w3i = wi[t + 2]
                for q in 0..<s {
                    let i0 = q + s * p
                    let ar = xr[i0], ai = xi[i0]
                    let br = xr[i0 + sm], bi = xi[i0 + sm]
                    let cr = xr[i0 + 2 * sm], ci = xi[i0 + 2 * sm]
                    let dr = xr[i0 + 3 * sm], di = xi[i0 + 3 * sm]
                    let apcR = ar + cr, apcI = ai + ci, amcR = ar - cr, amcI = ai - ci
                    let bpdR = br + dr, bpdI = bi + di, bmdR = br - dr, bmdI = bi - di
                    let o = q + s * 4 * p
                    yr[o] = apcR + bpdR; yi[o] = apcI + bpdI
                    // k=1: (a-c) - i(b-d)
                    let y1r = amcR + bmdI, y1i = amcI - bmdR
                    // k=2: (a+c) - (b+d)
                    let y2r = apcR - bpdR, y2i = apcI - bpdI
                    // k=3: (a-c) + i(b-d)
                    let y3r = amcR - bmdI, y3i = amcI + bmdR
                    yr[o + s] = y1r * w1r - y1i * w1i; yi[o + s] = y1r * w1i + y1i * w1r
                    yr[o + 2 * s] = y2r * w2r - y2i * w2i; yi[o + 2 * s] = y2r * w2i + y2i * w2r
                    yr[o + 3 * s] = y3r * w3r - y3i * w3i; yi[o + 3 * s] = y3r * w3i + y3i * w3r
                }
            }
        case 3:
            let c1: Float = -0.5, s1: Float = -0.86602540378443864676
            for p in 0..<m {
                let t = p * 2
                let w1r = wr[t], w1i = wi[t], w2r = wr[t + 1], w2i = wi[t + 1]
                for q in 0..<s {
                    let i0 = q + s * p
                    let ar = xr[i0], ai = xi[i0]
                    let br = xr[i0 + sm], bi = xi[i0 + sm]
                    let cr = xr[i0 + 2 * sm], ci = xi[i0 + 2 * sm]
                    let sr = br + cr, si = bi + ci, dr = br - cr, di = bi - ci
                    let o = q + s * 3 * p
                    yr[o] = ar + sr; yi[o] = ai + si
                    let mr = ar + c1 * sr, mi = ai + c1 * si
                    // ±i·s1·d
                    let y1r = mr - s1 * di, y1i = mi + s1 * dr
                    let y2r = mr + s1 * di, y2i = mi - s1 * dr
                    yr[o + s] = y1r * w1r - y1i * w1i; yi[o + s] = y1r * w1i + y1i * w1r
                    yr[o + 2 * s] = y2r * w2r - y2i * w2i; yi[o + 2 * s] = y2r * w2i + y2i * w2r
                }
            }
        case 5:
            let c1: Float = 0.30901699437494742410, c2: Float = -0.80901699437494742410
            let s1: Float = -0.95105651629515357212, s2: Float = -0.58778525229247312917
            for p in 0..<m {
                let t = p * 4
                for q in 0..<s {
                    let i0 = q + s * p
                    let ar = xr[i0], ai = xi[i0]
                    let br = xr[i0 + sm], bi = xi[i0 + sm]
                    let cr = xr[i0 + 2 * sm], ci = xi[i0 + 2 * sm]
                    let dr = xr[i0 + 3 * sm], di = xi[i0 + 3 * sm]
                    let er = xr[i0 + 4 * sm], ei = xi[i0 + 4 * sm]
                    let s14r = br + er, s14i = bi + ei, d14r = br - er, d14i = bi - ei
                    let s23r = cr + dr, s23i = ci + di, d23r = cr - dr, d23i = ci - di
                    let o = q + s * 5 * p
                    yr[o] = ar + s14r + s23r; yi[o] = ai + s14i + s23i
                    let m1r = ar + c1 * s14r + c2 * s23r, m1i = ai + c1 * s14i + c2 * s23i
                    let m2r = ar + c2 * s14r + c1 * s23r, m2i = ai + c2 * s14i + c1 * s23i
                    // imaginary parts: k=1: s1*d14 + s2*d23 ; k=2: s2*d14 - s1*d23
                    let n1r = s1 * d14r + s2 * d23r, n1i = s1 * d14i + s2 * d23i
                    let n2r = s2 * d14r - s1 * d23r, n2i = s2 * d14i - s1 * d23i
                    // y_k = m + i*n  (k=1,2);  y_{5-k} = m - i*n
                    let y1r = m1r - n1i, y1i = m1i + n1r
                    let y4r = m1r + n1i, y4i = m1i - n1r
                    let y2r = m2r - n2i, y2i = m2i + n2r
                    let y3r = m2r + n2i, y3i = m2i - n2r
                    yr[o + s] = y1r * wr[t] - y1i * wi[t]; yi[o + s] = y1r * wi[t] + y1i * wr[t]
                    yr[o + 2 * s] = y2r * wr[t + 1] - y2i * wi[t + 1]; yi[o + 2 * s] = y2r * wi[t + 1] + y2i * wr[t + 1]
                    yr[o + 3 * s] = y3r * wr[t + 2] - y3i * wi[t + 2]; yi[o + 3 * s] = y3r * wi[t + 2] + y3i * wr[t + 2]
                    yr[o + 4 * s] = y4r * wr[t + 3] - y4i * wi[t + 3]; yi[o + 4 * s] = y4r * wi[t + 3] + y4i * wr[t + 3]
                }
            }
        default:
            // Generic small odd radix, O(r²) per butterfly.
            var cr = [Float](repeating: 0, count: r), ci = [Float](repeating: 0, count: r)
            for k in 0..<r {
                let a = -2.0 * Double.pi * Double(k) / Double(r)
                cr[k] = Float(cos(a)); ci[k] = Float(sin(a))
            }
            var ar = [Float](repeating: 0, count: r), ai = [Float](repeating: 0, count: r)
            for p in 0..<m {
                for q in 0..<s {
                    let i0 = q + s * p
                    for j in 0..<r { ar[j] = xr[i0 + j * sm]; ai[j] = xi[i0 + j * sm] }
                    let o = q + s * r * p
                    for k in 0..<r {
                        var sr: Float = 0, si: Float = 0
                        for j in 0..<r {
                            let idx = (j * k) % r
                            sr += ar[j] * cr[idx] - ai[j] * ci[idx]
                            si += ar[j] * ci[idx] + ai[j] * cr[idx]
                        }
                        if k == 0 {
                            yr[o] = sr; yi[o] = si
                        } else {
                            let t = p * (r - 1) + k - 1
                            yr[o + k * s] = sr * wr[t] - si * wi[t]
                            yi[o + k * s] = sr * wi[t] + si * wr[t]
                        }
                    }
                }
            }
        }
    }
}

/// Bluestein's algorithm for lengths with a large prime factor.
private final class Bluestein: Sendable {
    let count: Int
    let m: Int
    let chirpRe: [Float], chirpIm: [Float]   // e^{-iπ n²/N}
    let filtRe: [Float], filtIm: [Float]     // FFT of conj chirp, padded and wrapped
    let inner: FFT

    init(count n: Int) {
        count = n
        var mm = 1
        while mm < 2 * n - 1 { mm *= 2 }
        m = mm
        inner = FFT(count: mm)
        var cr = [Float](repeating: 0, count: n), ci = [Float](repeating: 0, count: n)
        for k in 0..<n {
            let kk = (k * k) % (2 * n)
            let a = -Double.pi * Double(kk) / Double(n)
            cr[k] = Float(cos(a)); ci[k] = Float(sin(a))
        }
        chirpRe = cr; chirpIm = ci
        var fr = [Float](repeating: 0, count: mm), fi = [Float](repeating: 0, count: mm)
        for k in 0..<n {
            fr[k] = cr[k]; fi[k] = -ci[k]
            if k > 0 { fr[mm - k] = cr[k]; fi[mm - k] = -ci[k] }
        }
        inner.forward(re: &fr, im: &fi)
        filtRe = fr; filtIm = fi
    }

    func transform(re: inout [Float], im: inout [Float], inverse: Bool) {
        let n = count
        if inverse { for i in 0..<n { im[i] = -im[i] } }
        var ar = [Float](repeating: 0, count: m), ai = [Float](repeating: 0, count: m)
        for k in 0..<n {
            ar[k] = re[k] * chirpRe[k] - im[k] * chirpIm[k]
            ai[k] = re[k] * chirpIm[k] + im[k] * chirpRe[k]
        }
        inner.forward(re: &ar, im: &ai)
        for k in 0..<m {
            let r = ar[k] * filtRe[k] - ai[k] * filtIm[k]
            let i = ar[k] * filtIm[k] + ai[k] * filtRe[k]
            ar[k] = r; ai[k] = i
        }
        inner.inverse(re: &ar, im: &ai)
        for k in 0..<n {
            re[k] = ar[k] * chirpRe[k] - ai[k] * chirpIm[k]
            im[k] = ar[k] * chirpIm[k] + ai[k] * chirpRe[k]
        }
        if inverse { for i in 0..<n { im[i] = -im[i] } }
    }
}

/// A plan for the FFT of real input. Even lengths use one complex FFT of half the
/// length; odd lengths fall back to a full complex FFT.
public struct RealFFT: Sendable {
    public let count: Int
    private let half: FFT?
    private let full: FFT?
    private let wRe: [Float], wIm: [Float]

    public init(count: Int) {
        precondition(count >= 1, "FFT length must be at least 1")
        self.count = count
        if count % 2 == 0 && count >= 4 {
            half = FFT(count: count / 2); full = nil
            var wr = [Float](repeating: 0, count: count / 2 + 1), wi = wr
            for k in 0...(count / 2) {
                let a = -2.0 * Double.pi * Double(k) / Double(count)
                wr[k] = Float(cos(a)); wi[k] = Float(sin(a))
            }
            wRe = wr; wIm = wi
        } else {
            half = nil; full = FFT(count: count); wRe = []; wIm = []
        }
    }

    /// Bins 0...count/2 of the DFT of `x` zero-padded (or truncated) to `count`.
    public func forward(_ x: [Float]) -> (re: [Float], im: [Float]) {
        forward(x, bins: count / 2 + 1)
    }

    /// Bins 0..<min(bins, count/2 + 1) of the DFT of `x` zero-padded (or truncated) to
    /// `count`: the values of `forward(_:)` there, without forming the others' output.
    public func forward(_ x: [Float], bins: Int) -> (re: [Float], im: [Float]) {
        let n = count
        let nb = max(0, min(bins, n / 2 + 1))
        if let full {
            var r = [Float](repeating: 0, count: n), i = [Float](repeating: 0, count: n)
            for k in 0..<min(n, x.count) { r[k] = x[k] }
            full.forward(re: &r, im: &i)
            return (Array(r[0..<nb]), Array(i[0..<nb]))
        }
        let h = n / 2
        // Entries from (lim + 1)/2 on are the zero padding, which the half-length transform
        // takes as zero without reading (`nonzero`): no fill.
        var zr = FFT.unfilled(h), zi = FFT.unfilled(h)
        let nz = RealFFT.pack(x, count: n, &zr, &zi)
        half!.forward(re: &zr, im: &zi, nonzero: nz)
        if nb == 0 { return ([], []) }
        let kEnd = min(h, nb)
        if 2 * kEnd <= h + 1 {
            // Bin k reads Z[k] and Z[h − k], and h − k ≥ h − kEnd + 1 ≥ kEnd for every k < kEnd:
            // bins 1..<kEnd can overwrite Z[k] in place, and the arrays are cut to nb
            // (no output arrays; SRH and H1H2 ask for at most ~40 % of the bins).
            zr.withUnsafeMutableBufferPointer { zrp in
            zi.withUnsafeMutableBufferPointer { zip in
                untangle(zr: UnsafeBufferPointer(zrp), zi: UnsafeBufferPointer(zip), h: h, kEnd: kEnd,
                         { k, re, im in RealFFT.store(re, zrp, k); RealFFT.store(im, zip, k) },
                         { k, re, im in zrp[k] = re; zip[k] = im })
                zrp[0] = zrp[0] + zip[0]; zip[0] = 0
            }
            }
            zr.removeLast(h - nb); zi.removeLast(h - nb)
            return (zr, zi)
        }
        // Every bin 0..<nb is written below.
        var outR = FFT.unfilled(nb), outI = FFT.unfilled(nb)
        outR[0] = zr[0] + zi[0]; outI[0] = 0
        if nb > h { outR[h] = zr[0] - zi[0]; outI[h] = 0 }
        zr.withUnsafeBufferPointer { zrp in
        zi.withUnsafeBufferPointer { zip in
        outR.withUnsafeMutableBufferPointer { orp in
        outI.withUnsafeMutableBufferPointer { oip in
            untangle(zr: zrp, zi: zip, h: h, kEnd: kEnd,
                     { k, re, im in RealFFT.store(re, orp, k); RealFFT.store(im, oip, k) },
                     { k, re, im in orp[k] = re; oip[k] = im })
        }
        }
        }
        }
        return (outR, outI)
    }

    /// z[k] = x[2k] + i·x[2k + 1] for k < nz = (min(count, x.count) + 1)/2, the entries the
    /// half-length transform reads (the rest is zero padding, left unwritten); returns nz.
    private static func pack(_ x: [Float], count n: Int, _ zr: inout [Float], _ zi: inout [Float]) -> Int {
        let lim = min(n, x.count), nz = (lim + 1) / 2
        x.withUnsafeBufferPointer { xp in
        zr.withUnsafeMutableBufferPointer { zrp in
        zi.withUnsafeMutableBufferPointer { zip in
            for k in 0..<nz {
                zrp[k] = xp[2 * k]
                zip[k] = 2 * k + 1 < lim ? xp[2 * k + 1] : 0
            }
        }
        }
        }
        return nz
    }

    @inline(__always)
    private static func store(_ v: SIMD8<Float>, _ p: UnsafeMutableBufferPointer<Float>, _ k: Int) {
        UnsafeMutableRawPointer(p.baseAddress! + k).storeBytes(of: v, as: SIMD8<Float>.self)
    }

    /// Bins 1..<kEnd of the real input's spectrum from the half-length transform Z, each
    /// bin's re and im handed to `store8` (eight bins k…k + 7) or `store` (one bin). A store
    /// may overwrite Z[k] itself where bin k's writes never reach an index a later bin reads.
    @inline(__always)
    private func untangle(zr zrp: UnsafeBufferPointer<Float>, zi zip: UnsafeBufferPointer<Float>, h: Int, kEnd: Int,
                          _ store8: (Int, SIMD8<Float>, SIMD8<Float>) -> Void, _ store: (Int, Float, Float) -> Void) {
        guard h > 1 else { return }
        wRe.withUnsafeBufferPointer { wrp in
        wIm.withUnsafeBufferPointer { wip in
            // Eight k per pass (Z[h−k] read as a reversed vector), each lane the
            // scalar arithmetic below.
            @inline(__always) func ld(_ p: UnsafeBufferPointer<Float>, _ i: Int) -> SIMD8<Float> {
                UnsafeRawPointer(p.baseAddress! + i).loadUnaligned(as: SIMD8<Float>.self)
            }
            @inline(__always) func rev(_ v: SIMD8<Float>) -> SIMD8<Float> {
                SIMD8(v[7], v[6], v[5], v[4], v[3], v[2], v[1], v[0])
            }
            var k = 1
            while k + 8 <= kEnd {
                let ar = ld(zrp, k), ai = ld(zip, k)
                let br = rev(ld(zrp, h - k - 7)), bi = -rev(ld(zip, h - k - 7))
                let er = 0.5 * (ar + br), ei = 0.5 * (ai + bi)
                let orr = 0.5 * (ai - bi), oi = -0.5 * (ar - br)
                let wr = ld(wrp, k), wi = ld(wip, k)
                store8(k, er + wr * orr - wi * oi, ei + wr * oi + wi * orr)
                k += 8
            }
            while k < kEnd {
                let ar = zrp[k], ai = zip[k], br = zrp[h - k], bi = -zip[h - k]   // Z[k], conj Z[h-k]
                let er = 0.5 * (ar + br), ei = 0.5 * (ai + bi)                  // even part
                let orr = 0.5 * (ai - bi), oi = -0.5 * (ar - br)                // (Z - conjZ)/(2i)
                store(k, er + wrp[k] * orr - wip[k] * oi, ei + wrp[k] * oi + wip[k] * orr)
                k += 1
            }
        }
        }
    }

    /// Work arrays of `transform(_:into:)`: the half-length transform's two buffers, reused
    /// from frame to frame.
    public struct Work: Sendable {
        var zr: [Float], zi: [Float], yr: [Float], yi: [Float]
        /// Where the last transform left Z: zr/zi, else yr/yi.
        var resultInZ = true

        public init(_ fft: RealFFT) {
            zr = [Float](repeating: 0, count: fft.count / 2); zi = zr; yr = zr; yi = zr
        }
    }

    /// The half-length transform of x (zero-padded or truncated to `count`, which is even)
    /// into `work`, for `magnitudes(bins:work:)`: no allocation, and the FFT's stages that
    /// see one non-zero input per butterfly formed from that input alone (a short frame in
    /// a long transform: H1H2's three periods in 16000 points, PSP's one in 2048).
    public func transform(_ x: [Float], into work: inout Work) {
        guard let half else { preconditionFailure("RealFFT.transform takes even lengths of at least 4, not \(count)") }
        precondition(work.zr.count == count / 2, "RealFFT.Work of length \(2 * work.zr.count) used with a \(count)-point plan")
        let nz = RealFFT.pack(x, count: count, &work.zr, &work.zi)
        work.resultInZ = half.forward(re: &work.zr, im: &work.zi, nonzero: nz, work: &work.yr, &work.yi)
    }

    /// |DFT_count(x)| at bins 0..<min(bins, count/2 + 1) of the x last transformed into
    /// `work`: each (re² + im²).squareRoot() of `forward(_:bins:)`'s re and im, bit for bit
    /// (the sparse stages change at most the sign of a zero, which no magnitude sees).
    public func magnitudes(bins: Int, work: Work) -> [Float] {
        let h = count / 2, nb = max(0, min(bins, h + 1))
        guard nb > 0 else { return [] }
        let zr = work.resultInZ ? work.zr : work.yr, zi = work.resultInZ ? work.zi : work.yi
        return [Float](unsafeUninitializedCapacity: nb) { mp, written in
            let zero: Float = 0
            var re = zr[0] + zi[0]
            mp[0] = (re * re + zero * zero).squareRoot()
            if nb > h { re = zr[0] - zi[0]; mp[h] = (re * re + zero * zero).squareRoot() }
            zr.withUnsafeBufferPointer { zrp in
            zi.withUnsafeBufferPointer { zip in
                untangle(zr: zrp, zi: zip, h: h, kEnd: min(h, nb),
                         { k, re, im in RealFFT.store((re * re + im * im).squareRoot(), mp, k) },
                         { k, re, im in mp[k] = (re * re + im * im).squareRoot() })
            }
            }
            written = nb
        }
    }

    /// |DFT| at bins 0...count/2.
    public func magnitude(_ x: [Float]) -> [Float] {
        let (r, i) = forward(x)
        var m = [Float](repeating: 0, count: r.count)
        for k in 0..<r.count { m[k] = (r[k] * r[k] + i[k] * i[k]).squareRoot() }
        return m
    }
}
