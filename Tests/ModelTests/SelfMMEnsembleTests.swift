import Foundation
import Testing
import Tensor
@testable import Model

@Suite("Seed ensembles of Self-MM")
struct SelfMMEnsembleTests {
    static func config() -> ModelConfig {
        var cfg = parityConfig()
        cfg.network.modalities = [.text, .audio]
        return cfg
    }

    static func input() -> ModelInput {
        var rng = SeededRNG(seed: 9)
        return ModelInput(text: .randomNormal([3, 12], using: &rng), audio: .randomNormal([3, 4, 5], using: &rng), audioLengths: [4, 2, 1])
    }

    static func temporaryDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("sentio-ensemble-test-\(UUID().uuidString)")
    }

    @Test("an ensemble averages its members' M, T and A outputs; it round-trips through one model.safetensors")
    func averagesAndRoundTrips() throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let cfg = Self.config()
        let members = [SelfMM(config: cfg.network, seed: 1), SelfMM(config: cfg.network, seed: 2), SelfMM(config: cfg.network, seed: 3)]
        var manifest = Manifest(config: cfg)
        manifest.ensemble = [1, 2, 3]
        try Checkpoint.save(SelfMMEnsemble(members), manifest: manifest, to: dir)
        let names = try SafetensorsFile(contentsOf: dir.appendingPathComponent("model.safetensors")).names
        #expect(names.contains("members.2.post_fusion_layer_1.weight") && !names.contains("post_fusion_layer_1.weight"))
        let (loaded, m) = try Checkpoint.loadEnsemble(dir)
        #expect(m.ensemble == [1, 2, 3] && loaded.members.count == 3)

        let input = Self.input()
        var rng = SeededRNG(seed: 0)
        let outs = members.map { $0(input, tape: nil, training: false, rng: &rng) }
        let averaged = loaded(input)
        for i in 0..<3 {
            let m = outs.map { $0.m.value.data[i] }.reduce(0, +) / 3
            let t = outs.map { $0.heads[.text]!.value.data[i] }.reduce(0, +) / 3
            let a = outs.map { $0.heads[.audio]!.value.data[i] }.reduce(0, +) / 3
            #expect(abs(averaged.m.data[i] - m) < 1e-6 && abs(averaged.heads[.text]!.data[i] - t) < 1e-6 && abs(averaged.heads[.audio]!.data[i] - a) < 1e-6)
            // The members differ, so the average is not any one of them.
            #expect(abs(outs[0].m.value.data[i] - outs[1].m.value.data[i]) > 1e-4)
        }
        var split = SplitData()
        split.labels = [0, 0, 0]
        split.textFeatures = input.text
        // Each sample's true length of the padded batch.
        split.audio = (0..<3).map { b in
            let n = input.audioLengths[b]
            return Tensor(shape: [n, 5], data: Array(input.audio!.data[(b * 20)..<(b * 20 + n * 5)]))
        }
        let preds = Trainer.predict(loaded, split)
        for i in 0..<3 { #expect(abs(preds[i] - averaged.m.data[i]) < 1e-6) }

        // Resuming and parity runs need one set of weights: the single-model loader refuses an ensemble.
        #expect(throws: ModelError.badCheckpoint(path: dir.path, reason: "it is an ensemble of 3 members (seeds [1, 2, 3]), not one model")) { try Checkpoint.load(dir) }
    }

    @Test("a single-model checkpoint loads as an ensemble of one with the same outputs")
    func singleModel() throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let cfg = Self.config()
        let model = SelfMM(config: cfg.network, seed: 4)
        try Checkpoint.save(model, manifest: Manifest(config: cfg), to: dir)
        let manifestText = try String(contentsOf: dir.appendingPathComponent("manifest.json"), encoding: .utf8)
        #expect(!manifestText.contains("ensemble"))
        let (loaded, m) = try Checkpoint.loadEnsemble(dir)
        #expect(m.ensemble == nil && loaded.members.count == 1)
        var rng = SeededRNG(seed: 0)
        let input = Self.input()
        #expect(loaded(input).m.data == model(input, tape: nil, training: false, rng: &rng).m.value.data)
    }

    @Test("a missing or mis-shaped member tensor, a member count the file lacks, or an empty member list are typed errors naming the tensor")
    func badMembers() throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let cfg = Self.config()
        let members = [SelfMM(config: cfg.network, seed: 1), SelfMM(config: cfg.network, seed: 2)]
        var manifest = Manifest(config: cfg)
        manifest.ensemble = [1, 2]
        try Checkpoint.save(SelfMMEnsemble(members), manifest: manifest, to: dir)
        let weights = dir.appendingPathComponent("model.safetensors")
        let file = try SafetensorsFile(contentsOf: weights)
        var tensors = try Dictionary(uniqueKeysWithValues: file.names.map { ($0, try file.tensor($0)) })

        // Missing tensor of member 1.
        var missing = tensors
        missing["members.1.post_text_layer_2.bias"] = nil
        try SafetensorsFile.write(missing, to: weights)
        #expect(throws: ModelError.badCheckpoint(path: dir.path, reason: "missing tensor members.1.post_text_layer_2.bias")) { try Checkpoint.loadEnsemble(dir) }

        // Mis-shaped tensor of member 0.
        tensors["members.0.post_fusion_layer_3.weight"] = Tensor(shape: [1, 3], data: [0, 0, 0])
        try SafetensorsFile.write(tensors, to: weights)
        #expect(throws: ModelError.badCheckpoint(path: dir.path, reason: "tensor members.0.post_fusion_layer_3.weight has shape [1, 3], the architecture needs [1, 10]")) {
            try Checkpoint.loadEnsemble(dir)
        }

        // The manifest names three members, the file holds two.
        try Checkpoint.save(SelfMMEnsemble(members), manifest: manifest, to: dir)
        var three = manifest
        three.ensemble = [1, 2, 3]
        let enc = JSONEncoder()
        try enc.encode(three).write(to: dir.appendingPathComponent("manifest.json"))
        do { _ = try Checkpoint.loadEnsemble(dir); Issue.record("loaded a missing member") } catch let ModelError.badCheckpoint(_, reason) {
            #expect(reason.hasPrefix("missing tensor members.2."), "\(reason)")
        }
        // An empty member list.
        var none = manifest
        none.ensemble = []
        try enc.encode(none).write(to: dir.appendingPathComponent("manifest.json"))
        #expect(throws: ModelError.badCheckpoint(path: dir.path, reason: "manifest ensemble lists no member")) { try Checkpoint.loadEnsemble(dir) }
        // Saving more members than the manifest lists is refused.
        #expect(throws: ModelError.badCheckpoint(path: dir.path, reason: "the manifest lists 1 ensemble member(s), the model has 2")) {
            try Checkpoint.save(SelfMMEnsemble(members), manifest: Manifest(config: cfg), to: dir)
        }
    }
}
