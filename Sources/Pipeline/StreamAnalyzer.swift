import Acoustics
import Foundation
import Media
import Speech
import Synchronization
import Vision

/// Where utterance boundaries come from (DESIGN.md §1).
public enum WindowSource: Sendable {
    /// Caption cues of the input's subtitle streams.
    case captions
    /// A sidecar transcript (SRT, WebVTT, JSON).
    case transcript(Transcript)
    /// No transcript: voice-activity segments, scored without text.
    case voiceActivity
    /// Segments or words arriving live (the ZeroMQ transcript feed).
    case feed(TranscriptInbox)
    /// Sentio's own speech recognition: voice activity cuts the audio into chunks (closed at
    /// pauses, at most 28 s), each chunk is transcribed when it closes, off the analysis task,
    /// and its segments become windows as caption cues do.
    case asr(any SpeechRecognizing)
}

/// One stream's analysis: media events → features → utterance windows → scores, in one
/// owning task (decoding runs on Media's own thread behind a bounded queue).
public struct StreamAnalyzer: Sendable {
    public struct Settings: Sendable {
        public var windows: WindowSource
        public var policy = UtteranceSegmenter.Policy()
        /// Frames per second given to the face stage (5 keeps a 30 fps source cheap).
        public var faceFrameRate: Double = 5
        /// Longest span of features kept for an open utterance (bounds memory on endless streams).
        public var maxUtteranceSeconds: Double = 60
        /// Compute acoustic / visual features even when the model does not read them
        /// (for feature output beside the results).
        public var forceAcoustic = false
        public var forceVisual = false
        /// A live stream: latency is measured from the moment an utterance's end was played;
        /// windows are released by the played clock when the model reads no audio/visual frames;
        /// when the model falls behind, the oldest waiting utterance is dropped (and counted).
        public var live = false
        /// Utterances closed and waiting for the model, at most (each holds its features: at
        /// most `maxUtteranceSeconds` of frames). A file input waits for room instead.
        public var scoringQueueCapacity = 8
        /// How far the played clock may run ahead of the decoded media (seconds): far enough to
        /// cover a muxer's audio bundling (~0.5 s for MPEG-TS defaults), short enough that an input
        /// gone silent does not release windows that never played.
        public var maxClockLead: Double = 1.0
        /// Speech chunks that may wait for recognition (`.asr`); when full, a live stream drops
        /// the oldest, a recording pauses decoding (SpeechTranscriber).
        public var speechQueueCapacity = 4
        /// How speech is cut into chunks (`.asr`); nil: `.live` for live streams, else `.recording`.
        public var speechChunker: SpeechChunker.Settings?

        public init(windows: WindowSource) { self.windows = windows }
    }

    /// Totals at the end of a run.
    public struct Summary: Sendable, Equatable {
        public var utterances = 0
        public var mediaSeconds = 0.0
        public var acousticFrames = 0
        public var videoFrames = 0
        public var framesWithFace = 0
        public var featureOverflow = 0
        /// Utterances dropped because the model fell behind a live input.
        public var dropped = 0
        /// Most utterances that waited for the model at once (≤ `scoringQueueCapacity`).
        public var peakScoringQueue = 0
        /// Speech chunks dropped because recognition fell behind a live stream (`.asr`).
        public var speechChunksDropped = 0
        /// Speech chunks whose recognition failed (`.asr`), one message each.
        public var speechFailures: [String] = []
        /// The run was stopped (cancelled) before its input ended.
        public var drained = false
    }

    public let settings: Settings
    public let scorer: any UtteranceScoring
    public let faceAnalyzer: FaceAnalyzer?

