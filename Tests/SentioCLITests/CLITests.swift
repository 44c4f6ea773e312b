import Foundation
import Testing

/// The `sentio` executable, run as a process the way a user or a script runs it.
enum CLI {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let sample = repo.appendingPathComponent("samples/sample.mp4").path

    /// The binary sits beside the test bundle in the build folder.
    static var binary: URL {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var folder = testBinary.deletingLastPathComponent()
        while folder.path != "/" {
            let candidate = folder.appendingPathComponent("sentio")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        return repo.appendingPathComponent(".build/debug/sentio")
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }
}

@Suite("The sentio command line")
struct CLITests {
    @Test("probe --json describes the bundled sample: H.264, AAC 16 kHz mono and an English mov_text track")
    func probeJSON() throws {
        let result = try CLI.run(["probe", "--json", CLI.sample])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let streams = try #require(json["streams"] as? [[String: Any]])
        #expect(streams.map { $0["codec"] as? String } == ["h264", "aac", "mov_text"])
        #expect(streams[1]["sampleRate"] as? Int == 16_000)
        #expect(streams[2]["language"] as? String == "eng")
        #expect(abs((json["duration"] as? Double ?? 0) - 12.6) < 0.1)
    }

    @Test("extract audio --raw writes a 16 kHz mono WAV with the ffmpeg CLI's samples")
    func extractAudio() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("sentio-cli-\(getpid()).wav").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let result = try CLI.run(["extract", "audio", CLI.sample, "--raw", out, "--encoding", "pcm16"])
        #expect(result.status == 0, "\(result.stderr)")
        // Read it back with the ffmpeg CLI: what a user would do with the file.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["ffprobe", "-v", "error", "-show_entries", "stream=sample_rate,channels,codec_name,duration_ts",
                             "-of", "csv=p=0", out]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let fields = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ",").map(String.init)
        #expect(fields.count == 4 && fields[0] == "pcm_s16le" && fields[1] == "16000" && fields[2] == "1", "\(text)")
        let samples = Int(fields.last ?? "") ?? 0
        let reference = Process()
        reference.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        reference.arguments = ["ffmpeg", "-v", "error", "-nostdin", "-i", CLI.sample, "-ac", "1", "-ar", "16000", "-f", "f32le", "-"]
        let referencePipe = Pipe()
        reference.standardOutput = referencePipe
        try reference.run()
        let referenceSamples = referencePipe.fileHandleForReading.readDataToEndOfFile().count / 4
        reference.waitUntilExit()
        #expect(samples == referenceSamples, "Sentio wrote \(samples) samples, the ffmpeg CLI decodes \(referenceSamples)")
        #expect(abs(Double(samples) / 16_000 - 12.6) < 0.1)
    }

    @Test("A missing input exits non-zero with a message naming it, and nothing on stdout")
    func missingInput() throws {
        let result = try CLI.run(["probe", "/nonexistent/clip.mp4"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("/nonexistent/clip.mp4: no such file"))
        #expect(result.stdout.isEmpty)
    }

    @Test("Bad flags are refused with a usage message")
    func validation() throws {
        let result = try CLI.run(["extract", "audio", CLI.sample, "--raw", "/tmp/x.wav", "--encoding", "mp3"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("--encoding must be float or pcm16"))
    }
}

extension CLITests {
    @Test("extract video on the real MOSI clip at 5 fps: one OpenFace-style row per frame, the face found in nearly all")
    func extractVideo() throws {
        let clip = CLI.repo.deletingLastPathComponent().appendingPathComponent("shared/data/media/mosi_Oz06ZWiO20M_6.mp4").path
        guard FileManager.default.fileExists(atPath: clip) else { return }
        let result = try CLI.run(["extract", "video", clip, "--fps", "5"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        let header = lines.first?.split(separator: ",").map(String.init) ?? []
        #expect(Array(header.prefix(8)) == ["frame", "timestamp", "success", "confidence", "face_x", "face_y", "face_w", "face_h"])
        #expect(header.contains("x_67") && header.contains("y_0") && header.contains("pose_Rz"))
        let rows = lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.count == 38, "7.5 s at 5 fps")
        #expect(rows.allSatisfy { $0.count == header.count })
        let found = rows.filter { $0[2] == "1" }.count
        #expect(found >= 34, "face in \(found) of \(rows.count) frames")
        // Timestamps step by 0.2 s.
        for (i, row) in rows.enumerated() { #expect(abs((Double(row[1]) ?? -1) - Double(i) * 0.2) < 0.02) }
    }
}

extension CLITests {
    @Test("extract audio prints 74 COVAREP columns every 10 ms for the real MOSI clip, times at frame centres")
    func extractFeatures() throws {
        let wav = CLI.repo.deletingLastPathComponent().appendingPathComponent("shared/data/media/mosi_03bSnISJMiM_1.wav").path
        guard FileManager.default.fileExists(atPath: wav) else { return }
        let result = try CLI.run(["extract", "audio", wav])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        let header = lines.first?.split(separator: ",").map(String.init) ?? []
        #expect(header.count == 75 && header.first == "time" && header[1] == "F0" && header.last == "HMPDD_12")
        let rows = lines.dropFirst().map { $0.split(separator: ",").compactMap { Double($0) } }
        // COVAREP's frame count for n samples at 16 kHz: (n − 80) / 160 + 1, n as ffprobe counts it.
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        probe.arguments = ["ffprobe", "-v", "error", "-show_entries", "stream=duration_ts", "-of", "csv=p=0", wav]
        let pipe = Pipe()
        probe.standardOutput = pipe
        try probe.run()
        let samples = Int(String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        probe.waitUntilExit()
        #expect(rows.count == (samples - 80) / 160 + 1, "\(rows.count) rows")
        #expect(rows.allSatisfy { $0.count == 75 && $0.allSatisfy(\.isFinite) })
        for (k, row) in rows.enumerated().prefix(50) { #expect(abs(row[0] - (79 + 160 * Double(k)) / 16_000) < 1e-4) }
        let voiced = rows.filter { $0[2] == 1 }.count
        #expect(voiced > rows.count / 4, "speech is voiced in part: \(voiced) of \(rows.count)")
    }
}

@Suite("sentio analyze on recorded files")
struct AnalyzeCLITests {
    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sentio-analyze-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test("The bundled sample gives one utterance per caption, loved → positive, terrible → negative, on the sentio.v1 schema")
    func sample() throws {
        let result = try CLI.run(["analyze", CLI.sample])
        #expect(result.status == 0, "\(result.stderr)")
        let messages = result.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(messages.count == 3)
        #expect(messages.map { $0["seq"] as? Int } == [1, 2, 3])
        #expect(messages.allSatisfy { $0["schema"] as? String == "sentio.v1" && $0["model"] as? String == "sentio-default" })
        let sentiments = messages.compactMap { $0["sentiment"] as? Double }
        #expect(sentiments.count == 3 && sentiments[0] > 0.5 && sentiments[1] < -0.5, "\(sentiments)")
        #expect(sentiments.allSatisfy { (-3...3).contains($0) })
        #expect((messages.first?["text"] as? String)?.hasPrefix("I really loved this film") == true)
        // Times are the caption cue times of the sample (made by scripts/make-sample).
        #expect(abs((messages.first?["start"] as? Double ?? 0) - 0.3) < 0.01)
        #expect(result.stderr.contains("ok (caption track)"))
    }

    @Test("--out writes one result per input atomically, a second run skips it, CSV has a header and rows")
    func outFolderResume() throws {
        let out = try Self.folder()
        defer { try? FileManager.default.removeItem(at: out) }
        let first = try CLI.run(["analyze", CLI.sample, "--out", out.path, "--format", "csv"])
        #expect(first.status == 0, "\(first.stderr)")
        let file = out.appendingPathComponent("sample.sentio.csv")
        let csv = try String(contentsOf: file, encoding: .utf8).split(separator: "\n")
        #expect(csv.first?.hasPrefix("stream,seq,start,end,sentiment,label") == true)
        #expect(csv.count == 4)
        let second = try CLI.run(["analyze", CLI.sample, "--out", out.path, "--format", "csv"])
        #expect(second.status == 0)
        #expect(second.stderr.contains("skipped (done)"))
    }

    @Test("A sidecar transcript beside the input wins over the caption track")
    func sidecar() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let clip = folder.appendingPathComponent("talk.mp4")
        try FileManager.default.copyItem(atPath: CLI.sample, toPath: clip.path)
        try "1\n00:00:01,000 --> 00:00:04,000\nThis is absolutely wonderful, I am so happy.\n"
            .write(to: folder.appendingPathComponent("talk.srt"), atomically: true, encoding: .utf8)
        let result = try CLI.run(["analyze", clip.path])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first?.contains("\"text\":\"This is absolutely wonderful, I am so happy.\"") == true)
        #expect(lines.first?.contains("\"label\":\"positive\"") == true)
    }

    @Test("A bad input among good ones: the others are analysed, the exit code is non-zero, the summary says which and why")
    func failures() throws {
        let out = try Self.folder()
        defer { try? FileManager.default.removeItem(at: out) }
        let broken = out.appendingPathComponent("broken.mp4")
        try "not media".write(to: broken, atomically: true, encoding: .utf8)
        let result = try CLI.run(["analyze", CLI.sample, broken.path, "--out", out.appendingPathComponent("results").path])
        #expect(result.status != 0)
        #expect(result.stderr.contains("failed: \(broken.path): \(broken.path): is not a media file"))
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("results/sample.sentio.jsonl").path))
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("results/broken.sentio.jsonl").path))
    }

    @Test("--shard K/N splits the sorted inputs deterministically and completely")
    func shards() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        for name in ["a", "b", "c"] {
            try FileManager.default.copyItem(atPath: CLI.sample, toPath: folder.appendingPathComponent("\(name).mp4").path)
        }
        var seen: [String] = []
        for k in 1...2 {
            let result = try CLI.run(["analyze", folder.path, "--shard", "\(k)/2"])
            #expect(result.status == 0, "\(result.stderr)")
            seen += result.stdout.split(separator: "\n").compactMap {
                (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["stream"] as? String
            }
        }
        #expect(Set(seen) == ["a", "b", "c"])
        #expect(seen.count == 9, "each input analysed once: 3 utterances each")
    }
}

