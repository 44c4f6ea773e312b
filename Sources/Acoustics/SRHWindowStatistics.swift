// The two statistics the second SRH pass takes over a sliding window of first-pass picks
// (up to 3051 frames): the median F0 of the picks whose SRH value exceeds 0.1, and whether
// the SRH values' standard deviation exceeds 0.05. Kept up to date as the window slides
// instead of recomputed from copies of the window for every frame (that was O(window)
// per frame with two array copies). Both results equal the plain computations exactly.

struct SRHWindowStatistics: Sendable {
    /// Picks [start, end) of the window, oldest first from `head`.
    private var picks: [(f0: Float, value: Float)] = []
    private var head = 0
    private(set) var start = 0
    var end: Int { start + picks.count - head }
    /// Picks held, including dropped ones not yet compacted away.
    var storedCount: Int { picks.count }

    /// Counts of the F0 of picks with value > 0.1 by integer F0 (SRH picks are whole Hz
    /// in 1…500); other F0 values are counted in `irregular` and force the plain median.
    private var f0Counts = [Int](repeating: 0, count: 501)
    private var voiced = 0
    private var irregular = 0
    /// Σv and Σv² of the finite values (Double), and how many values are not finite.
    private var sum = 0.0, sumSquares = 0.0
    private var nonFinite = 0

    static let voicedValue: Float = 0.1
    static let spreadThreshold: Float = 0.05

    /// Appends pick `end`.
    mutating func append(f0: Float, value: Float) {
        picks.append((f0, value))
        count(f0: f0, value: value, by: 1)
    }

    /// Drops the picks before `newStart` (a window start never moves back).
    mutating func drop(before newStart: Int) {
        while start < newStart && head < picks.count {
            let p = picks[head]
            count(f0: p.f0, value: p.value, by: -1)
            head += 1; start += 1
        }
        if start < newStart { start = newStart }   // window was empty
        if head >= 4096 && head * 2 >= picks.count {
            picks.removeFirst(head); head = 0
            // Re-sum now and then so that rounding of the running sums cannot build up.
            sum = 0; sumSquares = 0
            for p in picks where p.value.isFinite { let d = Double(p.value); sum += d; sumSquares += d * d }
        }
    }

    private mutating func count(f0: Float, value: Float, by d: Int) {
        if value.isFinite {
            let v = Double(value)
            sum += Double(d) * v; sumSquares += Double(d) * (v * v)
        } else {
            nonFinite += d
        }
        if value > SRHWindowStatistics.voicedValue {
            voiced += d
            if let i = Int(exactly: f0), i >= 0, i < f0Counts.count { f0Counts[i] += d } else { irregular += d }
        }
    }

    /// `median` of the F0 of the window's picks with value > 0.1; nil when there is none.
    var voicedF0Median: Float? {
        guard voiced > 0 else { return nil }
        if irregular > 0 {
            return median(picks[head...].filter { $0.value > SRHWindowStatistics.voicedValue }.map(\.f0))
        }
        // The k-th and (k−1)-th smallest from the cumulative counts.
        let k = voiced / 2
        var below = -1, atK = -1, seen = 0
        for (f, c) in f0Counts.enumerated() where c > 0 {
            if below < 0 && seen + c > k - 1 && k >= 1 { below = f }
            if seen + c > k { atK = f; break }
            seen += c
        }
        if voiced % 2 == 1 { return Float(atK) }
        return 0.5 * (Float(below) + Float(atK))
    }

    /// `standardDeviation(values) > 0.05` over the window's SRH values. The Double running
    /// sums decide unless they land within 0.5 % of the threshold (the Float computation's
    /// rounding is far below that for 3051 values) or a value is not finite; then the plain
    /// Float computation decides.
    var spreadIsWide: Bool {
        let n = picks.count - head
        if n < 2 { return false }
        if nonFinite == 0 {
            let mean = sum / Double(n)
            let variance = max(0, (sumSquares - mean * sum) / Double(n - 1))
            let sd = variance.squareRoot(), t = Double(SRHWindowStatistics.spreadThreshold)
            if sd > t * 1.005 { return true }
            if sd < t * 0.995 { return false }
        }
        return standardDeviation(picks[head...].map(\.value)) > SRHWindowStatistics.spreadThreshold
    }
}
