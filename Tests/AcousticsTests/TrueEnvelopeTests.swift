import Foundation
import Testing
@testable import Acoustics

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
        var plus = [Float](repeating: 0, count: TrueEnvelope.tableWidth), minus = plus
        TrueEnvelope.sharedTable.withUnsafeBufferPointer { tab in
            te.tableCepstrum(a, order: order, into: &c, plus: &plus, minus: &minus, table: tab)
        }
        let worst = (0...order).map { abs(c[$0] - reference[$0]) }.max() ?? 0
        #expect(worst < 2e-6, "order \(order): worst difference \(worst)")
    }
}
