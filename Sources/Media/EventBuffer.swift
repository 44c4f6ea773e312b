import Foundation

/// A bounded hand-off from a decoding thread (which may block) to an async consumer.
///
/// The producer blocks while the buffer is full, so a slow consumer pauses decoding
/// instead of growing memory; the consumer suspends while it is empty.
final class EventBuffer<Element: Sendable>: @unchecked Sendable {
    // All state is guarded by `condition`.
    private let condition = NSCondition()
    private var items: [Element] = []
    private var head = 0
    private var finished = false
    private var failure: (any Error)?
    private var waiter: CheckedContinuation<Element?, any Error>?
    private var consumerGone = false
    let capacity: Int

    init(capacity: Int) { self.capacity = max(1, capacity) }

    /// Producer side. Returns false when the consumer has gone away (stop producing).
    @discardableResult
    func put(_ element: Element) -> Bool {
        condition.lock()
        while items.count - head >= capacity && !consumerGone && waiter == nil {
            condition.wait()
        }
        if consumerGone { condition.unlock(); return false }
        if let waiter {
            self.waiter = nil
            condition.unlock()
            waiter.resume(returning: element)
            return true
        }
        items.append(element)
        condition.unlock()
        return true
    }

    /// Producer side: no more elements; `error` is delivered after the buffered ones.
    func finish(throwing error: (any Error)? = nil) {
        condition.lock()
        guard !finished else { condition.unlock(); return }
        finished = true
        failure = error
        if let waiter {
            self.waiter = nil
            condition.unlock()
            if let error { waiter.resume(throwing: error) } else { waiter.resume(returning: nil) }
            return
        }
        condition.unlock()
    }

    /// Consumer side: the next element, nil at the end, or the producer's error.
    func next() async throws -> Element? {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Element?, any Error>) in
            condition.lock()
            if head < items.count {
                let element = items[head]
                head += 1
                if head > 256 && head * 2 > items.count {
                    items.removeFirst(head)
                    head = 0
                }
                condition.signal()
                condition.unlock()
                continuation.resume(returning: element)
            } else if finished {
                let error = failure
                failure = nil
                condition.unlock()
                if let error { continuation.resume(throwing: error) } else { continuation.resume(returning: nil) }
            } else {
                waiter = continuation
                condition.signal()  // a producer waiting on a full buffer may hand over directly
                condition.unlock()
            }
        }
    }

    /// Consumer side: stop; wakes a blocked producer and fails a pending `next()`.
    func cancelConsumer() {
        condition.lock()
        consumerGone = true
        let pending = waiter
        waiter = nil
        condition.broadcast()
        condition.unlock()
        pending?.resume(throwing: CancellationError())
    }

    /// Number of elements waiting (for tests of the bound).
    var count: Int {
        condition.lock(); defer { condition.unlock() }
        return items.count - head
    }
}
