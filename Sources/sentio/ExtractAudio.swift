import Acoustics
import ArgumentParser
import Foundation
import Media

/// `sentio extract audio`: COVAREP-compatible acoustic features (74 columns, 10 ms hop) of
/// any input, and/or the decoded 16 kHz mono signal.
struct ExtractAudio: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audio",
        abstract: "COVAREP-compatible acoustic features at 100 frames per second; or the decoded 16 kHz mono audio.",
        discussion: """
        Features: header `time,F0,VUV,NAQ,…,HMPDD_12` (time = frame centre in seconds), one row per \
        10 ms, streamed as the input decodes (live inputs too). docs/ACCURACY-acoustics.md compares \
        each column with COVAREP.

        Examples:
          sentio extract audio interview.mp4 > interview.covarep.csv
          sentio extract audio interview.mp4 --format jsonl --out interview.jsonl
          sentio extract audio interview.mp4 --raw interview.wav
          sentio extract audio clips/v1/3.mp4 --out features/v1/3.acoustic.csv   # for sentio train --features features
          sentio extract audio udp://127.0.0.1:5000 --timeout 5
        """)

    @Argument(help: "File path or URL.")
    var input: String

    @Option(help: "Feature output format: csv or jsonl.")
    var format: AcousticFormat = .csv

    @Option(help: "Write features to this file (atomically, at the end) instead of stdout.")
    var out: String?

    @Option(help: "Write the decoded 16 kHz mono signal to this WAV file (libsndfile); no features unless --out or --format is also given.")
    var raw: String?

    @Option(help: "Sample encoding of the --raw WAV file: float or pcm16.")
    var encoding: String = "float"

    @OptionGroup var source: SourceArguments

    func validate() throws {
        guard AudioFileWriter.Encoding(rawValue: encoding) != nil else {
            throw ValidationError("--encoding must be float or pcm16")
        }
    }

    /// --raw alone only writes the WAV; asking for a feature destination or format adds features.
    private var wantsFeatures: Bool {
        raw == nil || out != nil || CommandLine.arguments.contains("--format")
    }

    func run() async throws {
        let options = MediaReadOptions(audio: .speech, video: nil, captions: false, stallTimeout: source.stallTimeout,
                                       inputFormat: source.inputFormat, formatOptions: try source.parsedFormatOptions())
        let sink = RowSink(path: out)
        let features = wantsFeatures
        if features, format == .csv { sink.write(AcousticFrame.csvHeader) }
        var extractor = AcousticExtractor()
        var signal: [Float] = []
        var offset: Double?
        var frames = 0
        func emit(_ batch: [AcousticFrame]) {
            for var frame in batch {
                frame.time += Float(offset ?? 0)
                sink.write(format == .csv ? frame.csvRow : frame.jsonLine)
                frames += 1
            }
        }
        var failure: (any Error)?
        do {
            for try await event in MediaReader(input, options: options).events() {
                guard case .audio(let chunk) = event else { continue }
                if offset == nil { offset = chunk.startTime }
                if raw != nil { signal += chunk.samples }
                if features {
                    extractor.push(chunk.samples)
                    emit(extractor.pull())
                }
            }
        } catch {
            // What was decoded before the failure is still written.
            failure = error
        }
        if features {
            extractor.finish()
            emit(extractor.pull())
            try sink.finish()
        }
        if let raw, let encoding = AudioFileWriter.Encoding(rawValue: encoding), !(signal.isEmpty && failure != nil) {
            try AudioFileWriter.writeWAV(signal, sampleRate: 16_000, to: raw, encoding: encoding)
            Log.standardError("wrote \(raw): \(signal.count) samples, " + String(format: "%.3f s at 16000 Hz", Double(signal.count) / 16_000))
        }
        if features { Log.standardError("\(input): \(frames) frames of 74 acoustic features") }
        if let failure { throw failure }
    }
}

extension AcousticFormat: ExpressibleByArgument {}