    public init(settings: Settings, scorer: any UtteranceScoring, faceAnalyzer: FaceAnalyzer?) {
        self.settings = settings
        self.scorer = scorer
        self.faceAnalyzer = faceAnalyzer
    }

    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }

    var needsAcoustic: Bool { scorer.usesAcoustic || settings.forceAcoustic }
    var needsVisual: Bool { (scorer.usesVisual || settings.forceVisual) && faceAnalyzer != nil }

    /// The media options this analysis needs from a reader.
    public func readOptions(base: MediaReadOptions = MediaReadOptions()) -> MediaReadOptions {
        var options = base
        // Audio is decoded whenever the windows are not carried by the input itself: it is the
        // clock against which transcript windows are released (and VAD's input).
        let needsAudio = needsAcoustic || { if case .captions = settings.windows { return false }; return true }()
        options.audio = needsAudio ? .speech : nil
        options.video = needsVisual ? VideoFormat(pixelFormat: .gray8, frameRate: settings.faceFrameRate) : nil
        if case .captions = settings.windows { options.captions = true } else { options.captions = false }
        // A missing stream is not an error here: the modality is just absent from the result.
        options.requireRequestedStreams = false
        return options
    }

    /// Runs to the end of the input (or its failure), handing each finished utterance to
    /// `onResult` in order. Features of frames are handed to `onFeatures` when given;
    /// `onDrop` hears of each utterance dropped because the model fell behind a live input.
    public func run(_ reader: MediaReader,
                    onAcousticFrame: ((AcousticFrame) -> Void)? = nil,
                    onFaceObservation: ((FaceObservation) -> Void)? = nil,
                    onDrop: ((UtteranceWindow) -> Void)? = nil,
                    onResult: (UtteranceResult) async throws -> Void) async throws -> Summary {
        try await run(events: reader.events(), onAcousticFrame: onAcousticFrame, onFaceObservation: onFaceObservation,
                      onDrop: onDrop, onResult: onResult)
    }

    /// A window is released by the played clock (without waiting for decoded media past its
    /// end) on live inputs when the model reads no audio or visual frames.
    var releasesOnPlayedClock: Bool { settings.live && !needsAcoustic && !needsVisual }

    /// The same run on any sequence of decoded events (tests drive it with timed synthetic ones).
    ///
    /// One owning task (this one) holds all state. Three helpers feed its mailbox: the pump
    /// (decoded events, back-pressured), the timer (a tick at the earliest pending window end
    /// on the played clock, live inputs only) and the scoring stage (results, in order, from
    /// the bounded scoring queue). Cancellation is delivered as a mailbox input too, so every
    /// path — end, failure, drain — runs the same closing code once.
    public func run<Events: AsyncSequence & Sendable>(
        events: Events,
        onAcousticFrame: ((AcousticFrame) -> Void)? = nil,
        onFaceObservation: ((FaceObservation) -> Void)? = nil,
        onDrop: ((UtteranceWindow) -> Void)? = nil,
        onResult: (UtteranceResult) async throws -> Void
    ) async throws -> Summary where Events.Element == MediaEvent {
        var state = RunState(settings: settings, needsAcoustic: needsAcoustic, needsVisual: needsVisual,
                             faceAnalyzer: faceAnalyzer, releasesOnPlayedClock: releasesOnPlayedClock)
        var summary = Summary()
        var seq = 0
        let transcriber = state.transcriber
        /// Hands closed speech chunks to recognition (waits only for a recording whose queue is full).
        func submitSpeech() async {
            guard let transcriber else { return }
            for chunk in state.takeSpeechChunks() { await transcriber.submit(chunk) }
        }
        /// End of input: the last chunk, then every transcription still running.
        func finishSpeech() async {
            await submitSpeech()
            await transcriber?.drain()
        }
        let clock = ContinuousClock()
        let mailbox = StreamMailbox()
        let queue = ScoringQueue(capacity: settings.scoringQueueCapacity)
        let alarm = Mutex<ContinuousClock.Instant?>(nil)
        let scorer = self.scorer
        let live = settings.live

        let pump = Task {
            do {
                for try await event in events {
                    guard await mailbox.send(event, at: clock.now) else { return }
                }
                mailbox.post(.end(nil))
            } catch {
                mailbox.post(.end(error))
            }
        }
        let timer: Task<Void, Never>? = live ? Task {
            // Wakes at the alarm, and at least every 50 ms (a live transcript feed is taken then).
            while !Task.isCancelled {
                let now = clock.now
                let wake = min(alarm.withLock { $0 } ?? now + .milliseconds(50), now + .milliseconds(50))
                try? await Task.sleep(until: max(wake, now + .milliseconds(1)), clock: clock)
                mailbox.post(.tick)
            }
        } : nil
        let scoring = Task {
            while let item = await queue.next() {
                let result = Result<UtteranceScore, any Error>(catching: { try scorer.score(item.input) })
                mailbox.post(.scored(item, result))
            }
            mailbox.post(.scoringDone)
        }
        defer {
            mailbox.close()
            queue.close()
            pump.cancel()
            timer?.cancel()
        }

        func close(_ ready: [UtteranceWindow]) async {
            for window in ready {
                let item = ScoringQueue.Item(input: state.input(for: window), playedEnd: state.playedInstant(of: window.end),
                                             closed: clock.now)
                // Live: never wait (the sender does not); a file: wait for the model.
                if let dropped = await queue.enqueue(item, dropOldest: live) {
                    summary.dropped += 1
                    onDrop?(dropped.input.window)
                }
                summary.peakScoringQueue = max(summary.peakScoringQueue, queue.count)
            }
            state.forgetBefore(state.oldestOpenStart)
        }

        func publish(_ item: ScoringQueue.Item, _ result: Result<UtteranceScore, any Error>) async throws {
            let score = try result.get()
            let now = clock.now
            seq += 1
            // Live: from the moment the window's end was played to now — waiting for the input and
            // for the model included. Batch, or a window cut short by the end of the input (its end
            // not played yet): the time from closing the window to its score.
            let milliseconds: Double
            if let playedEnd = item.playedEnd, playedEnd <= now {
                milliseconds = Self.milliseconds(now - playedEnd)
            } else {
                milliseconds = Self.milliseconds(now - item.closed)
            }
            let input = item.input
            let result = UtteranceResult(seq: seq, window: input.window, score: score, modelID: scorer.modelID,
                                         acousticFrames: input.acoustic.count, visualFrames: input.visual.count,
                                         latencyMilliseconds: milliseconds)
            summary.utterances += 1
            try await onResult(result)
        }

        // Cancelling the running task is the drain signal (SIGTERM in the daemon): reading stops,
        // and the utterance in flight — the one whose start has been played — is still finished
        // and handed on. Windows of a sidecar transcript that lie ahead are not.
        var drained = false
        var failure: (any Error)?
        await withTaskCancellationHandler {
            reading: while true {
                switch await mailbox.receive() {
                case .event(let event, let arrival):
                    state.noteArrival(event, at: arrival)
                    switch event {
                    case .audio(let chunk):
                        for frame in state.pushAudio(chunk) { onAcousticFrame?(frame) }
                        await submitSpeech()
                    case .video(let frame):
                        do {
                            if let observation = try state.pushVideo(frame) { onFaceObservation?(observation) }
                        } catch {
                            failure = error
                            break reading
                        }
                    case .caption(let cue):
                        state.pushCue(cue)
                    }
                case .tick, .scoringDone:
                    break
                case .scored(let item, let result):
                    do { try await publish(item, result) } catch { failure = error; break reading }
                case .end(let error):
                    if let error {
                        if error is CancellationError || (error as? MediaError)?.kind == .cancelled {
                            drained = true
                        } else {
                            failure = error
                        }
                    }
                    break reading
                case .cancelled:
                    drained = true
                    break reading
                }
                await close(state.readyWindows(atEnd: false, now: clock.now))
                alarm.withLock { $0 = state.nextRelease() }
            }
        } onCancel: {
            mailbox.post(.cancelled)
        }
        mailbox.close()
        pump.cancel()
        timer?.cancel()

        for frame in state.finishAudio() { onAcousticFrame?(frame) }
        await finishSpeech()
        if failure != nil {
            // The input failed (dropped stream, damaged file): what was played — by media time,
            // not by the wall clock, which ran on while the input was silent — is still finished.
            await close(state.readyWindows(atEnd: true, playedOnly: true, now: nil))
        } else {
            await close(state.readyWindows(atEnd: true, playedOnly: drained, now: clock.now))
        }
        queue.close()
        // The scoring stage finishes what was closed; results come back in order.
        finishing: while true {
            switch await mailbox.receive() {
            case .scored(let item, let result):
                guard failure == nil else { continue }
                do { try await publish(item, result) } catch { failure = error }
            case .scoringDone: break finishing
            default: continue
            }
        }
        _ = await scoring.value
        summary.speechChunksDropped = transcriber?.dropped ?? 0
        summary.speechFailures = transcriber?.failures ?? []
        if let failure { throw failure }
        summary.drained = drained
        summary.mediaSeconds = state.mediaTime
        summary.acousticFrames = state.acousticCount
        summary.videoFrames = state.videoCount
        summary.framesWithFace = state.faceCount
        summary.featureOverflow = state.acoustic.overflowed + state.visual.overflowed
        return summary
    }
}

