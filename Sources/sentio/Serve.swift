import ArgumentParser
import Dispatch
import Foundation
import Media
import Metrics
import Prometheus
import Pipeline
import Speech
import Synchronization
import Transport
import Vision

/// `sentio serve`: the daemon. Each stream is read, cut into utterances, scored and
/// published on ZeroMQ while it plays; a dropped input is reopened with backoff; SIGTERM
/// drains (the utterance in flight is still published) and exits 0.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve live streams: publish utterance sentiment and heartbeats over ZeroMQ.",
        discussion: """
        Configuration: --config FILE (systemd/cam1.toml shows the format; [[streams]] tables \
        serve several streams from one process), or flags for one stream. Flags override the file.

        Topics: sentio.<stream>.utterance and sentio.<stream>.status (docs/MESSAGES.md).
        Under systemd (Type=notify) it sends READY=1, STATUS=…, WATCHDOG=1 and STOPPING=1.

        Examples:
          sentio serve --config /etc/sentio/cam1.toml
          sentio serve --input udp://127.0.0.1:5000 --stream cam1 --publish tcp://127.0.0.1:5556 --transcript talk.srt
        """)

    @Option(help: "Configuration file (TOML, as systemd/cam1.toml).")
    var config: String?

    @Option(help: "Input URL or file of a single stream.")
    var input: String?

    @Option(help: "Stream name (letters, digits, '_' and '-').")
    var stream: String?

    @Option(help: "ZeroMQ endpoint to publish on (XPUB bind), e.g. tcp://127.0.0.1:5556.")
    var publish: String?

    @Option(help: "Model checkpoint folder.")
    var model: String?

    @Option(help: "Utterance windows: captions, none (voice activity), asr (Sentio's own speech recognition), feed:ENDPOINT (ZeroMQ transcript feed), or a transcript file path.")
    var transcript: String?

    @Option(name: .customLong("speech-model"), help: "Whisper model directory for transcript asr (default: $SENTIO_SPEECH_MODEL, else the one scripts/setup downloads).")
    var speechModel: String?

    @Option(help: "Seconds between heartbeats on the status topic.")
    var heartbeat: Double?

    @Option(help: "Seconds a live input may stay silent before it is reopened.")
    var timeout: Double?

    @Option(name: .customLong("wait-for-subscriber"), help: "Seconds to wait for a first subscriber before reading (recorded inputs published to a listener).")
    var waitForSubscriber: Double = 0

    @Option(help: "Serve Prometheus metrics on HOST:PORT at /metrics (utterances, latency histogram, drops, reconnects).")
    var metrics: String?

    @Option(name: .customLong("text-model"), help: "Text encoder folder (default: $SENTIO_TEXT_MODEL or the one scripts/setup downloads).")
    var textModel: String?

    func resolvedConfiguration() throws -> ServeConfiguration {
        var configuration = ServeConfiguration()
        if let config {
            let text: String
            do { text = try String(contentsOfFile: config, encoding: .utf8) } catch {
                throw ValidationError("cannot read the configuration \(config): \(error.localizedDescription)")
            }
            configuration = try ServeConfiguration.parse(text, file: config)
        }
        if let publish { configuration.publish = publish }
        if let model { configuration.model = model }
        if let heartbeat { configuration.heartbeat = heartbeat }
        if let input {
            if configuration.streams.isEmpty { configuration.streams.append(.init(name: stream ?? "stream", input: input)) }
            configuration.streams[0].input = input
        }
        if let stream, !configuration.streams.isEmpty { configuration.streams[0].name = stream }
        if let transcript, !configuration.streams.isEmpty {
            if transcript == "captions" || transcript == "none" || transcript == "asr" {
                configuration.streams[0].transcriptSource = transcript
            } else if transcript.hasPrefix("feed:") {
                configuration.streams[0].transcriptSource = "feed"
                configuration.streams[0].transcriptEndpoint = String(transcript.dropFirst("feed:".count))
            } else {
                configuration.streams[0].transcriptSource = "file"
                configuration.streams[0].transcriptPath = transcript
            }
        }
        if let timeout { for i in configuration.streams.indices { configuration.streams[i].timeout = timeout } }
        guard !configuration.streams.isEmpty else { throw ValidationError("no stream to serve: give --input or --config") }
        for stream in configuration.streams {
            _ = try StreamName(stream.name)
            guard !stream.input.isEmpty else { throw ValidationError("stream \(stream.name) has no input") }
            if stream.transcriptSource == "file" && stream.transcriptPath == nil {
                throw ValidationError("stream \(stream.name): transcript source 'file' needs a path")
            }
            if stream.transcriptSource == "feed" && stream.transcriptEndpoint == nil {
                throw ValidationError("stream \(stream.name): transcript source 'feed' needs an endpoint")
            }
            guard ["captions", "none", "file", "feed", "asr"].contains(stream.transcriptSource) else {
                throw ValidationError("stream \(stream.name): transcript source must be captions, file, feed, asr or none")
            }
        }
        if Set(configuration.streams.map(\.name)).count != configuration.streams.count {
            throw ValidationError("stream names must be unique")
        }
        return configuration
    }

    func run() async throws {
        var configuration = try resolvedConfiguration()
        let notifier = SystemdNotifier()
        var endpoint: MetricsEndpoint?
        if let metrics {
            let registry = PrometheusCollectorRegistry()
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
            let parts = metrics.split(separator: ":")
            guard parts.count == 2, let port = Int(parts[1]) else {
                throw ValidationError("--metrics expects HOST:PORT, e.g. 127.0.0.1:9464")
            }
            endpoint = try MetricsEndpoint(host: String(parts[0]), port: port) {
                var buffer: [UInt8] = []
                registry.emit(into: &buffer)
                return buffer
            }
            Log.standardError("metrics on http://\(parts[0]):\(endpoint?.port ?? port)/metrics")
        }
        defer { endpoint?.close() }
        var publisher = try Publisher(bind: configuration.publish)
        Log.standardError("publishing on \(publisher.endpoint)")
        if waitForSubscriber > 0 {
            let found = (try? await publisher.waitForSubscriber(timeout: .milliseconds(Int64(waitForSubscriber * 1000)))) ?? false
            Log.standardError(found ? "a subscriber is connected" : "no subscriber after \(waitForSubscriber) s; starting anyway")
        }

        // SIGTERM / SIGINT drain and stop; SIGHUP drains and restarts with the re-read
        // configuration. The handlers only cancel the stream tasks.
        let control = ServeControl()
        let signals = [(SIGTERM, ServeControl.Request.stop), (SIGINT, .stop), (SIGHUP, .reload)].map { number, request -> any DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { control.request(request) }
            source.resume()
            return source
        }
        defer { signals.forEach { $0.cancel() } }

        while true {
            let services = try makeServices(configuration, publisher: publisher)
            try? notifier?.notify([.ready, .status("serving \(services.count) stream(s) on \(publisher.endpoint)")])
            let request = await serve(services, heartbeat: configuration.heartbeat, notifier: notifier, control: control)
            guard request == .reload else {
                for service in services { service.stopped() }
                break
            }
            try? notifier?.notify([.reloading, .status("reloading the configuration")])
            do {
                let reloaded = try resolvedConfiguration()
                if reloaded.publish != configuration.publish {
                    try? await Task.sleep(for: .milliseconds(500))  // let queued messages leave first
                    publisher.close()
                    publisher = try Publisher(bind: reloaded.publish)
                }
                configuration = reloaded
                Log.standardError("configuration reloaded: " + configuration.streams.map(\.name).joined(separator: ", "))
            } catch {
                // A broken edit keeps the running configuration.
                Log.standardError("reload refused, keeping the running configuration: \(error)")
            }
        }
        try? notifier?.notify(.stopping)
        // The last utterance and the final status are queued in libzmq; closing the socket at
        // once (linger 0) would discard what its I/O thread has not sent yet.
        try? await Task.sleep(for: .milliseconds(500))
        publisher.close()
    }

    func makeServices(_ configuration: ServeConfiguration, publisher: Publisher) throws -> [StreamService] {
        var services: [StreamService] = []
        // One Whisper model shared by every stream that transcribes itself.
        let recognizer = configuration.streams.contains { $0.transcriptSource == "asr" }
            ? SpeechRecognizer(model: try WhisperModel(directory: Transcribe.modelDirectory(speechModel))) : nil
        for stream in configuration.streams {
            let scorer = try SelfMMScorer(checkpoint: URL(fileURLWithPath: stream.model ?? configuration.model),
                                          textEncoderDirectory: Embed.modelDirectory(textModel),
                                          visualWidth: FaceDescriptors.names.count)
            let faces = scorer.usesVisual ? try FaceAnalyzer() : nil
            let windows: WindowSource
            var feed: StreamService.Feed?
            switch stream.transcriptSource {
            case "file": windows = .transcript(try Transcript.load(path: stream.transcriptPath ?? ""))
            case "feed":
                let inbox = TranscriptInbox()
                feed = StreamService.Feed(source: try TranscriptFeed(stream.transcriptEndpoint ?? ""), inbox: inbox)
                windows = .feed(inbox)
            case "none": windows = .voiceActivity
            case "asr":
                guard let recognizer else { throw ValidationError("stream \(stream.name): no speech model") }
                windows = .asr(recognizer)
            default: windows = .captions
            }
            let analyzer = StreamAnalyzer(settings: Self.settings(windows, live: StreamService.isLive(stream.input)),
                                          scorer: scorer, faceAnalyzer: faces)
            services.append(StreamService(configuration: stream,
                                          channel: StreamChannel(publisher: publisher, stream: try StreamName(stream.name)),
                                          analyzer: analyzer, feed: feed))
        }
        return services
    }

    /// Runs the streams until they all end or a stop/reload request drains them.
    func serve(_ services: [StreamService], heartbeat: Double, notifier: SystemdNotifier?,
               control: ServeControl) async -> ServeControl.Request? {
        await withTaskGroup(of: Void.self) { group in
            var tasks: [Task<Void, Never>] = []
            for service in services {
                let task = Task { await service.run() }
                tasks.append(task)
                group.addTask { await task.value }
            }
            let beating = Task {
                while !Task.isCancelled {
                    for service in services { service.heartbeat() }
                    try? notifier?.notify(.watchdog)
                    try? await Task.sleep(for: .milliseconds(Int64(max(0.1, heartbeat) * 1000)))
                }
            }
            let running = tasks
            control.onRequest { request in
                try? notifier?.notify([.status(request == .stop ? "draining" : "draining for reload")] + (request == .stop ? [.stopping] : []))
                for service in services { service.draining() }
                running.forEach { $0.cancel() }
            }
            await group.waitForAll()
            beating.cancel()
            return control.take()
        }
    }
}

