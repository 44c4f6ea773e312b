/// Timed feature rows (acoustic frames at 100 Hz, face rows at the video rate) kept for as
/// long as an open utterance may still need them, and no longer.
public struct FeatureTimeline: Sendable {
    public struct Row: Sendable, Equatable {
        public var time: Double
        public var values: [Float]
    }

    /// Upper bound on rows kept, whatever the windows do (memory stays flat on endless streams).
    public let capacity: Int
    private var rows: [Row] = []
    private var head = 0
    /// Rows dropped because the bound was hit (an utterance longer than the bound loses its start).
    public private(set) var overflowed = 0

    public init(capacity: Int) { self.capacity = max(1, capacity) }

    public var count: Int { rows.count - head }
    public var latestTime: Double? { head < rows.count ? rows.last?.time : nil }

    public mutating func append(time: Double, values: [Float]) {
        rows.append(Row(time: time, values: values))
        if count > capacity {
            head += 1
            overflowed += 1
        }
        compact()
    }

    /// Rows with start ≤ time < end.
    public func rows(from start: Double, to end: Double) -> [Row] {
        var out: [Row] = []
        var index = lowerBound(start)
        while index < rows.count, rows[index].time < end {
            out.append(rows[index])
            index += 1
        }
        return out
    }

    /// Forgets rows before `time` (no open window reaches back further).
    public mutating func trim(before time: Double) {
        head = max(head, lowerBound(time))
        compact()
    }

    private func lowerBound(_ time: Double) -> Int {
        var low = head, high = rows.count
        while low < high {
            let mid = (low + high) / 2
            if rows[mid].time < time { low = mid + 1 } else { high = mid }
        }
        return low
    }

    private mutating func compact() {
        if head > 1024 && head * 2 > rows.count {
            rows.removeFirst(head)
            head = 0
        }
    }
}
