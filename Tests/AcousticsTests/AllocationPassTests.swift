import Testing
@testable import Acoustics

/// The ninth pass's allocation removals, each against the form it replaced.
@Suite struct AllocationPassTests {
    @Test("the block negated in place equals map { -$0 } bit for bit (signed zeros, infinities, NaN sign, subnormals)",
          arguments: [0, 1, 15, 16, 17, 1001])
    func negatedBlock(count: Int) {
        let special: [Float] = [0, -0, .infinity, -.infinity, .nan, -Float.nan, .leastNonzeroMagnitude,
                                -Float.leastNormalMagnitude, .greatestFiniteMagnitude, 1e-30]
        let x = (0..<count).map { i in i % 3 == 0 ? special[(i / 3) % special.count] : Float(i) * 0.37 - 40 }
        let got = Glottal.negated(x), want = x.map { -$0 }
        #expect(got.map(\.bitPattern) == want.map(\.bitPattern))
        // The input is left as it was (a copy is negated, not the caller's array).
        #expect(x.map(\.bitPattern) == (0..<count).map { i in i % 3 == 0 ? special[(i / 3) % special.count] : Float(i) * 0.37 - 40 }.map(\.bitPattern))
    }

    @Test("a sample buffer extended by ensure holds its samples, then zeros up to the end asked for, with a dropped prefix")
    func ensureAppendsZeros() {
        var b = SampleBuffer()
        let x: [Float] = (0..<50).map { Float($0) + 0.5 }
        b.append(x)
        b.drop(before: 10)
        b.ensure(upTo: 45)               // inside: unchanged
        #expect(b.base == 10 && b.data == Array(x[10...]))
        b.ensure(upTo: 73)
        #expect(b.base == 10 && b.end == 73)
        #expect(b.data == Array(x[10...]) + [Float](repeating: 0, count: 23))
        #expect(b[72] == 0 && b[49] == 49.5)
    }
}