extension Serve {
    static func settings(_ windows: WindowSource, live: Bool) -> StreamAnalyzer.Settings {
        var settings = StreamAnalyzer.Settings(windows: windows)
        settings.live = live
        return settings
    }
}

/// Stop and reload requests from signal handlers, handed to the round of streams running.
final class ServeControl: Sendable {
    enum Request: Sendable, Equatable { case stop, reload }
    private struct State {
        var pending: Request?
        var action: (@Sendable (Request) -> Void)?
    }
    private let state = Mutex(State())

    func request(_ request: Request) {
        let action = state.withLock { state -> (@Sendable (Request) -> Void)? in
            // A stop outranks a reload; a repeated request does nothing more.
            if state.pending == .stop || state.pending == request { return nil }
            state.pending = request
            return state.action
        }
        action?(request)
    }

    /// The action for the current round; runs at once if a request is already pending.
    func onRequest(_ action: @escaping @Sendable (Request) -> Void) {
        let pending = state.withLock { state -> Request? in
            state.action = action
            return state.pending
        }
        if let pending { action(pending) }
    }

    /// The request that ended the round (nil: the inputs ended by themselves); clears it.
    func take() -> Request? {
        state.withLock { state in
            defer { state.pending = nil; state.action = nil }
            return state.pending
        }
    }
}

