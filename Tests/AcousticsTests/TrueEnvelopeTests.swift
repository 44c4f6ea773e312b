import Foundation
import Testing
@testable import Acoustics
import DSP

@Suite("True envelope and mel cepstrum")
struct TrueEnvelopeTests {
    @Test("the cosine-table cepstrum equals the FFT cepstrum at the low quefrencies", arguments: [0, 1, 24, 97, 240])
    func tableCepstrumMatchesFFT(order: Int) {
        let te = TrueEnvelope()
        // A log spectrum with harmonic ripple, a slope and noise-like detail.
        var seed: UInt32 = 12345
        let a: [Float] = (0...2048).map { k in
            seed = seed &* 1_664_525 &+ 1_013_904_223
            let noise = Float(seed >> 8) / Float(1 << 24) - 0.5
            return -Float(k) / 400 + 2 * cos(Float(k) * 0.21) + noise
        }
        let reference = te.cepstrum(a)
        var c = [Float](repeating: 0, count: order + 1)
        let table = CosineTable.shared(n: 4096)
        var plus = [Float](repeating: 0, count: table.width), minus = plus
        te.tableCepstrum(a, order: order, into: &c, plus: &plus, minus: &minus, table: table)
        let worst = (0...order).map { abs(c[$0] - reference[$0]) }.max() ?? 0
        #expect(worst < 2e-6, "order \(order): worst difference \(worst)")
    }

    /// log|S| (bins 0…2048 of a 4096-point DFT) of a 3-period Blackman frame of a vowel-like
    /// harmonic sound at `f0` (harmonic amplitudes from two formant resonances), as the
    /// MCEP stage forms it.
    /// The default (decimated) and the full-grid envelope, each with its grid step for
    /// `order` and log|S| at that grid's bins.
    static func gridCases(_ logMag: [Float], order: Int) -> [(te: TrueEnvelope, step: Int, grid: [Float])] {
        [TrueEnvelope(), TrueEnvelope(decimates: false)].map { te in
            let d = te.gridStep(order: order)
            return (te, d, stride(from: 0, through: 2048, by: d).map { logMag[$0] })
        }
    }

    static func vowelFrame(f0: Double) -> [Float] {
        let fs = 16000.0
        let winlen = Int((3 * fs / f0 / 2).rounded()) * 2 + 1
        let w = Window.blackman(winlen)
        var x = [Float](repeating: 0, count: 4096)
        for i in 0..<winlen {
            let t = Double(i) / fs
            var v = 0.0
            var h = 1
            while Double(h) * f0 < fs / 2 {
                let f = Double(h) * f0
                func peak(_ fc: Double, _ bw: Double) -> Double { 1 / (1 + pow((f - fc) / bw, 2)) }
                v += (peak(700, 120) + 0.5 * peak(1200, 150) + 0.05) * cos(2 * .pi * f * t + 0.3 * Double(h))
                h += 1
            }
            x[i] = Float(v) * w[i]
        }
        let (re, im) = RealFFT(count: 4096).forward(x)
        return (0...2048).map { log(max((re[$0] * re[$0] + im[$0] * im[$0]).squareRoot(), 1e-12)) }
    }

    @Test("the envelope iterated on a coarser grid stays on the harmonic peaks and gives the full-grid MCEP",
          arguments: [(100.0, 2), (140.0, 4), (230.0, 4), (420.0, 8)])
    func decimatedEnvelope(f0: Double, expectedStep: Int) {
        let logMag = Self.vowelFrame(f0: f0)
        let order = Int((8000 / f0).rounded())
        let coarse = TrueEnvelope(), full = TrueEnvelope(decimates: false)
        #expect(coarse.decimation(order: order) == expectedStep)
        let le = coarse.logEnvelope(logMag: logMag, order: order)
        let leFull = full.logEnvelope(logMag: logMag, order: order)
        // env_te stops when no bin lies more than 2 dB (0.23 nats) above the envelope; on the
        // coarse grid that holds at every D-th bin, and between them within a few hundredths.
        let above = zip(logMag, le).map { $0 - $1 }.max() ?? 0
        #expect(above < 0.23 + 0.03, "f0 \(f0): spectrum \(above) nats above the envelope")
        // Between 100 Hz and 7 kHz; at the band edges env_te substitutes its pre-smoothed
        // envelope over a span of bins that rounds differently on the coarse grid.
        let band = 26...1792
        let worst = band.map { abs(le[$0] - leFull[$0]) }.max() ?? 0
        #expect(worst < 0.1, "f0 \(f0): envelopes differ by \(worst) nats")
        let c = coarse.warpedCepstrum(logEnvelope: le, order: 24), cFull = full.warpedCepstrum(logEnvelope: leFull, order: 24)
        let worstC = zip(c, cFull).map { abs($0 - $1) }.max() ?? 0
        #expect(worstC < 0.025, "f0 \(f0): MCEP differ by \(worstC)")
    }

