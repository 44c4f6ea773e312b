// Spectral envelope by the "true envelope" (COVAREP env_te.m, Röbel & Rodet: iterative
// cepstral smoothing that climbs onto the harmonic peaks, with the smoothing window and
// pre-smoothing of mode 1+512) and its mel-frequency-warped cepstrum (hspec2fwcep.m with
// voicebox frq2mel), as COVAREP_feature_extraction.m computes MCEP_0..24.
import Foundation
import DSP

struct TrueEnvelope: Sendable {
    let dftLength: Int
    let sampleRate: Float
    /// Iterate on a coarser grid where the spectrum is oversampled (`logEnvelope`); false
    /// runs COVAREP's iteration on all N/2 + 1 bins.
    let decimates: Bool
    /// The grid rule of `decimation(order:)`: N/D ≥ `gridPointsPerOrder`·order.
    let gridPointsPerOrder: Int
    let fft: RealFFT
    /// For hspec2fwcep: for each linear bin k, the (fractional) bin of the envelope it
    /// reads after mel warping.
    let warpIndex: [Int]
    let warpFrac: [Float]

    /// Orders above `CosineTable.maxOrder` use the FFT path.
    static let tableOrder = CosineTable.maxOrder

    /// The cepstral smoothing window of each order up to `tableOrder`: the second half of
    /// hamming(2·order + 1) (built once per process; two windows per frame cost ~2 % of
    /// the true envelope in cosines).
    static let smoothingWindows: [[Float]] = (0...tableOrder).map { Array(Window.hamming(2 * $0 + 1)[$0...]) }

    init(dftLength: Int = 4096, sampleRate: Float = 16000, decimates: Bool = true, gridPointsPerOrder: Int = 16) {
        self.dftLength = dftLength
        self.sampleRate = sampleRate
        self.decimates = decimates
        self.gridPointsPerOrder = gridPointsPerOrder
        fft = RealFFT(count: dftLength)
        let (idx, frac) = TrueEnvelope.warp(dftLength: dftLength, sampleRate: sampleRate)
        warpIndex = idx; warpFrac = frac.map { Float($0) }
    }

    /// hspec2fwcep's warp: for each linear bin j (0…N/2), the envelope segment
    /// [index, index + 1] it reads and the fraction within it.
    static func warp(dftLength: Int, sampleRate: Float) -> (index: [Int], frac: [Double]) {
        let h = dftLength / 2
        func mel(_ f: Double) -> Double { log(1 + f / 700) * (1000 / log(1 + 1000 / 700.0)) }
        let fs = Double(sampleRate)
        let melNyq = mel(0.5 * fs)
        // freqmel[k] = 0.5·fs·mel(f_k)/mel(fs/2);  env(f_j) = interp1(freqmel, E, f_j)
        let freqmel = (0...h).map { 0.5 * fs * mel(Double($0) * fs / Double(dftLength)) / melNyq }
        var idx = [Int](repeating: 0, count: h + 1), frac = [Double](repeating: 0, count: h + 1)
        var seg = 0
        for j in 0...h {
            let f = Double(j) * fs / Double(dftLength)
            while seg < h - 1 && freqmel[seg + 1] < f { seg += 1 }
            let t = (f - freqmel[seg]) / (freqmel[seg + 1] - freqmel[seg])
            idx[j] = seg; frac[j] = min(max(t, 0), 1)
        }
        return (idx, frac)
    }

    /// The mel-warp map of COVAREP's MCEP frame (N = 4096 at 16 kHz), built on first use.
    static let standardMelWarp: MelWarpMap = {
        let (idx, frac) = warp(dftLength: 4096, sampleRate: 16000)
        return MelWarpMap(position: zip(idx, frac).map { Double($0) + $1 }, dftLength: 4096, maxOrder: tableOrder)
    }()

    /// MCEP_0…24 of a frame (env_te of `order`, then hspec2fwcep) from log|S| at the bins
    /// 0, D, 2D, …, N/2 (D = `gridStep(order:)`). With `exactWarp` (or off the standard
    /// N = 4096, 16 kHz, or an envelope order above the table's) the envelope is formed at all
    /// N/2 + 1 bins and warped as hspec2fwcep does; otherwise its cepstrum goes through
    /// `MelWarpMap` (MCEP within a few 1e−4, see there).
    func melCepstrum(gridLogMag grid: [Float], step d: Int, order: Int, exactWarp: Bool = false) -> [Float] {
        let env = envelopeOnGrid(grid, n: dftLength / d, order: order, presmooth: true)
        if !exactWarp && dftLength == 4096 && sampleRate == 16000 && env.cc.count <= TrueEnvelope.tableOrder + 1 {
            return TrueEnvelope.standardMelWarp.apply(env.cc)
        }
        return warpedCepstrum(logEnvelope: fullGrid(env, step: d), order: MelWarpMap.mcepOrder)
    }