extension AnalyzeCLITests {
    @Test("--report writes a self-contained page: timeline SVG with one shaded span per utterance, transcript coloured by score, summary with the extremes")
    func report() throws {
        let out = try Self.folder()
        defer { try? FileManager.default.removeItem(at: out) }
        let result = try CLI.run(["analyze", CLI.sample, "--out", out.path, "--report"])
        #expect(result.status == 0, "\(result.stderr)")
        let html = try String(contentsOf: out.appendingPathComponent("sample.report.html"), encoding: .utf8)
        #expect(html.contains("<svg id=\"timeline\""))
        #expect(html.components(separatedBy: "<rect class=\"utterance\"").count - 1 == 3)
        #expect(html.components(separatedBy: "<circle class=\"multimodal\"").count - 1 == 3)
        #expect(html.components(separatedBy: "<tr style=\"background:#").count - 1 == 3)
        #expect(html.contains("most positive: positive at 0:00.3"))
        #expect(html.contains("most negative: negative at 0:05.6"))
        // Self-contained: nothing to fetch, nothing to run.
        #expect(!html.contains("<script") && !html.contains("src=") && !html.contains("@import") && !html.contains("url("))
        #expect(html.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "").range(of: "http") == nil)
        // A real browser loads it without console errors or failed requests and draws the chart.
        let check = Process()
        check.executableURL = CLI.repo.appendingPathComponent("scripts/check-report")
        check.arguments = [out.appendingPathComponent("sample.report.html").path]
        let checkOutput = Pipe()
        check.standardOutput = checkOutput
        check.standardError = checkOutput
        try check.run()
        let checkText = String(decoding: checkOutput.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        check.waitUntilExit()
        #expect(check.terminationStatus == 0, "\(checkText)")
        #expect(checkText.contains("check-report: ok"))
        let refused = try CLI.run(["analyze", CLI.sample, "--report"])
        #expect(refused.status != 0 && refused.stderr.contains("--report writes files"))
    }
}

extension AnalyzeCLITests {
    @Test("--features writes the per-frame acoustic (100 rows/s, 74 columns) and face CSVs beside the results")
    func featureFiles() throws {
        let out = try Self.folder()
        defer { try? FileManager.default.removeItem(at: out) }
        let result = try CLI.run(["analyze", CLI.sample, "--out", out.path, "--features"])
        #expect(result.status == 0, "\(result.stderr)")
        let acoustic = try String(contentsOf: out.appendingPathComponent("sample.acoustic.csv"), encoding: .utf8)
            .split(separator: "\n")
        #expect(acoustic.first?.hasPrefix("time,F0,VUV") == true)
        #expect(abs(acoustic.count - 1 - 1258) <= 3, "12.58 s of audio at 100 frames per second: \(acoustic.count - 1)")
        #expect(acoustic.dropFirst().allSatisfy { $0.split(separator: ",").count == 75 })
        let faces = try String(contentsOf: out.appendingPathComponent("sample.faces.csv"), encoding: .utf8).split(separator: "\n")
        #expect(faces.first?.hasPrefix("frame,timestamp,success") == true)
        #expect(abs(faces.count - 1 - 63) <= 2, "12.6 s at 5 fps: \(faces.count - 1)")
    }
}
