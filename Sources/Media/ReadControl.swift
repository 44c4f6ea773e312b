import CFFmpeg
import Dispatch
import Synchronization

/// Shared between a decoding thread and whoever owns the read: cancellation and the
/// stall watchdog that FFmpeg's interrupt callback consults while it blocks on I/O.
final class ReadControl: Sendable {
    private let cancelled = Atomic<Bool>(false)
    private let lastProgress = Atomic<UInt64>(DispatchTime.now().uptimeNanoseconds)
    private let stalledFlag = Atomic<Bool>(false)
    let stallTimeoutNanoseconds: UInt64?
    /// The demuxer whose byte counter shows input arriving, also while FFmpeg probes streams
    /// (joining a live H.264 stream between key frames can take seconds of reading before the
    /// first packet). Set once by the decoding thread before opening; read only from FFmpeg's
    /// interrupt callback on that same thread.
    nonisolated(unsafe) var formatContext: UnsafeMutablePointer<AVFormatContext>?
    private let lastBytes = Atomic<Int64>(-1)

    init(stallTimeout: Duration?) {
        if let stallTimeout {
            let (seconds, attoseconds) = stallTimeout.components
            stallTimeoutNanoseconds = UInt64(max(0, seconds)) * 1_000_000_000
                + UInt64(max(0, attoseconds) / 1_000_000_000)
        } else {
            stallTimeoutNanoseconds = nil
        }
    }

    func cancel() { cancelled.store(true, ordering: .relaxed) }
    var isCancelled: Bool { cancelled.load(ordering: .relaxed) }
    var didStall: Bool { stalledFlag.load(ordering: .relaxed) }

    /// Called whenever input arrives.
    func progressed() { lastProgress.store(DispatchTime.now().uptimeNanoseconds, ordering: .relaxed) }

    /// True when FFmpeg should abandon the blocking call it is in.
    func shouldInterrupt() -> Bool {
        if isCancelled { return true }
        guard let limit = stallTimeoutNanoseconds else { return false }
        if let bytes = formatContext?.pointee.pb?.pointee.bytes_read, bytes != lastBytes.load(ordering: .relaxed) {
            lastBytes.store(bytes, ordering: .relaxed)
            progressed()
            return false
        }
        let now = DispatchTime.now().uptimeNanoseconds
        let last = lastProgress.load(ordering: .relaxed)
        if now > last, now - last > limit {
            stalledFlag.store(true, ordering: .relaxed)
            return true
        }
        return false
    }
}
