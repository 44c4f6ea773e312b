import Acoustics
import DSP
import ArgumentParser
import Foundation

/// `sentio bench acoustics`: times the 74-column acoustic extractor on raw 16 kHz mono
/// Float32 audio (ffmpeg -i X -ac 1 -ar 16000 -f f32le -), batch and streaming.
struct BenchAcoustics: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "acoustics",
        abstract: "Time the acoustic feature extractor (real-time factor, batch and streaming).",
        discussion: """
            Input is raw little-endian Float32 16 kHz mono samples, e.g.
              ffmpeg -i talk.wav -ac 1 -ar 16000 -f f32le - | sentio bench acoustics --repeat-count 5
            Prints one JSON line with the median CPU and wall times and real-time factors,
            and the CPU time of the first (cold) run, which also forms the tables that later
            extractors of the process reuse.
            """
    )

    @Option(help: "Raw f32le 16 kHz mono file; '-' or omitted reads standard input.")
    var input: String = "-"

    @Option(help: "Timed repetitions after one warm-up run.")
    var repeatCount: Int = 3

    @Option(help: "Streaming chunk size in samples.")
    var chunk: Int = 160

    @Option(help: "Write the extracted frames as CSV to this file.")
    var out: String?

    func validate() throws {
        guard repeatCount >= 1 else { throw ValidationError("--repeat-count must be at least 1") }
        guard chunk >= 1 else { throw ValidationError("--chunk must be at least 1") }
    }

    func run() async throws {
        let data: Data
        if input == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let d = FileManager.default.contents(atPath: input) else {
                throw AcousticsError(input: input, problem: "cannot read the file")
            }
            data = d
        }
        let samples: [Float] = data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        guard !samples.isEmpty else { throw AcousticsError(input: input, problem: "no samples") }
        let seconds = Double(samples.count) / 16000

        // CPU time of the thread that runs the extractor (single-threaded, and each timed
        // body is synchronous, so one thread): robust on a shared machine, unlike wall
        // time. Process CPU time would also count the concurrency runtime's idle workers
        // spinning in sched_yield while this command waits (about 2 % in perf).
        func cpuNow() -> Double {
            var ts = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
            return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
        }
        var walls: [Double] = []
        func time(_ body: () -> Void) -> Double {
            let w0 = DispatchTime.now().uptimeNanoseconds
            let t0 = cpuNow()
            body()
            walls.append(Double(DispatchTime.now().uptimeNanoseconds - w0) / 1e9)
            return cpuNow() - t0
        }
        var frames: [AcousticFrame] = []
        // The first run also forms the process-wide tables (AcousticExtractor.sharedTables)
        // that later extractors reuse: reported apart as the cold run.
        let cold = time { frames = AcousticExtractor.extract(samples) }
        var batch: [Double] = [], stream: [Double] = []
        for _ in 0..<repeatCount {
            batch.append(time { frames = AcousticExtractor.extract(samples) })
            stream.append(time {
                var e = AcousticExtractor()
                var i = 0
                var n = 0
                while i < samples.count {
                    let j = min(samples.count, i + chunk)
                    e.push(Array(samples[i..<j]))
                    n += e.pull().count
                    i = j
                }
                e.finish()
                n += e.pull().count
                precondition(n == frames.count)
            })
        }
        let mb = batch.sorted()[batch.count / 2], ms = stream.sorted()[stream.count / 2]
        if let out {
            try AcousticFormat.csv.render(frames).write(toFile: out, atomically: true, encoding: .utf8)
        }
        let mw = walls.sorted()[walls.count / 2]
        print(String(format: "{\"audio_seconds\":%.3f,\"frames\":%d,\"batch_cpu_seconds\":%.4f,\"batch_realtime_factor\":%.1f,\"stream_cpu_seconds\":%.4f,\"stream_realtime_factor\":%.1f,\"median_wall_seconds\":%.4f,\"cold_cpu_seconds\":%.4f,\"lookahead_ms\":%.0f,\"kernel_cpu\":\"\(KernelBuild.targetCPU)\"}",
                     seconds, frames.count, mb, seconds / mb, ms, seconds / ms, mw, cold, AcousticExtractor().lookAheadMilliseconds))
    }
}