/// The mutable state of one run, owned by the running task.
struct RunState {
    let settings: StreamAnalyzer.Settings
    let needsAcoustic: Bool
    let needsVisual: Bool
    let releasesOnPlayedClock: Bool
    var faceAnalyzer: FaceAnalyzer?
    var extractor = AcousticExtractor()
    var vad = VoiceActivityDetector()
    var segmenter: UtteranceSegmenter
    var acoustic: FeatureTimeline
    var visual: FeatureTimeline
    /// Windows whose boundaries are known, waiting for their features (time order).
    var waiting: [UtteranceWindow] = []
    var audioTime = 0.0
    var videoTime = 0.0
    var acousticCount = 0
    var videoCount = 0
    var faceCount = 0
    /// `.asr` only: the chunker, chunks closed but not yet submitted, and the recognition worker.
    var chunker: SpeechChunker?
    var speechChunks: [SpeechChunker.Chunk] = []
    let transcriber: SpeechTranscriber?

    init(settings: StreamAnalyzer.Settings, needsAcoustic: Bool, needsVisual: Bool, faceAnalyzer: FaceAnalyzer?,
         releasesOnPlayedClock: Bool = false) {
        self.settings = settings
        self.releasesOnPlayedClock = releasesOnPlayedClock
        self.needsAcoustic = needsAcoustic
        self.needsVisual = needsVisual
        self.faceAnalyzer = faceAnalyzer
        switch settings.windows {
        case .captions: segmenter = UtteranceSegmenter(policy: settings.policy, source: .caption)
        case .transcript(let transcript):
            segmenter = UtteranceSegmenter(policy: settings.policy, source: .transcript)
            waiting = UtteranceSegmenter.windows(for: transcript.segments, policy: settings.policy, source: .transcript)
        case .voiceActivity: segmenter = UtteranceSegmenter(policy: settings.policy, source: .voiceActivity)
        case .feed: segmenter = UtteranceSegmenter(policy: settings.policy, source: .feed)
        case .asr: segmenter = UtteranceSegmenter(policy: settings.policy, source: .asr)
        }
        if case .asr(let recognizer) = settings.windows {
            chunker = SpeechChunker(settings: settings.speechChunker ?? (settings.live ? .live : .recording))
            transcriber = SpeechTranscriber(recognizer: recognizer, capacity: settings.speechQueueCapacity,
                                            overflow: settings.live ? .dropOldest : .wait)
        } else {
            transcriber = nil
        }
        acoustic = FeatureTimeline(capacity: Int(settings.maxUtteranceSeconds * 100) + 200)
        visual = FeatureTimeline(capacity: Int(settings.maxUtteranceSeconds * max(settings.faceFrameRate, 1)) + 10)
    }