/// One stream of the daemon: read → analyse → publish, reopening a dropped input with backoff.
final class StreamService: Sendable {
    let configuration: ServeConfiguration.Stream
    let channel: StreamChannel
    let analyzer: StreamAnalyzer
    private struct Counters { var reconnects: UInt64 = 0; var dropped: UInt64 = 0; var unscored: UInt64 = 0; var state: StatusMessage.State = .starting }
    private let counters = Mutex(Counters())
    private let utteranceCounter: Metrics.Counter
    private let dropCounter: Metrics.Counter
    private let unscoredCounter: Metrics.Counter
    private let reconnectCounter: Metrics.Counter
    private let latency: Metrics.Timer

    /// A live transcript: the ZeroMQ feed and the inbox the analysis takes segments from.
    struct Feed: Sendable {
        var source: TranscriptFeed
        var inbox: TranscriptInbox
    }
    let feed: Feed?

    init(configuration: ServeConfiguration.Stream, channel: StreamChannel, analyzer: StreamAnalyzer, feed: Feed? = nil) {
        self.configuration = configuration
        self.channel = channel
        self.analyzer = analyzer
        self.feed = feed
        let dimensions = [("stream", configuration.name)]
        utteranceCounter = Metrics.Counter(label: "sentio_utterances_total", dimensions: dimensions)
        dropCounter = Metrics.Counter(label: "sentio_dropped_total", dimensions: dimensions)
        unscoredCounter = Metrics.Counter(label: "sentio_unscored_total", dimensions: dimensions)
        reconnectCounter = Metrics.Counter(label: "sentio_reconnects_total", dimensions: dimensions)
        latency = Metrics.Timer(label: "sentio_utterance_latency_seconds", dimensions: dimensions, preferredDisplayUnit: .seconds)
    }

