import Acoustics
import Foundation
import Media
import Speech
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
        /// A live stream: latency is measured from the moment an utterance's end was played.
        public var live = false
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
        /// The run was stopped (cancelled) before its input ended.
        public var drained = false
        /// Speech chunks dropped because recognition fell behind a live stream (`.asr`).
        public var speechChunksDropped = 0
        /// Speech chunks whose recognition failed (`.asr`), one message each.
        public var speechFailures: [String] = []
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
    /// `onResult` in order. Features of frames are handed to `onFeatures` when given.
    public func run(_ reader: MediaReader,
                    onAcousticFrame: ((AcousticFrame) -> Void)? = nil,
                    onFaceObservation: ((FaceObservation) -> Void)? = nil,
                    onResult: (UtteranceResult) async throws -> Void) async throws -> Summary {
        var state = RunState(settings: settings, needsAcoustic: needsAcoustic, needsVisual: needsVisual,
                             faceAnalyzer: faceAnalyzer)
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
        var summary = Summary()
        var seq = 0
        let clock = ContinuousClock()

        func release(_ ready: [UtteranceWindow]) async throws {
            for window in ready {
                let input = state.input(for: window)
                let scoringStart = clock.now
                let score = try scorer.score(input)
                seq += 1
                let milliseconds: Double
                if settings.live, let mediaStart = state.mediaStartOnClock, state.mediaTime >= window.end {
                    // Live: from the moment the window's end was played (the stream's start on
                    // this clock plus the end time) to now — waiting for the input included.
                    let ended = mediaStart + .milliseconds(Int64(window.end * 1000))
                    milliseconds = Self.milliseconds(clock.now - ended)
                } else {
                    // Batch, or a window cut short by the end of the input: the time to score it.
                    milliseconds = Self.milliseconds(clock.now - scoringStart)
                }
                let result = UtteranceResult(seq: seq, window: window, score: score, modelID: scorer.modelID,
                                             acousticFrames: input.acoustic.count, visualFrames: input.visual.count,
                                             latencyMilliseconds: milliseconds)
                summary.utterances += 1
                try await onResult(result)
            }
            state.forgetBefore(state.oldestOpenStart)
        }

        // Cancelling the running task is the drain signal (SIGTERM in the daemon): reading stops,
        // and the utterance in flight — the one whose start has been played — is still finished
        // and handed on. Windows of a sidecar transcript that lie ahead are not.
        var drained = false
        do {
            for try await event in reader.events() {
                state.noteArrival(event, at: clock.now)
                switch event {
                case .audio(let chunk):
                    for frame in state.pushAudio(chunk) { onAcousticFrame?(frame) }
                    await submitSpeech()
                case .video(let frame):
                    if let observation = try state.pushVideo(frame) { onFaceObservation?(observation) }
                case .caption(let cue):
                    state.pushCue(cue)
                }
                try await release(state.readyWindows(atEnd: false))
                if Task.isCancelled { drained = true; break }
            }
        } catch is CancellationError {
            drained = true
        } catch let error as MediaError where error.kind == .cancelled {
            drained = true
        } catch {
            // The input failed (dropped stream, damaged file): what was played is still finished.
            for frame in state.finishAudio() { onAcousticFrame?(frame) }
            await finishSpeech()
            try await release(state.readyWindows(atEnd: true, playedOnly: true))
            throw error
        }
        for frame in state.finishAudio() { onAcousticFrame?(frame) }
        await finishSpeech()
        try await release(state.readyWindows(atEnd: true, playedOnly: drained))
        summary.drained = drained
        summary.speechChunksDropped = transcriber?.dropped ?? 0
        summary.speechFailures = transcriber?.failures ?? []

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
    var faceAnalyzer: FaceAnalyzer?
    var extractor = AcousticExtractor()
    var vad = VoiceActivityDetector()
    /// `.asr` only: the chunker, chunks closed but not yet submitted, and the recognition worker.
    var chunker: SpeechChunker?
    var speechChunks: [SpeechChunker.Chunk] = []
    let transcriber: SpeechTranscriber?
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

    init(settings: StreamAnalyzer.Settings, needsAcoustic: Bool, needsVisual: Bool, faceAnalyzer: FaceAnalyzer?) {
        self.settings = settings
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
    /// events. Decoding can only lag the stream, so the minimum is the best estimate.
    var mediaStartOnClock: ContinuousClock.Instant?

    mutating func noteArrival(_ event: MediaEvent, at now: ContinuousClock.Instant) {
        let time: Double
        switch event {
        case .audio(let chunk): time = chunk.endTime
        case .video(let frame): time = frame.time
        case .caption: return
        }
        let candidate = now - .milliseconds(Int64(time * 1000))
        if let current = mediaStartOnClock, current <= candidate { return }
        mediaStartOnClock = candidate
    }

    var captionTime = 0.0
    var mediaTime: Double { max(audioTime, videoTime, captionTime) }

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

    private mutating func addVoiceWindow(_ segment: VoiceActivityDetector.Segment) {
        waiting.append(UtteranceWindow(start: segment.start, end: segment.end, text: nil, source: .voiceActivity))
    }

    /// Windows whose features are complete: every stream the model reads has passed the end.
    mutating func readyWindows(atEnd: Bool, playedOnly: Bool = false) -> [UtteranceWindow] {
        if case .feed(let inbox) = settings.windows {
            for segment in inbox.take() { waiting += segmenter.push(segment) }
        }
        if let transcriber {
            for segment in transcriber.take() { waiting += segmenter.push(segment) }
        }
        switch settings.windows {
        case .captions, .feed: waiting += atEnd ? segmenter.finish() : segmenter.advance(to: mediaTime)
        // A recording waits until the next speech is transcribed, so that a short piece may
        // still merge with it; a live stream publishes each chunk's text as soon as it is known.
        case .asr: waiting += atEnd ? segmenter.finish() : segmenter.advance(to: settings.live ? mediaTime : speechFrontier)
        default: break
        }
        if atEnd && playedOnly {
            // Stopped early: only windows that had started playing are finished.
            let played = mediaTime
            waiting.removeAll { $0.start >= played }
        }
        var ready: [UtteranceWindow] = []
        while let first = waiting.first {
            let acousticDone = !needsAcoustic || (acoustic.latestTime ?? -1) >= first.end - 0.01
            let visualDone = !needsVisual || videoTime >= first.end - 1 / max(settings.faceFrameRate, 1)
            let boundaryDone = mediaTime >= first.end
            guard atEnd || (acousticDone && visualDone && boundaryDone) else { break }
            ready.append(waiting.removeFirst())
        }
        return ready
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
