import ArgumentParser
import Foundation
import Speech
import Tensor

/// `sentio bench speech`: real-time factor of `transcribe` (Whisper tiny.en) on one core.
struct BenchSpeech: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "speech",
        abstract: "Time Whisper transcription (real-time factor, encoder and decoder split).",
        discussion: """
        Decodes each input to 16 kHz mono, then times SpeechRecognizer.transcribe (mel + seek \
        loop + greedy decoding) after one warm-up run, and one encoder window alone. Prints one \
        JSON line per input and one for the total. Real-time factor = audio seconds / process CPU \
        seconds (one OpenBLAS thread unless --threads). scripts/reference/whisper_bench.py times \
        faster-whisper on the same files.

        Example:
          swift build -c release
          OPENBLAS_NUM_THREADS=1 .build/release/sentio bench speech /usr/share/asterisk/sounds/en/vm-intro.wav
        """)

    @Argument(help: "Media files (any format FFmpeg reads).")
    var inputs: [String]

    @Option(help: "Whisper model directory (default as `sentio transcribe`).")
    var model: String?

    @Option(help: "OpenBLAS threads.")
    var threads: Int = 1

    @Option(help: "Timed repetitions after one warm-up run.")
    var repeatCount: Int = 3

    @Flag(help: "Also align words (as `transcribe --word-timestamps`).")
    var wordTimestamps = false

    @OptionGroup var source: SourceArguments

    func validate() throws {
        if inputs.isEmpty { throw ValidationError("give at least one input") }
        if threads < 1 { throw ValidationError("--threads must be at least 1") }
        if repeatCount < 1 { throw ValidationError("--repeat-count must be at least 1") }
    }

    static func cpuNow() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    static func wallNow() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    func run() async throws {
        OpenBLASKernels.preferAVX512()
        BLAS.setThreadCount(threads)
        let t0 = Self.wallNow()
        let whisper = try WhisperModel(directory: Transcribe.modelDirectory(model))
        let loadSeconds = Self.wallNow() - t0
        let recognizer = SpeechRecognizer(model: whisper, options: SpeechOptions(wordTimestamps: wordTimestamps))
        // One encoder window alone (30 s of mel), for the encoder/decoder split.
        let window = [Float](repeating: -0.5, count: whisper.melCount * whisper.windowFrames)
        _ = whisper.encode(window)
        let e0 = Self.cpuNow()
        _ = whisper.encode(window)
        let encoderSeconds = Self.cpuNow() - e0
        var totalAudio = 0.0, totalCPU = 0.0
        for input in inputs {
            let samples = try await Transcribe.decodeAudio(input, source: source)
            let audio = Double(samples.count) / 16_000
            var segments = try recognizer.transcribe(samples)
            var cpus: [Double] = [], walls: [Double] = []
            for _ in 0..<repeatCount {
                let c0 = Self.cpuNow(), w0 = Self.wallNow()
                segments = try recognizer.transcribe(samples)
                cpus.append(Self.cpuNow() - c0); walls.append(Self.wallNow() - w0)
            }
            let cpu = cpus.sorted()[cpus.count / 2], wall = walls.sorted()[walls.count / 2]
            totalAudio += audio; totalCPU += cpu
            let tokens = segments.reduce(0) { $0 + $1.tokens.count }
            print("{\"input\":\(jsonString(input)),\"audio_seconds\":\(String(format: "%.3f", audio)),"
                  + "\"cpu_seconds\":\(String(format: "%.4f", cpu)),\"wall_seconds\":\(String(format: "%.4f", wall)),"
                  + "\"real_time_factor\":\(String(format: "%.2f", audio / cpu)),\"segments\":\(segments.count),\"tokens\":\(tokens),"
                  + "\"text\":\(jsonString(segments.map(\.text).joined()))}")
        }
        let coretype = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] ?? "default"
        print("{\"total_audio_seconds\":\(String(format: "%.3f", totalAudio)),\"total_cpu_seconds\":\(String(format: "%.4f", totalCPU)),"
              + "\"real_time_factor\":\(String(format: "%.2f", totalAudio / max(totalCPU, 1e-9))),"
              + "\"encoder_window_cpu_seconds\":\(String(format: "%.4f", encoderSeconds)),\"model_load_seconds\":\(String(format: "%.3f", loadSeconds)),"
              + "\"threads\":\(threads),\"word_timestamps\":\(wordTimestamps),\"openblas_coretype\":\(jsonString(coretype))}")
    }
}
