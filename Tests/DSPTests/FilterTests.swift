import Foundation
import Testing
@testable import DSP

struct FilterTests {
    /// Equal as numbers, NaN where the other is NaN (an exact zero may differ in sign).
    static func sameValues(_ a: [Float], _ b: [Float]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }
    }

    @Test("FIR with a four-chain last block equals the plain tap-order sum, IAIF's frame lengths, taps and output ranges included")
    func firShortFrames() {
        let long: [Float] = (0..<301).map { Float(sin(Double($0) * 0.41 + 0.3)) / Float(1 + $0 % 17) }
        let taps: [[Float]] = [long, Array(long.prefix(21)), [1, -0.93], [0.5], Array(long.prefix(70))]
        for n in [1, 2, 17, 31, 32, 33, 63, 64, 65, 150, 201, 250, 271, 401] {
            let x: [Float] = (0..<n).map { Float(sin(Double($0) * 0.37 + Double(n)) + 0.2 * cos(Double($0) * 2.9)) }
            for b in taps {
                for outputs in [0..<n, 150..<(n + 150), 21..<(n + 21), 3..<5, 0..<(n + b.count + 70), 7..<7, (n + b.count)..<(n + b.count + 3)] {
                    let y = x.withUnsafeBufferPointer { Filter.fir(b, $0, outputs: outputs) }
                    #expect(y.count == outputs.count)
                    #expect(y == outputs.map { tapOrderFIR(b, x, $0) }, "n \(n), \(b.count) taps, outputs \(outputs)")
                }
            }
        }
        // Zeros, ∞ and NaN stay where the plain sums put them.
        let odd: [Float] = [0, -0.0, .infinity, 1, .nan, 2] + [Float](repeating: 0.25, count: 80)
        let y = odd.withUnsafeBufferPointer { Filter.fir(long, $0, outputs: 150..<236) }
        #expect(FilterTests.sameValues(y, (150..<236).map { tapOrderFIR(long, odd, $0) }))
        // No input or no taps: zeros.
        #expect([Float]().withUnsafeBufferPointer { Filter.fir(long, $0, outputs: 0..<5) } == [0, 0, 0, 0, 0])
        #expect(odd.withUnsafeBufferPointer { Filter.fir([], $0, outputs: 2..<4) } == [0, 0])
    }

    @Test("FIR into a caller's padded buffers, reused over frames of growing and shrinking length, equals the array form bit for bit")
    func firIntoReusedBuffers() {
        let pad = Filter.firPad
        let b: [Float] = (0..<301).map { Float(cos(Double($0) * 0.77)) / Float(3 + $0 % 5) }
        var padded = [Float](repeating: .nan, count: 500 + 2 * pad), y = [Float](repeating: .nan, count: 800 + pad)
        for n in [250, 17, 401, 1, 160, 64, 199] {
            let x: [Float] = (0..<n).map { Float(sin(Double($0) * 0.53 + Double(n))) }
            // Stale values from the previous frame stay outside the zero pads.
            for i in 0..<pad { padded[i] = 0; padded[pad + n + i] = 0 }
            for i in 0..<n { padded[pad + i] = x[i] }
            for outputs in [0..<n, 150..<(n + 150), 5..<6, 0..<(n + 300)] {
                padded.withUnsafeBufferPointer { p in
                    y.withUnsafeMutableBufferPointer { Filter.fir(b, padded: p, count: n, outputs: outputs, into: $0) }
                }
                let want = x.withUnsafeBufferPointer { Filter.fir(b, $0, outputs: outputs) }
                #expect(Array(y[0..<outputs.count]).map(\.bitPattern) == want.map(\.bitPattern), "n \(n), outputs \(outputs)")
            }
        }
    }
}