    /// Where media time 0 lies on the monotonic clock: the earliest (arrival − media time) over
    /// the events of the last `clockWindow` seconds. Decoding can only lag the stream, so the
    /// minimum is the best estimate; taken over a sliding window, a burst at the start (a sender
    /// that sends its first packets ahead of time) or clock drift does not bias it for good.
    var mediaStartOnClock: ContinuousClock.Instant? { startCandidates.first?.candidate }
    /// Candidates in arrival order with increasing values (a sliding-window minimum).
    private var startCandidates: [(arrival: ContinuousClock.Instant, candidate: ContinuousClock.Instant)] = []
    static let clockWindow: Duration = .seconds(10)

    mutating func noteArrival(_ event: MediaEvent, at now: ContinuousClock.Instant) {
        let time: Double
        switch event {
        case .audio(let chunk): time = chunk.endTime
        case .video(let frame): time = frame.time
        case .caption(let cue):
            // A cue is demuxed as its start plays.
            time = cue.start
            latestCueStart = max(latestCueStart, cue.start)
        }
        let candidate = now - .microseconds(Int64(time * 1_000_000))
        while let last = startCandidates.last, last.candidate >= candidate { startCandidates.removeLast() }
        startCandidates.append((now, candidate))
        // Keep the oldest while it is the only one (a silent input keeps its last estimate).
        while startCandidates.count > 1, startCandidates[0].arrival < now - Self.clockWindow { startCandidates.removeFirst() }
    }