    /// Real cepstrum of a symmetric log spectrum given by its half `a[0...N/2]`:
    /// cca[j] = (1/N) Σ_k A[k] cos(2πjk/N), j = 0...N/2.
    func cepstrum(_ halfLog: [Float]) -> [Float] {
        let n = dftLength, h = n / 2
        var full = [Float](repeating: 0, count: n)
        for k in 0...h { full[k] = halfLog[k] }
        for k in 1..<h { full[n - k] = halfLog[k] }
        let (re, _) = fft.forward(full)
        let s = 1 / Float(n)
        return re.map { $0 * s }
    }

    /// Real part of fft(cc, N) at bins 0...N/2.
    private func spectrum(_ cc: [Float]) -> [Float] {
        fft.forward(cc).re
    }

    /// env_te(S, order) with mode 1+512: returns the half-spectrum log envelope (natural log).
    /// `logMag` is log|S| at bins 0...N/2.
    ///
    /// With `decimates` (the default) the iteration runs on every D-th bin of the spectrum,
    /// D = `decimation(order:)`, and the envelope of the final cepstrum is evaluated at all
    /// bins. COVAREP's N = 4096 oversamples the spectrum of the 3-period analysis window
    /// about 4096/(6·order) times; on a grid that still oversamples it ≥ 8/3 times the
    /// iteration climbs onto the same harmonic peaks at 1/D of the cost (MCEP within a few
    /// thousandths, docs/ACCURACY-acoustics.md); `decimates: false` is COVAREP's iteration.
    func logEnvelope(logMag: [Float], order ord0: Int, presmooth: Bool = true) -> [Float] {
        let d = gridStep(order: ord0)
        let grid = d == 1 ? logMag : (0...(dftLength / (2 * d))).map { logMag[$0 * d] }
        return logEnvelope(gridLogMag: grid, step: d, order: ord0, presmooth: presmooth)
    }

    /// `logEnvelope(logMag:order:)` from log|S| at the bins 0, D, 2D, …, N/2 only
    /// (D = `gridStep(order:)`, the only bins the iteration reads).
    func logEnvelope(gridLogMag grid: [Float], step d: Int, order ord0: Int, presmooth: Bool = true) -> [Float] {
        fullGrid(envelopeOnGrid(grid, n: dftLength / d, order: ord0, presmooth: presmooth), step: d)
    }

    /// The envelope at all N/2 + 1 bins from env_te's result on the grid of step `d`.
    private func fullGrid(_ env: (lv: [Float], cc: [Float]), step d: Int) -> [Float] {
        d == 1 ? env.lv : tableEnvelope(env.cc, table: CosineTable.shared(n: dftLength))
    }

    /// The bin step of the grid env_te of order `order` iterates on: `decimation(order:)`,
    /// or 1 without `decimates`.
    func gridStep(order: Int) -> Int { decimates ? decimation(order: order) : 1 }

    /// The grid step D ∈ {1, 2, 4, 8} for env_te of order `order` (≈ fs/2/F0): the largest
    /// with N/D ≥ 16·order (`gridPointsPerOrder`), i.e. ≥ 8/3 grid points per bin of the
    /// ≈ 6·order-sample analysis window. Why that loses little: env_te climbs onto the
    /// harmonic peaks, and a grid point lies at most 3/16 of a window bin from each peak,
    /// where the Blackman main lobe is ≤ 0.2 dB below its top (0.07 dB at 24·order) — a
    /// tenth of env_te's 2 dB stop tolerance (`TrueEnvelopeTests` checks the lobe and the
    /// MCEP against the full grid; on speech MCEP MAE against COVAREP +≤ 23 %, correlation
    /// unchanged at 1e−4, for ≈ 27 % less env_te time than the 24·order rule).
    func decimation(order: Int) -> Int {
        guard dftLength == 4096, order > 0 else { return 1 }
        var d = 8
        while d > 1 && (dftLength / d < gridPointsPerOrder * order || 1.2 * Double(order) > Double(CosineTable.maxOrder)) { d /= 2 }
        return d
    }

