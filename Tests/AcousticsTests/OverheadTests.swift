import Foundation
import Testing
@testable import Acoustics

/// Acoustics routines rewritten to allocate less or work incrementally, against the plain
/// computations they replace.
@Suite("incremental and allocation-free forms equal the plain computations")
struct OverheadTests {
    /// A deterministic stream of first-pass SRH picks: whole-Hz F0 and values spread around
    /// the 0.1 voicing level, with stretches whose spread sits near the 0.05 threshold.
    static func picks(_ count: Int, seed s0: UInt32) -> [(f0: Float, value: Float)] {
        var seed = s0
        func next() -> Float { seed = seed &* 1664525 &+ 1013904223; return Float(seed >> 8) / Float(1 << 24) }
        return (0..<count).map { i in
            let f0 = Float(1 + Int(next() * 500))
            let spread: Float = (i / 500) % 3 == 0 ? 0.05 : ((i / 500) % 3 == 1 ? 0.02 : 0.2)
            return (f0, 0.1 + spread * (2 * next() - 1) * 1.73)
        }
    }

    @Test("the sliding SRH statistics equal median and standard deviation of the window's copies",
          arguments: [(history: 3000, ahead: 50, count: 9000), (history: 40, ahead: 5, count: 6000), (history: 7, ahead: 0, count: 300)])
    func slidingSRHStatistics(history: Int, ahead: Int, count: Int) {
        var picks = OverheadTests.picks(count, seed: 11)
        picks[17].value = .nan; picks[18].value = .infinity       // non-finite values pass through
        var stats = SRHWindowStatistics()
        var checked = 0, mismatches = 0
        for j in stride(from: 0, to: count, by: 1) {
            let lo = max(0, j - history), hi = min(count - 1, j + ahead)
            stats.drop(before: lo)
            while stats.end <= hi { stats.append(f0: picks[stats.end].f0, value: picks[stats.end].value) }
            // Check every frame for short runs, every 7th for the long one (debug build).
            guard count < 7000 || j % 7 == 0 else { continue }
            let window = picks[lo...hi]
            let vals = window.map(\.value), f0s = window.filter { $0.value > 0.1 }.map(\.f0)
            let wantMedian: Float? = f0s.isEmpty ? nil : median(f0s)
            let wantWide = standardDeviation(vals) > 0.05
            if stats.voicedF0Median != wantMedian || stats.spreadIsWide != wantWide { mismatches += 1 }
            checked += 1
        }
        #expect(mismatches == 0, "\(mismatches) of \(checked) frames differ")
    }

    @Test("the sliding median handles even counts, a single value, irregular F0 and an emptied window")
    func slidingMedianEdges() {
        var s = SRHWindowStatistics()
        #expect(s.voicedF0Median == nil && !s.spreadIsWide)
        s.append(f0: 120, value: 0.5)
        #expect(s.voicedF0Median == 120)
        s.append(f0: 125, value: 0.5)
        #expect(s.voicedF0Median == 122.5)
        s.append(f0: 80, value: 0.05)                 // unvoiced: not in the median
        #expect(s.voicedF0Median == 122.5)
        s.append(f0: 99.5, value: 0.3)                // not a whole Hz: the plain median
        #expect(s.voicedF0Median == median([120, 125, 99.5]))
        s.drop(before: 4)
        #expect(s.voicedF0Median == nil && s.end == 4)
        s.drop(before: 10)                            // past the end of an empty window
        #expect(s.end == 10)
        s.append(f0: 200, value: 0.9)
        #expect(s.voicedF0Median == 200 && s.end == 11)
    }
}
