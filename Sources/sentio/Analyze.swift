import Acoustics
import ArgumentParser
import Foundation
import Media
import Pipeline
import Speech
import Transport
import Vision

/// `sentio analyze`: batch analysis of recorded interviews, the same pipeline as `serve`
/// read as fast as the machine allows.
struct Analyze: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Utterance sentiment for recorded files and folders (JSON lines or CSV per input).",
        discussion: """
        Utterance windows come from, in this order: --transcript (single input), a sidecar file \
        beside the input with the same name and .srt/.vtt/.json, the input's own caption track, \
        else voice activity (scored only by models with audio or vision). --transcript asr \
        (any number of inputs) transcribes the speech itself with Whisper tiny.en instead.

        With --out DIR, one result file per input (<name>.sentio.jsonl|csv) is written atomically; \
        inputs whose result exists are skipped, so a run can be resumed, and --shard K/N splits \
        the sorted input list deterministically across machines (a Slurm array, GNU parallel…). \
        Files found under a folder input keep their sub-folders under --out, so clips laid out as \
        CLIPS/<video_id>/<clip_id>.mp4 give the feature folder `sentio train --features` reads.

        Examples:
          sentio analyze samples/sample.mp4
          sentio analyze interview.mp4 --transcript asr
          sentio analyze interviews/ --out results/ --jobs 2 --features
          sentio analyze interviews/ --out results/ --shard 3/8
        """)

    @Argument(help: "Media files or folders (searched recursively).")
    var inputs: [String]

    @Option(help: "Transcript for a single input (.srt, .vtt or .json), or asr: Sentio's own speech recognition.")
    var transcript: String?

    @Option(name: .customLong("speech-model"), help: "Whisper model directory for --transcript asr (default: $SENTIO_SPEECH_MODEL, else the one scripts/setup downloads).")
    var speechModel: String?

    @Option(help: "Folder for one result file per input; without it results go to stdout.")
    var out: String?

    @Option(help: "Result format: jsonl or csv.")
    var format: ResultFormat = .jsonl

    @Option(help: "Inputs analysed at once.")
    var jobs: Int = 1

    @Option(help: "Analyse only shard K of N (1-based), e.g. 2/4.")
    var shard: String?

    @Flag(help: "Also write per-frame acoustic (<name>.acoustic.csv) and face (<name>.faces.csv) features (the files sentio train --features reads).")
    var features = false

    @Flag(help: "Also write a self-contained HTML report per input (<name>.report.html; needs --out).")
    var report = false

    @Option(help: "Model checkpoint folder.")
    var model: String = "models/sentio-default"

    @Option(name: .customLong("text-model"), help: "Text encoder folder (default: $SENTIO_TEXT_MODEL or the one scripts/setup downloads).")
    var textModel: String?

    @Option(name: .customLong("face-fps"), help: "Frames per second given to the face stage.")
    var faceFPS: Double = 5

    @OptionGroup var source: SourceArguments

    enum ResultFormat: String, ExpressibleByArgument, CaseIterable { case jsonl, csv }

    static let mediaExtensions: Set<String> = ["mp4", "mkv", "mov", "webm", "avi", "m4a", "m4v", "wav", "mp3", "flac",
                                                "ogg", "opus", "aac", "ts", "mts", "flv", "wmv", "mpg", "mpeg"]

    func validate() throws {
        if jobs < 1 { throw ValidationError("--jobs must be ≥ 1") }
        if transcript != nil && transcript != "asr" && inputs.count != 1 { throw ValidationError("--transcript goes with exactly one input") }
        if let shard { _ = try Self.parseShard(shard) }
        if report && out == nil { throw ValidationError("--report writes files: give --out DIR") }
        if !(faceFPS > 0) { throw ValidationError("--face-fps must be > 0") }
    }

    static func parseShard(_ text: String) throws -> (Int, Int) {
        let parts = text.split(separator: "/").compactMap { Int($0) }
        guard parts.count == 2, parts[1] >= 1, (1...parts[1]).contains(parts[0]) else {
            throw ValidationError("--shard expects K/N with 1 ≤ K ≤ N, got '\(text)'")
        }
        return (parts[0], parts[1])
    }

    /// Files named on the command line and media files under folders, sorted, then this shard's share.
    func expandInputs() throws -> [String] {
        var files: [String] = []
        for input in inputs {
            var isDirectory: ObjCBool = false
            if !input.contains("://"), FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory), isDirectory.boolValue {
                let enumerator = FileManager.default.enumerator(atPath: input)
                while let path = enumerator?.nextObject() as? String {
                    if Self.mediaExtensions.contains((path as NSString).pathExtension.lowercased()) {
                        files.append((input as NSString).appendingPathComponent(path))
                    }
                }
            } else {
                files.append(input)
            }
        }
        files.sort()
        if let shard {
            let (k, n) = try Self.parseShard(shard)
            files = files.enumerated().filter { $0.offset % n == k - 1 }.map(\.element)
        }
        return files
    }

    func run() async throws {
        let files = try expandInputs()
        guard !files.isEmpty else { throw ValidationError("no media files among the inputs") }
        if let out { try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true) }
        let scorer = try SelfMMScorer(checkpoint: URL(fileURLWithPath: model),
                                      textEncoderDirectory: Embed.modelDirectory(textModel),
                                      visualWidth: FaceDescriptors.names.count)
        let faceAnalyzer = (scorer.usesVisual || features) ? try FaceAnalyzer() : nil
        // One model for every input (75 MB of weights).
        let recognizer = transcript == "asr"
            ? SpeechRecognizer(model: try WhisperModel(directory: Transcribe.modelDirectory(speechModel))) : nil
        let progress = BatchProgress(total: files.count)

        var outcomes: [Outcome] = []
        try await withThrowingTaskGroup(of: Outcome.self) { group in
            var next = 0
            func launch() {
                guard next < files.count else { return }
                let file = files[next]
                next += 1
                group.addTask { await self.analyzeOne(file, scorer: scorer, faceAnalyzer: faceAnalyzer, recognizer: recognizer, progress: progress) }
            }
            for _ in 0..<min(jobs, files.count) { launch() }
            while let outcome = try await group.next() {
                outcomes.append(outcome)
                launch()
            }
        }
        progress.finish()
        outcomes.sort { $0.input < $1.input }
        Log.standardError(Self.summaryTable(outcomes))
        let failed = outcomes.filter { $0.error != nil }
        if !failed.isEmpty {
            throw ExitCode(1)
        }
    }

    struct Outcome: Sendable {
        var input: String
        var status: String
        var utterances = 0
        var unscored = 0
        var mediaSeconds = 0.0
        var meanSentiment: Double?
        var wallSeconds = 0.0
        var error: String?
    }

    func resultPath(_ input: String) -> String? {
        guard let out else { return nil }
        return (out as NSString).appendingPathComponent("\(outputStem(input)).sentio.\(format.rawValue)")
    }

    /// Where an input's outputs go under --out, without suffix: a file found under a folder
    /// input keeps its sub-folders (`clips/v1/3.mp4` → `v1/3`, the `<video_id>/<clip_id>`
    /// layout `sentio train --features` reads); a file named directly keeps its name only.
    func outputStem(_ input: String) -> String {
        let stem = ((input as NSString).lastPathComponent as NSString).deletingPathExtension
        for folder in inputs where !folder.contains("://") {
            let prefix = folder.hasSuffix("/") ? folder : folder + "/"
            guard input.hasPrefix(prefix) else { continue }
            let relative = String(input.dropFirst(prefix.count))
            let directory = (relative as NSString).deletingLastPathComponent
            return directory.isEmpty ? stem : (directory as NSString).appendingPathComponent(stem)
        }
        return stem
    }

    /// Windows for one input: explicit transcript, sidecar, caption track, or voice activity.
    func windowSource(for input: String, recognizer: SpeechRecognizer? = nil) throws -> (WindowSource, String) {
        if let recognizer { return (.asr(recognizer), "speech recognition") }
        if let transcript { return (.transcript(try Transcript.load(path: transcript)), transcript) }
        let stem = (input as NSString).deletingPathExtension
        for ext in ["srt", "vtt", "json"] where FileManager.default.fileExists(atPath: "\(stem).\(ext)") {
            return (.transcript(try Transcript.load(path: "\(stem).\(ext)")), "\(stem).\(ext)")
        }
        if !input.contains("://"), let info = try? MediaReader.probe(input), !info.captionTracks.isEmpty {
            return (.captions, "caption track")
        }
        return (.voiceActivity, "voice activity")
    }

    func analyzeOne(_ input: String, scorer: SelfMMScorer, faceAnalyzer: FaceAnalyzer?, recognizer: SpeechRecognizer?,
                    progress: BatchProgress) async -> Outcome {
        var outcome = Outcome(input: input, status: "ok")
        let started = Date()
        defer { progress.done(mediaSeconds: outcome.mediaSeconds) }
        if let path = resultPath(input), FileManager.default.fileExists(atPath: path) {
            outcome.status = "skipped (done)"
            return outcome
        }
        do {
            let (windows, origin) = try windowSource(for: input, recognizer: recognizer)
            var settings = StreamAnalyzer.Settings(windows: windows)
            settings.faceFrameRate = faceFPS
            settings.forceAcoustic = features
            settings.forceVisual = features
            let analyzer = StreamAnalyzer(settings: settings, scorer: scorer, faceAnalyzer: faceAnalyzer)
            var base = MediaReadOptions()
            base.stallTimeout = source.stallTimeout
            base.inputFormat = source.inputFormat
            base.formatOptions = try source.parsedFormatOptions()
            let reader = MediaReader(input, options: analyzer.readOptions(base: base))
            let stream = try StreamName(Self.streamName(input))

            let stem = outputStem(input)
            if let out, stem.contains("/") {
                try FileManager.default.createDirectory(atPath: (out as NSString).appendingPathComponent((stem as NSString).deletingLastPathComponent),
                                                        withIntermediateDirectories: true)
            }
            let results = ResultWriter(format: format, path: resultPath(input))
            // Per-frame features go beside the results (only with --out: stdout carries the results).
            func featureSink(_ suffix: String, header: String) -> RowSink? {
                guard features, let out else { return nil }
                let sink = RowSink(path: (out as NSString).appendingPathComponent("\(stem).\(suffix).csv"))
                sink.write(header)
                return sink
            }
            let acousticRows = featureSink("acoustic", header: AcousticFrame.csvHeader)
            let faceRows = featureSink("faces", header: FaceFrameRow.csvHeader)
            var sentiments: [Double] = []
            var messages: [UtteranceMessage] = []
            let summary = try await analyzer.run(reader,
                onAcousticFrame: { acousticRows?.write($0.csvRow) },
                onFaceObservation: { faceRows?.write(FaceFrameRow.csv($0)) }
            ) { result in
                guard let message = Self.message(result, stream: stream) else {
                    outcome.unscored += 1
                    return
                }
                sentiments.append(message.sentiment)
                messages.append(message)
                try results.add(message)
            }
            try results.finish()
            if let out, report {
                let page = InterviewReport(input: input, duration: summary.mediaSeconds, utterances: messages,
                                           model: scorer.modelID).html()
                try Data(page.utf8).write(to: URL(fileURLWithPath: (out as NSString).appendingPathComponent("\(stem).report.html")),
                                          options: .atomic)
            }
            try acousticRows?.finish()
            try faceRows?.finish()
            for failure in summary.speechFailures { Log.standardError("\(input): speech recognition failed, \(failure)") }
            outcome.utterances = sentiments.count
            outcome.mediaSeconds = summary.mediaSeconds
            outcome.meanSentiment = sentiments.isEmpty ? nil : sentiments.reduce(0, +) / Double(sentiments.count)
            outcome.status = "ok (\(origin))"
        } catch {
            outcome.status = "FAILED"
            outcome.error = "\(error)"
            Log.standardError("error: \(error)")
        }
        outcome.wallSeconds = Date().timeIntervalSince(started)
        return outcome
    }

    /// The published message for a result; nil when the model had nothing to score.
    static func message(_ result: UtteranceResult, stream: StreamName) -> UtteranceMessage? {
        guard let sentiment = result.score.sentiment else { return nil }
        return UtteranceMessage(stream: stream, seq: UInt64(result.seq), start: result.window.start, end: result.window.end,
                                text: result.window.text, sentiment: Double(sentiment), modalities: Modalities(result),
                                model: result.modelID,
                                time: Date().timeIntervalSince1970, latencyMs: result.latencyMilliseconds)
    }

    /// A stream name from a file name: letters, digits, '-' and '_' only.
    static func streamName(_ input: String) -> String {
        let stem = ((input as NSString).lastPathComponent as NSString).deletingPathExtension
        let cleaned = String(stem.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" }.prefix(64))
        return cleaned.isEmpty ? "input" : cleaned
    }

    static func summaryTable(_ outcomes: [Outcome]) -> String {
        var lines = ["", "input                                    utterances  media s   wall s  mean sentiment  status"]
        for outcome in outcomes {
            let name = String(((outcome.input as NSString).lastPathComponent).prefix(40)).padding(toLength: 40, withPad: " ", startingAt: 0)
            let mean = outcome.meanSentiment.map { String(format: "%+.2f", $0) } ?? "–"
            lines.append(name + String(format: " %10d  %7.1f  %7.1f  ", outcome.utterances, outcome.mediaSeconds, outcome.wallSeconds)
                         + mean.padding(toLength: 14, withPad: " ", startingAt: 0) + "  " + outcome.status
                         + (outcome.unscored > 0 ? ", \(outcome.unscored) unscored" : ""))
        }
        for failed in outcomes where failed.error != nil {
            lines.append("failed: \(failed.input): \(failed.error ?? "")")
        }
        return lines.joined(separator: "\n")
    }
}