    /// env_te on a grid of `n` points (bins 0...n/2 in `logMag`): the envelope there and the
    /// cepstrum cc_0…cc_order (lv_k = Σ_j cc_j cos(2πjk/n)) it came from.
    func envelopeOnGrid(_ logMag: [Float], n: Int, order ord0: Int, presmooth: Bool) -> (lv: [Float], cc: [Float]) {
        let h = n / 2
        var order = min(ord0, h - 1)
        order = min(Int((1.2 * Float(order)).rounded(.toNearestOrAwayFromZero)), h - 1)
        let win = order < TrueEnvelope.smoothingWindows.count
            ? TrueEnvelope.smoothingWindows[order] : Array(Window.hamming(2 * order + 1)[order...])
        var a = logMag
        if presmooth {
            let pre = envelopeOnGrid(logMag, n: n, order: Int((Float(order) / 2).rounded(.toNearestOrAwayFromZero)),
                                     presmooth: false).lv
            let slim = Int((0.25 * Float(n) / Float(order)).rounded(.toNearestOrAwayFromZero))
            // A(:,1:slim) and A(:,end/2+1-slim+2:end/2+1) (1-based) from the pre-smoothed envelope.
            for k in 0..<min(slim, h + 1) { a[k] = pre[k] }
            if slim >= 2 { for k in (h - slim + 2)...h { a[k] = pre[k] } }
        }
        let a0 = a
        let dblim = Float(log(pow(10.0, 2.0 / 20.0)))
        if order <= CosineTable.maxOrder && CosineTable.lengths.contains(n) {
            return iterateWithTable(a: a, a0: a0, order: order, win: win, dblim: dblim, table: CosineTable.shared(n: n))
        }
        var cc = [Float](repeating: 0, count: order + 1)
        var lv = [Float](repeating: 0, count: h + 1)
        precondition(n == dftLength, "env_te off the table needs the full \(dftLength)-point grid")
        for _ in 0..<200 {
            let cca = cepstrum(a)
            var ei: Float = 0, eo: Float = 0
            var ccp = [Float](repeating: 0, count: order + 1)
            ccp[0] = cca[0]
            for j in 1...order { ccp[j] = 2 * cca[j] }
            for j in 0...order { ei += ccp[j] * ccp[j] }
            if order + 1 <= h - 1 { for j in (order + 1)...(h - 1) { let v = 2 * cca[j]; eo += v * v } }
            ei = ei.squareRoot(); eo = eo.squareRoot()
            let lambda = (ei + eo) / ei
            for j in 0...order { cc[j] = lambda * win[j] * (ccp[j] - cc[j]) + cc[j] }
            lv = spectrum(cc)
            var maxDiff = -Float.infinity
            for k in 0...h {
                if lv[k] > a[k] { a[k] = lv[k] }
                let d = a0[k] - lv[k]
                if d > maxDiff { maxDiff = d }
            }
            if maxDiff <= dblim || !maxDiff.isFinite { break }
        }
        return (lv, cc)
    }

    /// cca[j] = (1/N)(A_0 + (−1)^j A_h + 2 Σ_{k=1}^{h−1} A_k cos(2πjk/N)) for j in 0...order
    /// (order ≤ tableOrder, N = 4096) from the cosine table: the low quefrencies of the real
    /// cepstrum of the symmetric log spectrum `a` (bins 0…N/2). `plus` and `minus` are
    /// scratch of n/4 + 1 elements (n = `table.n`, the grid length).
    /// `folded`: `plus` and `minus` already hold A_k ± A_{h−k} of this `a` (the envelope
    /// iteration forms them while it updates A).
    func tableCepstrum(_ a: [Float], order: Int, into cca: inout [Float], plus: inout [Float], minus: inout [Float],
                       table: CosineTable, folded: Bool = false) {
        a.withUnsafeBufferPointer { ap in
            cca.withUnsafeMutableBufferPointer { cp in
                plus.withUnsafeMutableBufferPointer { pp in
                    minus.withUnsafeMutableBufferPointer { mp in
                        table.withRows { base in
                            TrueEnvelope.tableCepstrum(ap, order: order, into: cp, plus: pp, minus: mp, n: table.n,
                                                       rows: base, stride: table.stride, folded: folded)
                        }
                    }
                }
            }
        }
    }