    var captionTime = 0.0
    var latestCueStart = 0.0
    var mediaTime: Double { max(audioTime, videoTime, captionTime) }

    /// Media time known to have played: decoded media, and cue starts (a cue's end lies ahead).
    var playedMediaTime: Double { max(audioTime, videoTime, latestCueStart) }

    /// The stream's played position at `now`: media time mapped through the monotonic clock,
    /// kept between what was decoded and `maxClockLead` beyond it. Without the clock
    /// release (or at a failure: `now` nil), the decoded media time.
    func playedTime(at now: ContinuousClock.Instant?) -> Double {
        guard releasesOnPlayedClock, let now, let start = mediaStartOnClock else { return mediaTime }
        let onClock = StreamAnalyzer.milliseconds(now - start) / 1000
        return min(max(onClock, playedMediaTime), playedMediaTime + settings.maxClockLead)
    }

    /// When media time `time` plays (or played) on the monotonic clock, once the mapping is known.
    func playedInstant(of time: Double) -> ContinuousClock.Instant? {
        guard settings.live, let start = mediaStartOnClock else { return nil }
        return start + .microseconds(Int64(time * 1_000_000))
    }

    /// The next instant the played clock may release something: the end of the first waiting
    /// window, or the moment pending text can no longer merge with anything.
    func nextRelease() -> ContinuousClock.Instant? {
        guard releasesOnPlayedClock else { return nil }
        var times: [Double] = []
        if let first = waiting.first { times.append(first.end) }
        if let pendingEnd = segmenter.pendingEnd { times.append(pendingEnd + settings.policy.maxMergeGap + 0.001) }
        guard let earliest = times.min() else { return nil }
        return playedInstant(of: earliest)
    }

    mutating func pushAudio(_ chunk: AudioChunk) -> [AcousticFrame] {
        audioTime = max(audioTime, chunk.endTime)
        if case .voiceActivity = settings.windows {
            for segment in vad.push(chunk.samples, startTime: chunk.startTime) { addVoiceWindow(segment) }
        }
        speechChunks += chunker?.push(chunk.samples, startTime: chunk.startTime) ?? []
        guard needsAcoustic else { return [] }
        if !offsetKnown { timelineOffset = chunk.startTime; offsetKnown = true }
        extractor.push(chunk.samples)
        return takeFrames(extractor.pull())
    }

    mutating func finishAudio() -> [AcousticFrame] {
        if case .voiceActivity = settings.windows {
            for segment in vad.finish() { addVoiceWindow(segment) }
        }
        speechChunks += chunker?.finish() ?? []
        guard needsAcoustic else { return [] }
        extractor.finish()
        return takeFrames(extractor.pull())
    }

    /// The acoustic extractor counts time from its first sample; the stream's clock may not
    /// start at 0 (priming), so frames are shifted onto the stream's clock. Audio is taken as
    /// contiguous from there (a gap in a live stream shifts later frames by the gap).
    var timelineOffset = 0.0
    var offsetKnown = false

