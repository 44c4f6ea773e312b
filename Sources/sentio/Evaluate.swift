import ArgumentParser
import Foundation
import Model
import Tensor
import Text

/// `sentio evaluate`: the MMSA metric table of a checkpoint on a dataset split.
struct Evaluate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a trained checkpoint on a dataset split (MMSA metrics).",
        discussion: """
        --data takes the same forms as `sentio train` (labels CSV, Sentio dataset file, folder of .csd files, synthetic).
        For a labels CSV the checkpoint's pooling is used with the encoder of --encoder.

        Example:
          sentio evaluate --model models/sentio-default --data ../shared/data/mosei/label.csv --split test
        """
    )

    @Option(help: "Checkpoint directory (manifest.json + model.safetensors).")
    var model: String

    @Option(help: "Labels CSV, Sentio dataset file (.safetensors), a folder of .csd files, or 'synthetic'.")
    var data: String

    @Option(help: "With a labels CSV: feature folder <video_id>/<clip_id>.acoustic.csv and/or .faces.csv.")
    var features: String?

    @Option(help: "Split: train, valid or test.")
    var split: String = "test"

    @Option(help: "Metric set: mosei (also MOSI) or sims.")
    var metrics: String = "mosei"

    @Option(help: "Text encoder directory (default: $SENTIO_TEXT_MODEL or \(Embed.defaultModel)).")
    var encoder: String?

    @Option(help: "Cache directory for text embeddings.")
    var cache: String = ProcessInfo.processInfo.environment["SENTIO_CACHE"] ?? (NSHomeDirectory() + "/.cache/sentio")

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @Flag(help: "With --json: include each sample's id, label and prediction.")
    var predictions = false

    func validate() throws {
        guard ["train", "valid", "test"].contains(split) else { throw ValidationError("--split must be train, valid or test") }
        guard ["mosei", "mosi", "sims"].contains(metrics) else { throw ValidationError("--metrics must be mosei, mosi or sims") }
    }

    func run() throws {
        OpenBLASKernels.preferAVX512()
        let (net, manifest) = try Checkpoint.loadEnsemble(URL(fileURLWithPath: model))
        let loaded = try DataLoading.load(data, pooling: manifest.encoder?.pooling ?? "mean", encoder: encoder, cache: cache, quiet: json, features: features)
        var s = loaded.splits[split]!
        let fixed = s.zeroNonFinite()
        if fixed > 0 { FileHandle.standardError.write(Data("sentio evaluate: replaced \(fixed) NaN/infinite feature values by 0\n".utf8)) }
        guard s.count > 0 else { throw ValidationError("split \(split) of \(data) is empty") }
        try net.checkInputs(s, source: data)
        let t0 = Date()
        let preds = Trainer.predict(net, s)
        let secs = Date().timeIntervalSince(t0)
        let sims = metrics == "sims"
        let r = sims ? Metrics.sims(predictions: preds, labels: s.labels) : Metrics.mosei(predictions: preds, labels: s.labels)
        let keys = sims ? Metrics.simsKeys : Metrics.moseiKeys
        if json {
            var obj: [String: Any] = ["model": model, "data": data, "split": split, "samples": s.count, "modalities": net.config.modalities.map(\.rawValue), "members": net.members.count,
                                      "metrics": jsonNumbers(r), "seconds": secs]
            if predictions { obj["ids"] = s.ids; obj["labels"] = s.labels.map(Double.init); obj["predictions"] = preds.map(Double.init) }
            let d = try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys])
            print(String(decoding: d, as: UTF8.self))
        } else {
            let members = manifest.ensemble.map { ", ensemble of seeds \($0.map(String.init).joined(separator: ","))" } ?? ""
            print("model \(model) (\(net.config.modalities.map(\.rawValue).joined(separator: "+"))\(members)) on \(loaded.description) \(split), \(s.count) samples")
            for k in keys { print(k.padding(toLength: 16, withPad: " ", startingAt: 0) + String(format: "%.4f", r[k] ?? .nan)) }
        }
    }
}