    @Test("the coarse grid samples every harmonic's Blackman main lobe within 0.2 dB of its top")
    func gridSamplesMainLobes() {
        // A grid point lies at most half a grid step, D·winlen/8192 window bins, from a
        // harmonic peak; the lobe's level there against its top (the window's DTFT) is what
        // env_te's climb can lose. Every F0 the MCEP stage meets (50…1000 Hz).
        let te = TrueEnvelope(), exactRule = TrueEnvelope(gridPointsPerOrder: 24)
        var worst = 0.0, worstExactRule = 0.0
        for f0 in stride(from: 50.0, through: 1000, by: 1) {
            let order = Int((8000 / f0).rounded())
            let winlen = Int((3 * 16000 / f0 / 2).rounded()) * 2 + 1
            let w = Window.blackman(winlen).map(Double.init)
            func lossDB(step d: Int) -> Double {
                let delta = Double(d) * Double(winlen) / 8192
                var re = 0.0, im = 0.0
                for (i, v) in w.enumerated() {
                    re += v * cos(2 * .pi * delta * Double(i) / Double(winlen))
                    im -= v * sin(2 * .pi * delta * Double(i) / Double(winlen))
                }
                return -20 * log10((re * re + im * im).squareRoot() / w.reduce(0, +))
            }
            worst = max(worst, lossDB(step: te.decimation(order: order)))
            worstExactRule = max(worstExactRule, lossDB(step: exactRule.decimation(order: order)))
        }
        // 2 dB is env_te's stop tolerance; the 16·order rule keeps the loss under a tenth of it.
        #expect(worst < 0.2 && worst > worstExactRule, "worst main-lobe loss \(worst) dB (24·order rule: \(worstExactRule) dB)")
    }

    @Test("the full-grid envelope (fullGridEnvelope) is COVAREP's iteration on all bins whatever the grid rule")
    func fullGridIgnoresGridRule() {
        let logMag = Self.vowelFrame(f0: 140)
        let order = Int((8000 / 140.0).rounded())
        let full16 = TrueEnvelope(decimates: false), full24 = TrueEnvelope(decimates: false, gridPointsPerOrder: 24)
        #expect((1...240).allSatisfy { full16.gridStep(order: $0) == 1 && full24.gridStep(order: $0) == 1 })
        let a = full16.logEnvelope(logMag: logMag, order: order), b = full24.logEnvelope(logMag: logMag, order: order)
        #expect(a.count == 2049 && a.map(\.bitPattern) == b.map(\.bitPattern))
    }

    @Test("the mel-warp map gives hspec2fwcep's MCEP within its interpolation bound",
          arguments: [60.0, 100.0, 140.0, 230.0, 420.0])
    func melWarpMapMatchesInterpolatingWarp(f0: Double) {
        let (logMag, order) = (Self.vowelFrame(f0: f0), Int((8000 / f0).rounded()))
        for (te, d, grid) in Self.gridCases(logMag, order: order) {
            let mapped = te.melCepstrum(gridLogMag: grid, step: d, order: order)
            let interpolated = te.melCepstrum(gridLogMag: grid, step: d, order: order, exactWarp: true)
            // The warped log envelope moves by at most (Δlv)²/8 + max|lv″|/8 per bin (MelWarpMap),
            // each MCEP coefficient by at most twice that; 1e−4 for the Float rounding of the
            // exp–interpolate–log form.
            let cc = te.envelopeOnGrid(grid, n: 4096 / d, order: order, presmooth: true).cc
            let w = 2 * Double.pi / 4096
            let d1 = w * cc.indices.reduce(0.0) { $0 + Double($1) * Double(abs(cc[$1])) }
            let d2 = w * w * cc.indices.reduce(0.0) { $0 + Double($1 * $1) * Double(abs(cc[$1])) }
            let bound = 2 * (d1 * d1 / 8 + d2 / 8) + 1e-4
            let worst = zip(mapped, interpolated).map { Double(abs($0 - $1)) }.max() ?? .infinity
            #expect(mapped.count == 25 && worst <= bound, "f0 \(f0), step \(d): MCEP differ by \(worst), bound \(bound)")
            // The bound adds magnitudes (1e−3 … 5e−3 here); the differences are second order and
            // the cosine sums average them: measured 0.8e−5 … 3.4e−5.
            #expect(worst < 1e-4, "f0 \(f0), step \(d): MCEP differ by \(worst)")
        }
    }