    private mutating func takeFrames(_ frames: [AcousticFrame]) -> [AcousticFrame] {
        var out: [AcousticFrame] = []
        for var frame in frames {
            frame.time += Float(timelineOffset)
            acoustic.append(time: Double(frame.time), values: frame.values)
            acousticCount += 1
            out.append(frame)
        }
        return out
    }

    mutating func pushVideo(_ frame: VideoFrame) throws -> FaceObservation? {
        videoTime = max(videoTime, frame.time)
        videoCount += 1
        guard needsVisual, faceAnalyzer != nil else { return nil }
        let image = try GrayImage(width: frame.width, height: frame.height, pixels: frame.pixels)
        guard var observation = faceAnalyzer?.analyze(frame: image, timestamp: frame.time) else { return nil }
        observation.frame = frame.index
        if observation.success {
            faceCount += 1
            visual.append(time: frame.time, values: observation.descriptors)
        }
        return observation
    }

    mutating func pushCue(_ cue: CaptionCue) {
        captionTime = max(captionTime, cue.end)
        waiting += segmenter.push(cue)
    }

    private mutating func addVoiceWindow(_ segment: VoiceActivityDetector.Segment) {
        waiting.append(UtteranceWindow(start: segment.start, end: segment.end, text: nil, source: .voiceActivity))
    }

    /// Windows whose features are complete: every stream the model reads has passed the end
    /// (for a model that reads none, the played clock at `now` has).
    mutating func readyWindows(atEnd: Bool, playedOnly: Bool = false, now: ContinuousClock.Instant?) -> [UtteranceWindow] {
        let played = playedTime(at: now)
        if case .feed(let inbox) = settings.windows {
            for segment in inbox.take() { waiting += segmenter.push(segment) }
        }
        if let transcriber {
            for segment in transcriber.take() { waiting += segmenter.push(segment) }
        }
        switch settings.windows {
        case .captions, .feed: waiting += atEnd ? segmenter.finish() : segmenter.advance(to: releasesOnPlayedClock ? played : mediaTime)
        // A recording waits until the next speech is transcribed, so that a short piece may
        // still merge with it; a live stream publishes each chunk's text as soon as it is known.
        case .asr: waiting += atEnd ? segmenter.finish() : segmenter.advance(to: settings.live ? mediaTime : speechFrontier)
        default: break
        }
        if atEnd && playedOnly {
            // Stopped early: only windows that had started playing are finished.
            waiting.removeAll { $0.start >= played }
        }
        var ready: [UtteranceWindow] = []
        while let first = waiting.first {
            let acousticDone = !needsAcoustic || (acoustic.latestTime ?? -1) >= first.end - 0.01
            let visualDone = !needsVisual || videoTime >= first.end - 1 / max(settings.faceFrameRate, 1)
            let boundaryDone = (releasesOnPlayedClock ? played : mediaTime) >= first.end
            guard atEnd || (acousticDone && visualDone && boundaryDone) else { break }
            ready.append(waiting.removeFirst())
        }
        return ready
    }

    mutating func takeSpeechChunks() -> [SpeechChunker.Chunk] {
        defer { speechChunks.removeAll() }
        return speechChunks
    }

    /// `.asr`: the time before which every transcript segment is known — the start of the
    /// oldest speech not yet transcribed (open in the chunker, closed but not submitted,
    /// queued, or being transcribed), else the stream's clock.
    var speechFrontier: Double {
        [chunker?.openSpeechStart, speechChunks.first?.start, transcriber?.pendingStart, mediaTime]
            .compactMap { $0 }.min() ?? mediaTime
    }

    var oldestOpenStart: Double {
        let open = waiting.first?.start ?? mediaTime - settings.policy.maxDuration
        // Speech still being recognised will need the features from its start on.
        return transcriber == nil ? open : min(open, speechFrontier)
    }

    mutating func forgetBefore(_ time: Double) {
        acoustic.trim(before: time)
        visual.trim(before: time)
    }

    func input(for window: UtteranceWindow) -> UtteranceInput {
        UtteranceInput(window: window,
                       acoustic: acoustic.rows(from: window.start, to: window.end).map(\.values),
                       visual: visual.rows(from: window.start, to: window.end).map(\.values))
    }
}
