import ArgumentParser
import Foundation
import Vision

/// `sentio bench vision`: frames per second of detection + landmarks + pose + descriptors on one
/// core, next to OpenCV + dlib (scripts/bench/bench_vision.py) on the same frames in the same run.
struct BenchVision: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vision",
        abstract: "Benchmark face detection + 68 landmarks + descriptors against OpenCV + dlib.",
        discussion: """
        Decodes INPUT with the ffmpeg CLI to gray frames of WIDTHxHEIGHT, runs Sentio's FaceAnalyzer \
        (tracking on and off), then the reference script with the given Python (OpenCV + dlib), and \
        prints frames per second and the ratio.
        Example: sentio bench vision ../shared/data/media/mosi_Oz06ZWiO20M_6.mp4 --python /work/venvs/vision/bin/python
        """)

    @Argument(help: "Video file to decode with ffmpeg.") var input: String
    @Option(help: "Frame width.") var width = 640
    @Option(help: "Frame height.") var height = 360
    @Option(help: "Passes over the frames (the best pass is reported).") var repeats = 3
    @Option(help: "Python with opencv-python-headless and dlib-bin for the reference; omit to skip it.") var python: String?
    @Option(help: "Reference script.") var script = "scripts/bench/bench_vision.py"

    func run() async throws {
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("sentio-bench-vision-\(getpid()).gray")
        defer { try? FileManager.default.removeItem(at: tmp) }
        try Self.runProcess("/usr/bin/env", ["ffmpeg", "-v", "error", "-y", "-i", input, "-vf", "scale=\(width):\(height)",
                                             "-pix_fmt", "gray", "-f", "rawvideo", tmp.path])
        guard let data = FileManager.default.contents(atPath: tmp.path), data.count >= width * height else {
            throw ValidationError("ffmpeg produced no frames from \(input)")
        }
        let bytes = [UInt8](data)
        let n = bytes.count / (width * height)
        let frames = try (0..<n).map { i in try GrayImage(width: width, height: height, pixels: Array(bytes[(i * width * height)..<((i + 1) * width * height)])) }
        var loadClock = ContinuousClock.now
        let base = try FaceAnalyzer()
        let loadSeconds = Self.seconds(since: loadClock)
        var results: [String: (fps: Double, faces: Int)] = [:]
        var cpuResults: [String: Double] = [:]
        for tracking in [true, false] {
            var best = 0.0, faces = 0, bestCPU = 0.0
            for _ in 0..<max(1, repeats) {
                var a = base
                a.configuration.tracking = tracking
                a.reset()
                var found = 0
                let t0 = ContinuousClock.now, c0 = Self.cpuSeconds()
                for (i, f) in frames.enumerated() where a.analyze(frame: f, timestamp: Double(i) / 30).success { found += 1 }
                let s = Self.seconds(since: t0), c = Self.cpuSeconds() - c0
                best = max(best, Double(n) / s); bestCPU = max(bestCPU, Double(n) / c); faces = found
            }
            results[tracking ? "track" : "detect"] = (best, faces)
            cpuResults[tracking ? "track" : "detect"] = bestCPU
        }
        print("frames: \(n) at \(width)x\(height), model load \(String(format: "%.2f", loadSeconds)) s")
        print("fps = frames per wall-clock second; cpu-fps = frames per CPU second of the process (per core, robust to a busy machine)")
        print(String(format: "sentio  tracking on : %7.1f fps %7.1f cpu-fps (%d faces)", results["track"]!.fps, cpuResults["track"]!, results["track"]!.faces))
        print(String(format: "sentio  tracking off: %7.1f fps %7.1f cpu-fps (%d faces)", results["detect"]!.fps, cpuResults["detect"]!, results["detect"]!.faces))
        guard let python else { return }
        for track in [true, false] {
            var best = 0.0, bestCPU = 0.0, line = ""
            for _ in 0..<max(1, repeats) {
                line = try Self.capture(python, [script, tmp.path, String(width), String(height)] + (track ? ["--track"] : []))
                if let d = line.data(using: .utf8), let j = try JSONSerialization.jsonObject(with: d) as? [String: Any],
                   let fps = j["fps"] as? Double, let cfps = j["cpu_fps"] as? Double { best = max(best, fps); bestCPU = max(bestCPU, cfps) }
            }
            let key = track ? "track" : "detect"
            print(String(format: "opencv+dlib %@: %7.1f fps %7.1f cpu-fps   sentio/reference = %.2fx (wall), %.2fx (cpu)",
                         track ? "tracking on " : "tracking off", best, bestCPU, results[key]!.fps / best, cpuResults[key]! / bestCPU))
        }
        loadClock = .now
    }

    static func seconds(since t: ContinuousClock.Instant) -> Double {
        let d = ContinuousClock.now - t
        return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    /// CPU time of this process (user + system), seconds.
    static func cpuSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    static func runProcess(_ exe: String, _ args: [String]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        try p.run(); p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw ValidationError("\(args.first ?? exe) failed with status \(p.terminationStatus)") }
    }

    static func capture(_ exe: String, _ args: [String]) throws -> String {
        let p = Process(), pipe = Pipe()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        p.standardOutput = pipe
        try p.run()
        let d = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: d, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