    @Test("envelope orders beyond the mel-warp map's take the interpolating warp")
    func melWarpMapFallsBackAboveItsOrder() {
        let logMag = Self.vowelFrame(f0: 30)
        let order = Int((8000 / 30.0).rounded())     // 1.2·267 = 320 > 240
        let te = TrueEnvelope()
        #expect(te.gridStep(order: order) == 1)
        let mapped = te.melCepstrum(gridLogMag: logMag, step: 1, order: order)
        let interpolated = te.melCepstrum(gridLogMag: logMag, step: 1, order: order, exactWarp: true)
        #expect(mapped.map(\.bitPattern) == interpolated.map(\.bitPattern))
    }

    /// A log-spectrum-like test vector of `count` values (slope, ripple, noise).
    static func testSpectrum(count: Int, seed start: UInt32) -> [Float] {
        var seed = start
        return (0..<count).map { k in
            seed = seed &* 1_664_525 &+ 1_013_904_223
            let noise = Float(seed >> 8) / Float(1 << 24) - 0.5
            return -Float(k) / 400 + 2 * cos(Float(k) * 0.21) + noise
        }
    }

    @Test("the table cepstrum equals the one-row pass it replaced, bit for bit",
          arguments: [4096, 2048, 1024, 512])
    func tableCepstrumMatchesOneRowPass(n: Int) {
        let te = TrueEnvelope()
        let h = n / 2, q = h / 2
        let table = CosineTable.shared(n: n), tw = table.width
        let a = Self.testSpectrum(count: h + 1, seed: UInt32(n))
        // Orders that leave every remainder of the eight-row passes of each parity.
        for order in [0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 24, 31, 50, 102, 240] {
            var c = [Float](repeating: .nan, count: order + 1)
            var plus = [Float](repeating: 0, count: tw), minus = plus
            te.tableCepstrum(a, order: order, into: &c, plus: &plus, minus: &minus, table: table)
            // Row j alone: eight lanes over k = 1, 9, …, lane sum, the columns left one by one.
            let kEnd = 1 + (q / 8) * 8
            for j in 0...order {
                let sign: Float = j % 2 == 0 ? 1 : -1
                var acc = SIMD8<Float>(repeating: 0)
                var k = 1
                while k < kEnd {
                    var av = SIMD8<Float>(), rv = SIMD8<Float>()
                    for l in 0..<8 {
                        // Bin q is its own mirror and counted once.
                        av[l] = k + l == q ? a[q] : a[k + l] + sign * a[h - k - l]
                        rv[l] = table.value(row: j, column: k + l)
                    }
                    acc += av * rv
                    k += 8
                }
                var sum = acc.sum()
                while k <= q { sum += (k == q ? a[q] : a[k] + sign * a[h - k]) * table.value(row: j, column: k); k += 1 }
                let expected = (a[0] + sign * a[h] + 2 * sum) * (1 / Float(n))
                #expect(c[j].bitPattern == expected.bitPattern, "n \(n), order \(order), row \(j): \(c[j]) vs \(expected)")
            }
        }
    }