    /// `tableCepstrum` on buffers the caller holds (the envelope iteration takes them once per
    /// frame instead of once per call: each array scope was a uniqueness check or retain).
    static func tableCepstrum(_ ap: UnsafeBufferPointer<Float>, order: Int, into cca: UnsafeMutableBufferPointer<Float>,
                              plus pp: UnsafeMutableBufferPointer<Float>, minus mp: UnsafeMutableBufferPointer<Float>,
                              n: Int, rows base: UnsafePointer<Float>, stride ts: Int, folded: Bool) {
        let h = n / 2, q = h / 2
        let invN = 1 / Float(n)
        // cca[j] = (1/N)(A0 + (−1)^j A_h + 2 Σ_{k=1}^{h−1} A_k cos(2πjk/N)), j ≤ order,
        // the sum folded onto k ≤ q.
        // A_k ± A_{h−k}, eight k per pass (A_{h−k} read as a reversed vector).
        if !folded {
            let ab = UnsafeRawPointer(ap.baseAddress!)
            var k = 1
            while k + 8 <= q {
                let lo = ab.loadUnaligned(fromByteOffset: 4 * k, as: SIMD8<Float>.self)
                let v = ab.loadUnaligned(fromByteOffset: 4 * (h - k - 7), as: SIMD8<Float>.self)
                let hi = SIMD8(v[7], v[6], v[5], v[4], v[3], v[2], v[1], v[0])
                UnsafeMutableRawPointer(pp.baseAddress! + k).storeBytes(of: lo + hi, as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(mp.baseAddress! + k).storeBytes(of: lo - hi, as: SIMD8<Float>.self)
                k += 8
        }
        while k < q { pp[k] = ap[k] + ap[h - k]; mp[k] = ap[k] - ap[h - k]; k += 1 }
        pp[q] = ap[q]; mp[q] = ap[q]
        }
        // Up to eight rows of one parity (same folded input) per pass over k; each
        // row's sum is formed as in a one-row pass (8 lanes, lane sum, tail). Each
        // row is one chain of adds, so more rows per pass keep more adds in flight
        // (with four the loop waited on the add latency).
        let kEnd = 1 + (q / 8) * 8     // k in 1..<kEnd by vectors, kEnd...q scalar
        // Rows j, j+2, …, j+2(rows−1); `wide` (a constant at each call) selects the
        // eight-accumulator form; rows beyond `rows` repeat row j and are dropped.
        @inline(__always) func rowPass(_ src: UnsafePointer<Float>, ends: Float, j: Int, rows: Int, wide: Bool) {
            let r0 = base + j * ts
            @inline(__always) func row(_ r: Int) -> UnsafePointer<Float> { rows > r ? r0 + 2 * r * ts : r0 }
            let r1 = row(1), r2 = row(2), r3 = row(3)
            let r4 = wide ? row(4) : r0, r5 = wide ? row(5) : r0, r6 = wide ? row(6) : r0, r7 = wide ? row(7) : r0
            var acc0 = SIMD8<Float>(repeating: 0), acc1 = acc0, acc2 = acc0, acc3 = acc0
            var acc4 = acc0, acc5 = acc0, acc6 = acc0, acc7 = acc0
            var k = 1
            while k < kEnd {
                let av = UnsafeRawPointer(src + k).loadUnaligned(as: SIMD8<Float>.self)
                acc0 += av * UnsafeRawPointer(r0 + k).loadUnaligned(as: SIMD8<Float>.self)
                acc1 += av * UnsafeRawPointer(r1 + k).loadUnaligned(as: SIMD8<Float>.self)
                acc2 += av * UnsafeRawPointer(r2 + k).loadUnaligned(as: SIMD8<Float>.self)
                acc3 += av * UnsafeRawPointer(r3 + k).loadUnaligned(as: SIMD8<Float>.self)
                if wide {
                    acc4 += av * UnsafeRawPointer(r4 + k).loadUnaligned(as: SIMD8<Float>.self)
                    acc5 += av * UnsafeRawPointer(r5 + k).loadUnaligned(as: SIMD8<Float>.self)
                    acc6 += av * UnsafeRawPointer(r6 + k).loadUnaligned(as: SIMD8<Float>.self)
                    acc7 += av * UnsafeRawPointer(r7 + k).loadUnaligned(as: SIMD8<Float>.self)
                }
                k += 8
            }
            // Each accumulator by name (selecting one by index kept them in memory).
            @inline(__always) func finish(_ r: Int, _ acc: SIMD8<Float>) {
                guard r < rows else { return }
                var sum = acc.sum()
                let rowBase = r0 + 2 * r * ts
                var kk = kEnd
                while kk <= q { sum += src[kk] * rowBase[kk]; kk += 1 }
                cca[j + 2 * r] = (ends + 2 * sum) * invN
            }
            finish(0, acc0); finish(1, acc1); finish(2, acc2); finish(3, acc3)
            finish(4, acc4); finish(5, acc5); finish(6, acc6); finish(7, acc7)
        }
        for parity in 0...min(1, order) {
            let src = parity == 0 ? pp.baseAddress! : mp.baseAddress!
            let sign: Float = parity == 0 ? 1 : -1
            let ends = ap[0] + sign * ap[h]
            var j = parity
            while j <= order {
                let rows = min(8, (order - j) / 2 + 1)
                if rows > 4 {
                    rowPass(src, ends: ends, j: j, rows: rows, wide: true)
                } else {
                    rowPass(src, ends: ends, j: j, rows: rows, wide: false)
                }
                j += 2 * rows
            }
        }
    }

    /// The env_te iteration with cosine-table products. The out-of-band cepstral energy Eo
    /// comes from Parseval (total energy minus the low quefrencies), in Double.
    private func iterateWithTable(a aIn: [Float], a0: [Float], order: Int, win: [Float], dblim: Float,
                                  table: CosineTable) -> (lv: [Float], cc: [Float]) {
        let n = table.n, h = n / 2, w = h + 1, tw = table.width, ts = table.stride
        var a = aIn
        var cc = [Float](repeating: 0, count: order + 1)
        var lv = [Float](repeating: 0, count: w)
        // The work vectors in one buffer, and every buffer taken once for all iterations
        // (per-iteration array scopes were retains and uniqueness checks, ≈ 0.65 % of the run):
        // ccp and cca (order + 1 each), A_k ± A_{h−k} for k in 0...q (index 0 and q hold the
        // terms counted once), and the envelope's even and odd sums (tw each).
        let work = UnsafeMutableBufferPointer<Float>.allocate(capacity: 2 * (order + 1) + 4 * tw)
        defer { work.deallocate() }
        work.initialize(repeating: 0)
        @inline(__always) func part(_ at: Int, _ count: Int) -> UnsafeMutableBufferPointer<Float> {
            UnsafeMutableBufferPointer(rebasing: work[at..<(at + count)])
        }
        let ccp = part(0, order + 1), cca = part(order + 1, order + 1)
        let plus = part(2 * (order + 1), tw), minus = part(2 * (order + 1) + tw, tw)
        let evenSums = part(2 * (order + 1) + 2 * tw, tw), oddSums = part(2 * (order + 1) + 3 * tw, tw)
        table.withRows { base in
        a.withUnsafeMutableBufferPointer { ap in
        a0.withUnsafeBufferPointer { a0p in
        lv.withUnsafeMutableBufferPointer { lp in
        cc.withUnsafeMutableBufferPointer { cc in
        win.withUnsafeBufferPointer { win in
            var folded = false
            for _ in 0..<200 {
                TrueEnvelope.tableCepstrum(UnsafeBufferPointer(ap), order: order, into: cca, plus: plus, minus: minus,
                                           n: n, rows: base, stride: ts, folded: folded)
                // cca[h] and the total cepstral energy Σ_j cca_j² = (1/N) Σ_k A_k² (full spectrum).
                var alt: Double = Double(ap[0]) + (h % 2 == 0 ? 1 : -1) * Double(ap[h])
                var energy: Double = Double(ap[0]) * Double(ap[0]) + Double(ap[h]) * Double(ap[h])
                // Sums of A_k (odd and even k separately) and of A_k² over k in 1..<h, in
                // eight Double lanes (one lane per k mod 8: a single Double chain waits on
                // its previous add every bin).
                var evenSum: Double = 0, oddSum: Double = 0, sq: Double = 0
                var k = 1
                do {
                    let ab = UnsafeRawPointer(ap.baseAddress!)
                    // Lanes 0–3 and 4–7 as two SIMD4<Double> (one conversion instruction each).
                    var vsLo = SIMD4<Double>(repeating: 0), vsHi = vsLo, vqLo = vsLo, vqHi = vsLo
                    while k + 8 <= h {
                        let lo = SIMD4<Double>(ab.loadUnaligned(fromByteOffset: 4 * k, as: SIMD4<Float>.self))
                        let hi = SIMD4<Double>(ab.loadUnaligned(fromByteOffset: 4 * k + 16, as: SIMD4<Float>.self))
                        vsLo += lo; vqLo += lo * lo
                        vsHi += hi; vqHi += hi * hi
                        k += 8
                    }
                    // k started at 1, so even lanes hold odd k.
                    oddSum = (vsLo[0] + vsLo[2]) + (vsHi[0] + vsHi[2])
                    evenSum = (vsLo[1] + vsLo[3]) + (vsHi[1] + vsHi[3])
                    sq = SIMD8(lowHalf: vqLo, highHalf: vqHi).sum()
                }
                while k < h { let v = Double(ap[k]); if k % 2 == 0 { evenSum += v } else { oddSum += v }; sq += v * v; k += 1 }
                alt += 2 * evenSum - 2 * oddSum
                energy += 2 * sq
                let ccaH = alt / Double(n)
                let total = energy / Double(n)
                var low: Double = 0
                for j in 1...order { low += Double(cca[j]) * Double(cca[j]) }
                let c0 = Double(cca[0])
                // Σ_{j=order+1}^{h−1} (2 cca_j)² = 4·((total − c0² − c_h²)/2 − Σ_{j=1}^{order} cca_j²)
                let eo2 = max(0, 4 * ((total - c0 * c0 - ccaH * ccaH) / 2 - low))
                ccp[0] = cca[0]
                for j in 1...order { ccp[j] = 2 * cca[j] }
                var ei2: Double = 0
                for j in 0...order { ei2 += Double(ccp[j]) * Double(ccp[j]) }
                let ei = Float(ei2.squareRoot()), eo = Float(eo2.squareRoot())
                let lambda = (ei + eo) / ei
                for j in 0...order { cc[j] = lambda * win[j] * (ccp[j] - cc[j]) + cc[j] }
                // lv[k] = Σ_j cc_j cos(2πjk/N): E_k = c_0 + Σ_{even j} c_j cos(2πjk/N) and
                // O_k = Σ_{odd j} … for k ≤ q (`envelopeSums`), then lv[k] = E_k + O_k and
                // lv[h − k] = E_k − O_k.
                TrueEnvelope.envelopeSums(UnsafePointer(cc.baseAddress!), order: order, table: base, stride: ts, width: tw,
                                          even: evenSums.baseAddress!, odd: oddSums.baseAddress!)
                // One pass over the pairs k, h − k (k ≤ q): lv[k] = E_k + O_k and
                // lv[h − k] = E_k − O_k, A = max(A, lv), max(A0 − lv) (NaN differences are
                // skipped as in a scalar comparison), and A_k ± A_{h−k} of the new A for the
                // next iteration's cepstrum. Element by element, so the values are those of
                // separate passes.
                let maxDiff = TrueEnvelope.updatePass(h: h, lv: lp, a: ap, a0: a0p, even: UnsafeBufferPointer(evenSums),
                                                      odd: UnsafeBufferPointer(oddSums), plus: plus, minus: minus)
                folded = true
                if maxDiff <= dblim || !maxDiff.isFinite { break }
            }
        } } } } } }
        return (lv, cc)
    }

    /// E_k = c_0 + Σ_{even j ≥ 2} c_j cos(2πjk/n) and O_k = Σ_{odd j} c_j cos(2πjk/n) for
    /// k ≤ n/4 (`width` = n/4 + 1 table columns), so that lv_k = E_k + O_k and
    /// lv_{n/2−k} = E_k − O_k. Rows j…j+3 (j odd) are added as (c_j r_j + c_{j+2} r_{j+2})
    /// to O and (c_{j+1} r_{j+1} + c_{j+3} r_{j+3}) to E, the last < 4 rows one by one; each
    /// E_k, O_k is formed the same way whatever the lanes.
    static func envelopeSums(_ cc: [Float], order: Int, table: CosineTable,
                             even evenSums: inout [Float], odd oddSums: inout [Float]) {
        table.withRows { base in
            cc.withUnsafeBufferPointer { cp in
                evenSums.withUnsafeMutableBufferPointer { ep in
                    oddSums.withUnsafeMutableBufferPointer { op in
                        envelopeSums(cp.baseAddress!, order: order, table: base, stride: table.stride, width: table.width,
                                     even: ep.baseAddress!, odd: op.baseAddress!)
                    }
                }
            }
        }
    }

    /// Vectors from column 1 on, where the table's rows are aligned (column 0 alone).
    private static func envelopeSums(_ c: UnsafePointer<Float>, order: Int, table base: UnsafePointer<Float>, stride ts: Int,
                                     width tw: Int, even ep: UnsafeMutablePointer<Float>, odd op: UnsafeMutablePointer<Float>) {
        let eb = UnsafeMutableRawPointer(ep), ob = UnsafeMutableRawPointer(op)
        for k in 0..<tw { ep[k] = c[0]; op[k] = 0 }
        // Rows j…j+4g−1 (g = 1 or 2 groups of four, a constant at each call) in one pass
        // over the columns, E and O loaded and stored once per pass; sixteen lanes where
        // AVX-512 registers hold them (each E_k, O_k is its own sum, so lanes do not change it).
        @inline(__always) func pass(_ j: Int, groups g: Int) {
            let r = base + j * ts
            let s1 = c[j], s2 = c[j + 1], s3 = c[j + 2], s4 = c[j + 3]
            let s5 = g == 2 ? c[j + 4] : 0, s6 = g == 2 ? c[j + 5] : 0, s7 = g == 2 ? c[j + 6] : 0, s8 = g == 2 ? c[j + 7] : 0
            // V lanes from column k0 while a whole vector fits; returns the next column.
            @inline(__always) func lanes<V: SIMD>(_: V.Type, from k0: Int) -> Int where V.Scalar == Float {
                let c1 = V(repeating: s1), c2 = V(repeating: s2), c3 = V(repeating: s3), c4 = V(repeating: s4)
                let c5 = V(repeating: s5), c6 = V(repeating: s6), c7 = V(repeating: s7), c8 = V(repeating: s8)
                var k = k0
                while k + V.scalarCount <= tw {
                    @inline(__always) func ld(_ i: Int) -> V { UnsafeRawPointer(r + i * ts + k).loadUnaligned(as: V.self) }
                    var o = ob.loadUnaligned(fromByteOffset: 4 * k, as: V.self)
                    var e = eb.loadUnaligned(fromByteOffset: 4 * k, as: V.self)
                    o += c1 * ld(0) + c3 * ld(2)
                    e += c2 * ld(1) + c4 * ld(3)
                    if g == 2 {
                        o += c5 * ld(4) + c7 * ld(6)
                        e += c6 * ld(5) + c8 * ld(7)
                    }
                    ob.storeBytes(of: o, toByteOffset: 4 * k, as: V.self)
                    eb.storeBytes(of: e, toByteOffset: 4 * k, as: V.self)
                    k += V.scalarCount
                }
                return k
            }
            @inline(__always) func column(_ k: Int) {
                op[k] += s1 * r[k] + s3 * r[k + 2 * ts]
                ep[k] += s2 * r[k + ts] + s4 * r[k + 3 * ts]
                if g == 2 {
                    op[k] += s5 * r[k + 4 * ts] + s7 * r[k + 6 * ts]
                    ep[k] += s6 * r[k + 5 * ts] + s8 * r[k + 7 * ts]
                }
            }
            column(0)
            var k = 1
            if KernelBuild.sixteenLaneRegisters { k = lanes(SIMD16<Float>.self, from: k) }
            k = lanes(SIMD8<Float>.self, from: k)
            while k < tw { column(k); k += 1 }
        }
        var j = 1
        while j + 7 <= order { pass(j, groups: 2); j += 8 }
        if j + 3 <= order { pass(j, groups: 1); j += 4 }
        while j <= order {
            let r = base + j * ts, s = c[j]
            let cj = SIMD8<Float>(repeating: s)
            let dst = j % 2 == 0 ? eb : ob
            if j % 2 == 0 { ep[0] += s * r[0] } else { op[0] += s * r[0] }
            var k = 1
            while k + 8 <= tw {
                let v = UnsafeRawPointer(r + k).loadUnaligned(as: SIMD8<Float>.self)
                let acc = dst.loadUnaligned(fromByteOffset: 4 * k, as: SIMD8<Float>.self)
                dst.storeBytes(of: acc + cj * v, toByteOffset: 4 * k, as: SIMD8<Float>.self)
                k += 8
            }
            while k < tw {
                if j % 2 == 0 { ep[k] += s * r[k] } else { op[k] += s * r[k] }
                k += 1
            }
            j += 1
        }
    }

    /// The envelope lv_k = Σ_j cc_j cos(2πjk/n), k = 0...n/2, of a cepstrum of order ≤ maxOrder.
    func tableEnvelope(_ cc: [Float], table: CosineTable) -> [Float] {
        let n = table.n, h = n / 2, q = h / 2, tw = table.width
        var e = [Float](repeating: 0, count: tw), o = e
        TrueEnvelope.envelopeSums(cc, order: cc.count - 1, table: table, even: &e, odd: &o)
        var lv = [Float](repeating: 0, count: h + 1)
        for k in 0...q {
            lv[k] = e[k] + o[k]
            lv[h - k] = e[k] - o[k]
        }
        return lv
    }

    /// The fused update of one env_te iteration (see `iterateWithTable`); returns max(A0 − lv).
    @inline(__always)
    private static func updatePass(h: Int, lv: UnsafeMutableBufferPointer<Float>, a: UnsafeMutableBufferPointer<Float>,
                                   a0: UnsafeBufferPointer<Float>, even: UnsafeBufferPointer<Float>, odd: UnsafeBufferPointer<Float>,
                                   plus: UnsafeMutableBufferPointer<Float>, minus: UnsafeMutableBufferPointer<Float>) -> Float {
        let q = h / 2
        typealias V = SIMD8<Float>
        @inline(__always) func rev(_ v: V) -> V { V(v[7], v[6], v[5], v[4], v[3], v[2], v[1], v[0]) }
        let lb = UnsafeMutableRawPointer(lv.baseAddress!), ab = UnsafeMutableRawPointer(a.baseAddress!)
        let a0b = UnsafeRawPointer(a0.baseAddress!), eb = UnsafeRawPointer(even.baseAddress!), ob = UnsafeRawPointer(odd.baseAddress!)
        let pb = UnsafeMutableRawPointer(plus.baseAddress!), mb = UnsafeMutableRawPointer(minus.baseAddress!)
        var mv = V(repeating: -.infinity)
        var maxDiff = -Float.infinity
        // Scalar form for the edges: bin k from lv value l.
        @inline(__always) func update(_ k: Int, _ l: Float) {
            lv[k] = l
            if l > a[k] { a[k] = l }
            let d = a0[k] - l
            if d > maxDiff { maxDiff = d }
        }
        update(0, even[0] + odd[0])
        update(h, even[0] - odd[0])
        var k = 1
        while k + 8 <= q {
            // Bins k…k+7 and, reversed, h−k−7…h−k.
            let e = eb.loadUnaligned(fromByteOffset: 4 * k, as: V.self), o = ob.loadUnaligned(fromByteOffset: 4 * k, as: V.self)
            let lLo = e + o, lHiRev = e - o, lHi = rev(lHiRev)
            let hiOff = 4 * (h - k - 7)
            lb.storeBytes(of: lLo, toByteOffset: 4 * k, as: V.self)
            lb.storeBytes(of: lHi, toByteOffset: hiOff, as: V.self)
            var aLo = ab.loadUnaligned(fromByteOffset: 4 * k, as: V.self)
            var aHi = ab.loadUnaligned(fromByteOffset: hiOff, as: V.self)
            aLo.replace(with: lLo, where: lLo .> aLo)
            aHi.replace(with: lHi, where: lHi .> aHi)
            ab.storeBytes(of: aLo, toByteOffset: 4 * k, as: V.self)
            ab.storeBytes(of: aHi, toByteOffset: hiOff, as: V.self)
            let dLo = a0b.loadUnaligned(fromByteOffset: 4 * k, as: V.self) - lLo
            let dHi = a0b.loadUnaligned(fromByteOffset: hiOff, as: V.self) - lHi
            mv.replace(with: dLo, where: dLo .> mv)
            mv.replace(with: dHi, where: dHi .> mv)
            let aHiRev = rev(aHi)
            pb.storeBytes(of: aLo + aHiRev, toByteOffset: 4 * k, as: V.self)
            mb.storeBytes(of: aLo - aHiRev, toByteOffset: 4 * k, as: V.self)
            k += 8
        }
        while k < q {
            update(k, even[k] + odd[k])
            update(h - k, even[k] - odd[k])
            plus[k] = a[k] + a[h - k]; minus[k] = a[k] - a[h - k]
            k += 1
        }
        update(q, even[q] + odd[q])
        plus[q] = a[q]; minus[q] = a[q]
        for l in 0..<8 where mv[l] > maxDiff { maxDiff = mv[l] }
        return maxDiff
    }

    /// hspec2fwcep(exp(logEnv), fs, order): mel-warped cepstrum c0, 2·c1, …, 2·c_order.
    func warpedCepstrum(logEnvelope le: [Float], order: Int) -> [Float] {
        let h = dftLength / 2
        // Linear interpolation of the linear-amplitude envelope, then log (both on SIMD lanes).
        let amp = VectorMath.map(le, VectorMath.exp)
        var w = [Float](repeating: 0, count: h + 1)
        for j in 0...h {
            let i = warpIndex[j], t = warpFrac[j]
            let e0 = amp[i], e1 = amp[i + 1]
            w[j] = abs(e0 + t * (e1 - e0))
        }
        w = VectorMath.map(w, VectorMath.log)
        // Only c_0…c_order are needed: table sums instead of a 4096-point FFT.
        var c = [Float](repeating: 0, count: order + 1)
        if order <= CosineTable.maxOrder && dftLength == 4096 {
            let table = CosineTable.shared(n: 4096)
            var plus = [Float](repeating: 0, count: table.width), minus = plus
            tableCepstrum(w, order: order, into: &c, plus: &plus, minus: &minus, table: table)
        } else {
            c = Array(cepstrum(w).prefix(order + 1))
        }
        var out = [Float](repeating: 0, count: order + 1)
        out[0] = c[0]
        for j in 1...order { out[j] = 2 * c[j] }
        return out
    }
}

/// cos(2π j k / n) for j in 0...maxOrder, k in 0...n/4 (row-major), so that the
/// low-quefrency cepstrum and the envelope are matrix–vector products instead of two full
/// FFTs per iteration; cos(2πj(n/2 − k)/n) = (−1)^j cos(2πjk/n) gives the other half of
/// 0...n/2. One per grid length, built once per process.
struct CosineTable: Sendable {
    static let maxOrder = 240
    static let lengths = [4096, 2048, 1024, 512]
    let n: Int
    /// Row j, column k at `lead + j·stride + k`.
    let values: [Float]
    /// Floats per row: the n/4 + 1 columns padded to a multiple of 16 (64 bytes), and
    /// `lead` puts column 1 of every row on a 64-byte boundary, so that the table products'
    /// vectors (columns 1, 9, 17, …) never straddle a cache line (measured: an eight-row
    /// cepstrum pass on 257-float rows 1.55× slower than on 272-float aligned rows).
    let stride: Int
    let lead: Int
    var width: Int { n / 4 + 1 }

