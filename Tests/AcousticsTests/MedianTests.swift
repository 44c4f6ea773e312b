import Foundation
import Testing
@testable import Acoustics

@Test("median by selection equals the median of the sorted values, duplicates and even counts included")
func medianBySelectionMatchesSorting() {
    var seed: UInt32 = 7
    func next() -> UInt32 { seed = seed &* 1_664_525 &+ 1_013_904_223; return seed >> 8 }
    for n in Array(1...40) + [99, 100, 1001, 3050] {
        for distinct in [3, 50, 100_000] {
            let x = (0..<n).map { _ in Float(next() % UInt32(distinct)) * 0.5 + 50 }
            let s = x.sorted()
            let want = n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2])
            #expect(median(x) == want, "n \(n) distinct \(distinct)")
        }
    }
    #expect(median([]).isNaN)
    // NaN input takes the sorting path (selection with NaN pivots could loop): it returns.
    _ = median([3, .nan, 1, .nan])
}
