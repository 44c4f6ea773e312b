import CFFmpeg
import Foundation
import Synchronization

/// Reads one input — a file or any URL FFmpeg understands (file, pipe:, tcp://, udp://,
/// rtsp://, rtmp://, http(s)://, srt://) — into audio chunks, video frames and caption cues.
///
/// Decoding runs on a dedicated thread (FFmpeg's calls block), handing events through a
/// bounded buffer: `events()` streams them as they are decoded, `readAll()` collects them.
/// A live source that stops sending fails with `.stalled` after `stallTimeout`.
public struct MediaReader: Sendable {
    public let input: String
    public let options: MediaReadOptions

    public init(_ input: String, options: MediaReadOptions = MediaReadOptions()) {
        self.input = input
        self.options = options
    }

    /// Streams and container facts, without decoding. Blocks while FFmpeg opens the input.
    public static func probe(_ input: String, stallTimeout: Duration? = .seconds(10),
                             inputFormat: String? = nil, formatOptions: [String: String] = [:]) throws(MediaError) -> MediaInfo {
        let control = ReadControl(stallTimeout: stallTimeout)
        let source = try InputSource(input: input, inputFormat: inputFormat, formatOptions: formatOptions, control: control)
        return source.info()
    }

    /// The decoded events as they come; decoding starts when iteration starts and stops
    /// when the iterator is dropped or its task is cancelled.
    public func events() -> MediaEventSequence { MediaEventSequence(reader: self) }

    /// Decodes the whole input. A failure midway throws a `MediaError` whose `partial`
    /// holds what was decoded before it.
    public func readAll() async throws(MediaError) -> DecodedMedia {
        var media = DecodedMedia(sampleRate: options.audio?.sampleRate ?? 16_000)
        let session = DecodingSession(reader: self)
        defer { session.cancel() }
        do {
            while let event = try await session.next() { media.append(event) }
        } catch var error as MediaError {
            error.partial = media
            throw error
        } catch {
            throw MediaError(.cancelled, input: input, reason: "reading was cancelled", partial: media)
        }
        return media
    }
}

/// The async sequence of a reader's events.
public struct MediaEventSequence: AsyncSequence, Sendable {
    public typealias Element = MediaEvent
    let reader: MediaReader

    public func makeAsyncIterator() -> Iterator { Iterator(session: DecodingSession(reader: reader)) }

    public struct Iterator: AsyncIteratorProtocol {
        let session: DecodingSession

        public mutating func next() async throws -> MediaEvent? { try await session.next() }
    }
}

/// One decoding thread and its bounded hand-off buffer. Ends the thread when released.
final class DecodingSession: Sendable {
    private let buffer: EventBuffer<MediaEvent>
    private let control: ReadControl
    private let started = Mutex(false)
    private let reader: MediaReader

    init(reader: MediaReader) {
        self.reader = reader
        self.buffer = EventBuffer(capacity: reader.options.bufferCapacity)
        self.control = ReadControl(stallTimeout: reader.options.stallTimeout)
    }

    deinit { cancel() }

    func next() async throws -> MediaEvent? {
        startIfNeeded()
        return try await withTaskCancellationHandler {
            try await buffer.next()
        } onCancel: {
            self.cancel()
        }
    }

    func cancel() {
        control.cancel()
        buffer.cancelConsumer()
    }

    private func startIfNeeded() {
        let first = started.withLock { started -> Bool in
            defer { started = true }
            return !started
        }
        guard first else { return }
        let job = DecodeJob(reader: reader, buffer: buffer, control: control)
        let thread = Thread { job.run() }
        thread.name = "sentio.media.decode"
        thread.stackSize = 1 << 20
        thread.start()
    }
}