    @Test("the table cepstrum on caller-held buffers reused over spectra equals the array form, bit for bit",
          arguments: [4096, 1024, 512])
    func tableCepstrumOnHeldBuffers(n: Int) {
        let te = TrueEnvelope()
        let h = n / 2, table = CosineTable.shared(n: n), tw = table.width
        // One work buffer for all calls, stale between them (NaN at first), as the iteration holds it.
        var cca = [Float](repeating: .nan, count: 241), plus = [Float](repeating: .nan, count: tw), minus = plus
        for (s, order) in [(1, 24), (2, 240), (3, 0), (4, 9), (5, 102)].map({ ($0.0, $0.1) }) {
            let a = Self.testSpectrum(count: h + 1, seed: UInt32(n + s))
            var want = [Float](repeating: 0, count: order + 1)
            var p0 = [Float](repeating: 0, count: tw), m0 = p0
            te.tableCepstrum(a, order: order, into: &want, plus: &p0, minus: &m0, table: table)
            for folded in [false, true] {     // true: plus and minus already hold A± of this a
                a.withUnsafeBufferPointer { ap in
                    cca.withUnsafeMutableBufferPointer { cp in
                        plus.withUnsafeMutableBufferPointer { pp in
                            minus.withUnsafeMutableBufferPointer { mp in
                                table.withRows { base in
                                    TrueEnvelope.tableCepstrum(ap, order: order, into: cp, plus: pp, minus: mp, n: n,
                                                               rows: base, stride: table.stride, folded: folded)
                                }
                            }
                        }
                    }
                }
                #expect(Array(cca[0...order]).map(\.bitPattern) == want.map(\.bitPattern), "n \(n), order \(order), folded \(folded)")
                // Index 0 is not part of the fold (the ends are read from A itself).
                #expect(plus[1...].map(\.bitPattern) == p0[1...].map(\.bitPattern) && minus[1...].map(\.bitPattern) == m0[1...].map(\.bitPattern))
            }
        }
    }

    @Test("the envelope sums equal the four-rows-per-pass form they replaced, bit for bit",
          arguments: [4096, 2048, 1024, 512])
    func envelopeSumsMatchRowGroups(n: Int) {
        let table = CosineTable.shared(n: n), tw = table.width
        // Orders that leave every remainder of the eight- and four-row passes.
        for order in [0, 1, 2, 3, 4, 5, 7, 8, 11, 12, 13, 15, 16, 50, 102, 240] {
            let cc = Self.testSpectrum(count: order + 1, seed: UInt32(order + 7)).map { $0 / 8 }
            var even = [Float](repeating: .nan, count: tw), odd = even
            TrueEnvelope.envelopeSums(cc, order: order, table: table, even: &even, odd: &odd)
            var mismatches = 0
            for k in 0..<tw {
                @inline(__always) func r(_ j: Int) -> Float { table.value(row: j, column: k) }
                var e = cc[0], o: Float = 0
                var j = 1
                while j + 3 <= order {
                    o = o + (cc[j] * r(j) + cc[j + 2] * r(j + 2))
                    e = e + (cc[j + 1] * r(j + 1) + cc[j + 3] * r(j + 3))
                    j += 4
                }
                while j <= order {
                    if j % 2 == 0 { e = e + cc[j] * r(j) } else { o = o + cc[j] * r(j) }
                    j += 1
                }
                if even[k].bitPattern != e.bitPattern || odd[k].bitPattern != o.bitPattern { mismatches += 1 }
            }
            #expect(mismatches == 0, "n \(n), order \(order): \(mismatches) columns differ")
        }
    }

    @Test("the envelope from log|S| at the grid's bins only equals the one from all bins, bit for bit",
          arguments: [100.0, 230.0, 420.0])
    func gridEnvelopeMatchesFullSpectrum(f0: Double) {
        let (logMag, order) = (Self.vowelFrame(f0: f0), Int((8000 / f0).rounded()))
        for (te, d, grid) in Self.gridCases(logMag, order: order) {
            let le = te.logEnvelope(gridLogMag: grid, step: d, order: order)
            let full = te.logEnvelope(logMag: logMag, order: order)
            #expect(le.map(\.bitPattern) == full.map(\.bitPattern), "f0 \(f0), step \(d)")
        }
    }

    @Test("the padded cosine table holds cos(2πjk/n) bit for bit with column 1 of every row on a 64-byte boundary",
          arguments: [4096, 2048, 1024, 512])
    func cosineTableLayout(n: Int) {
        let table = CosineTable.shared(n: n)
        #expect(table.stride % 16 == 0 && table.stride >= table.width)
        // Each entry as it was computed one cosine at a time.
        var mismatches = 0
        for j in 0...CosineTable.maxOrder {
            for k in 0..<table.width {
                let direct = Float(cos(2 * Double.pi * Double((j * k) % n) / Double(n)))
                if table.value(row: j, column: k).bitPattern != direct.bitPattern { mismatches += 1 }
            }
            let misaligned = table.withRows { Int(bitPattern: $0 + j * table.stride + 1) % 64 }
            #expect(misaligned == 0, "n \(n), row \(j)")
        }
        #expect(mismatches == 0, "n \(n): \(mismatches) entries differ")
    }
}