    /// A file ends the stream; a network source that ends or fails is reopened.
    var isLive: Bool { Self.isLive(configuration.input) }

    static func isLive(_ input: String) -> Bool { input.contains("://") || input.hasPrefix("pipe:") }

    func run() async {
        // The transcript feed is read for the whole life of the stream, across reconnects;
        // a malformed message is logged and counted by the feed and skipped.
        let feedReader = Task {
            guard let feed else { return }
            while !Task.isCancelled {
                do {
                    guard let segments = try await feed.source.nextSegments(timeout: .milliseconds(500)) else { return }
                    feed.inbox.add(segments)
                } catch {
                    continue  // timeout: check for cancellation and go on
                }
            }
        }
        defer {
            feedReader.cancel()
            feed?.source.close()
        }
        var backoff = 1.0
        while !Task.isCancelled {
            setState(.running)
            var options = MediaReadOptions()
            options.stallTimeout = .milliseconds(Int64(configuration.timeout * 1000))
            options.formatOptions = configuration.inputOptions
            let reader = MediaReader(configuration.input, options: analyzer.readOptions(base: options))
            do {
                let summary = try await analyzer.run(reader, onDrop: { window in self.dropped(window) }) { result in self.publish(result) }
                noteSpeech(summary)
                if summary.drained || !isLive { break }
                backoff = 1
                Log.standardError("\(configuration.name): input ended; reopening")
            } catch {
                Log.standardError("\(configuration.name): \(error)")
                if !isLive { break }
            }
            if Task.isCancelled { break }
            counters.withLock { $0.reconnects += 1 }
            reconnectCounter.increment()
            setState(.reconnecting)
            heartbeat()
            try? await Task.sleep(for: .milliseconds(Int64(backoff * 1000)))
            backoff = min(backoff * 2, max(1, configuration.reconnectMax))
        }
    }

    /// The model fell behind: the oldest utterance waiting for it was dropped.
    func dropped(_ window: UtteranceWindow) {
        let total = counters.withLock { $0.dropped += 1; return $0.dropped }
        dropCounter.increment()
        Log.standardError("\(configuration.name): the model fell behind; dropped the utterance "
                          + String(format: "%.2f–%.2f s", window.start, window.end) + " (\(total) dropped so far)")
    }

    func publish(_ result: UtteranceResult) {
        guard let sentiment = result.score.sentiment else {
            counters.withLock { $0.unscored += 1 }
            unscoredCounter.increment()
            return
        }
        do {
            try channel.publishUtterance(start: result.window.start, end: result.window.end, text: result.window.text,
                                         sentiment: Double(sentiment), modalities: Modalities(result), model: result.modelID,
                                         latencyMs: result.latencyMilliseconds)
            utteranceCounter.increment()
            latency.recordNanoseconds(Int64(result.latencyMilliseconds * 1_000_000))
        } catch {
            counters.withLock { $0.dropped += 1 }
            dropCounter.increment()
            Log.standardError("\(configuration.name): cannot publish: \(error)")
        }
    }

    /// `transcript = "asr"`: speech that got no window, because recognition fell behind the
    /// live stream (chunks dropped) or failed, counts as dropped and is logged.
    func noteSpeech(_ summary: StreamAnalyzer.Summary) {
        if summary.speechChunksDropped > 0 {
            counters.withLock { $0.dropped += UInt64(summary.speechChunksDropped) }
            dropCounter.increment(by: Int64(summary.speechChunksDropped))
            Log.standardError("\(configuration.name): \(summary.speechChunksDropped) speech chunks dropped: recognition fell behind the stream")
        }
        for failure in summary.speechFailures { Log.standardError("\(configuration.name): speech recognition failed, \(failure)") }
    }

    private func setState(_ state: StatusMessage.State) { counters.withLock { $0.state = state } }

    func draining() { setState(.draining); heartbeat() }
    func stopped() { setState(.stopped); heartbeat() }

    func heartbeat() {
        let snapshot = counters.withLock { $0 }
        _ = try? channel.publishStatus(snapshot.state, counters: .init(dropped: snapshot.dropped, unscored: snapshot.unscored,
                                                                        reconnects: snapshot.reconnects,
                                                                        rejected: feed?.source.rejected ?? 0))
    }
}