    init(n: Int) {
        self.n = n
        let w = n / 4 + 1
        let stride = (w + 15) / 16 * 16
        var tab = [Float](repeating: 0, count: (CosineTable.maxOrder + 1) * stride + 16)
        // The storage never moves: the array is not mutated after this initialiser.
        let lead = tab.withUnsafeBufferPointer { p in (16 - (Int(bitPattern: p.baseAddress! + 1) & 63) / 4) % 16 }
        for j in 0...CosineTable.maxOrder {
            for k in 0..<w {
                tab[lead + j * stride + k] = CosineTable.unitCircle[((j * k) % n) * (4096 / n)]
            }
        }
        values = tab
        self.stride = stride
        self.lead = lead
    }

    /// cos(2π j k / n).
    func value(row j: Int, column k: Int) -> Float { values[lead + j * stride + k] }

    /// `body` given row 0, column 0 (row j starts `j·stride` further).
    func withRows<R>(_ body: (UnsafePointer<Float>) -> R) -> R {
        values.withUnsafeBufferPointer { body($0.baseAddress! + lead) }
    }

    /// Float(cos(2π r/4096)), r < 4096: cos(2π r/n) for n = 4096/m is the entry m·r (2π·r·m
    /// rounds to m times 2π·r, and dividing by 4096 = m·n is exact), so the tables need 4096
    /// cosines instead of one per entry (≈ 460 000, ≈ 9 ms at each process start).
    private static let unitCircle: [Float] = (0..<4096).map { Float(cos(2 * Double.pi * Double($0) / 4096)) }

    private static let tables = lengths.map { CosineTable(n: $0) }
    static func shared(n: Int) -> CosineTable {
        tables[lengths.firstIndex(of: n) ?? 0]
    }
}
