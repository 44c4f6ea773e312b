import Foundation
import Testing
import Tensor
@testable import Model

let fixtures = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!

func fixture(_ name: String) -> URL { fixtures.appendingPathComponent(name) }

func json(_ name: String) throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: Data(contentsOf: fixture(name))) as! [String: Any]
}

/// The network and training set-up of scripts/reference/make_model_fixtures.py.
func parityConfig() -> ModelConfig {
    var n = NetworkConfig()
    n.textDim = 12; n.audioIn = 5; n.visualIn = 4
    n.audioLSTMHidden = 6; n.visualLSTMHidden = 5; n.audioOut = 4; n.visualOut = 3
    n.postFusionDim = 10; n.postTextDim = 8; n.postAudioDim = 6; n.postVisualDim = 7
    n.postFusionDropout = 0; n.postTextDropout = 0; n.postAudioDropout = 0; n.postVisualDropout = 0
    var t = TrainingConfig()
    t.batchSize = 8; t.accumulationSteps = 2; t.shuffle = false; t.coralWeight = 0
    t.learningRateAudio = 5e-3; t.weightDecayAudio = 0
    t.learningRateVisual = 4e-3; t.weightDecayVisual = 0.001
    t.learningRateOther = 1e-3; t.weightDecayOther = 0.01
    t.labelBound = 3; t.excludeZero = true
    return ModelConfig(network: n, training: t)
}

@Suite("Parity with MMSA's SELF_MM (PyTorch)")
struct ParityTests {
    @Test("forward outputs and features equal MMSA's to 1e-4 with the same weights")
    func forward() throws {
        let data = try DatasetFile.read(fixture("parity-data.safetensors"))
        let model = SelfMM(config: parityConfig().network, seed: 1)
        try Checkpoint.loadWeights(model, from: fixture("parity-init.safetensors"), skipMissing: true)
        var rng = SeededRNG(seed: 0)
        let out = model(data.train.input(Array(0..<data.train.count), modalities: [.text, .audio, .visual]), tape: nil, training: false, rng: &rng)
        let ref = try SafetensorsFile(contentsOf: fixture("parity-forward.safetensors"))
        let pairs: [(String, Tensor)] = [("M", out.m.value), ("T", out.heads[.text]!.value), ("A", out.heads[.audio]!.value),
                                         ("V", out.heads[.visual]!.value), ("Feature_f", out.fm.value),
                                         ("Feature_t", out.features[.text]!.value), ("Feature_a", out.features[.audio]!.value),
                                         ("Feature_v", out.features[.visual]!.value)]
        for (name, mine) in pairs {
            let r = try ref.tensor(name)
            #expect(r.shape == mine.shape, "\(name)")
            #expect(mine.maxAbsDifference(r) < 1e-4, "\(name): max abs difference \(mine.maxAbsDifference(r))")
            print("parity forward \(name): max abs difference \(mine.maxAbsDifference(r))")
        }
    }

    @Test("ULGM labels after two epochs of training equal MMSA's to 1e-3 (and are y_m after epoch 1)")
    func ulgmLabels() throws {
        let data = try DatasetFile.read(fixture("parity-data.safetensors"))
        let cfg = parityConfig()
        let model = SelfMM(config: cfg.network, seed: 1)
        try Checkpoint.loadWeights(model, from: fixture("parity-init.safetensors"), skipMissing: true)
        let trainer = Trainer(model: model, config: cfg.training, train: data.train, valid: data.valid)
        let ref = try SafetensorsFile(contentsOf: fixture("parity-ulgm.safetensors"))
        _ = trainer.trainEpoch(1)
        for (m, key) in [(Modality.text, "text"), (.audio, "audio"), (.visual, "vision")] {
            let r = try ref.tensor("epoch1.\(key)")
            #expect(r.data == data.train.labels)
            #expect(Tensor(shape: [r.count], data: trainer.ulgm.labels[m]!).maxAbsDifference(r) < 1e-6)
        }
        _ = trainer.trainEpoch(2)
        for (m, key) in [(Modality.text, "text"), (.audio, "audio"), (.visual, "vision")] {
            let r = try ref.tensor("epoch2.\(key)")
            let mine = Tensor(shape: [r.count], data: trainer.ulgm.labels[m]!)
            #expect(mine.maxAbsDifference(r) < 1e-3, "\(key): max abs difference \(mine.maxAbsDifference(r))")
            print("parity ULGM epoch-2 labels \(key): max abs difference \(mine.maxAbsDifference(r)); moved up to \(r.maxAbsDifference(Tensor(shape: [r.count], data: data.train.labels)))")
            #expect(r.maxAbsDifference(Tensor(shape: [r.count], data: data.train.labels)) > 0.05, "labels moved")
        }
        let preds = Trainer.predict(model, data.train)
        let rm = try ref.tensor("trained.M")
        #expect(Tensor(shape: [preds.count], data: preds).maxAbsDifference(rm) < 1e-3)
        print("parity M after 2 epochs of training: max abs difference \(Tensor(shape: [preds.count], data: preds).maxAbsDifference(rm))")
    }
}

@Suite("Covariance (CORAL) loss")
struct CoralTests {
    @Test("value and gradients equal torch autograd's")
    func againstTorch() throws {
        let j = try json("coral.json")
        func t(_ k: String) -> Tensor {
            let rows = j[k] as! [[Double]]
            return Tensor(shape: [rows.count, rows[0].count], data: rows.flatMap { $0.map { Float($0) } })
        }
        let tape = Tape()
        let x = tape.input(t("x")), y = tape.input(t("y"))
        let l = coralLoss(x, y)
        #expect(abs(l.value.scalar - Float(j["loss"] as! Double)) < 1e-5 * max(1, Float(j["loss"] as! Double)))
        let g = tape.backward(l)
        #expect(g[x.id]!.maxAbsDifference(t("grad_x")) < 1e-5)
        #expect(g[y.id]!.maxAbsDifference(t("grad_y")) < 1e-5)
    }

    @Test("gradient equals central finite differences")
    func finiteDifferences() {
        var rng = SeededRNG(seed: 3)
        let x0 = Tensor.randomNormal([6, 4], using: &rng), y0 = Tensor.randomNormal([6, 4], std: 0.5, using: &rng)
        let tape = Tape()
        let x = tape.input(x0)
        let g = tape.backward(coralLoss(x, Var(y0)))[x.id]!
        let h: Float = 1e-2
        for i in 0..<x0.count {
            var p = x0, m = x0
            p.data[i] += h; m.data[i] -= h
            let fd = (coralLoss(Var(p), Var(y0)).value.scalar - coralLoss(Var(m), Var(y0)).value.scalar) / (2 * h)
            #expect(abs(fd - g.data[i]) < 2e-3 * max(1, abs(fd)), "element \(i): fd \(fd) vs autodiff \(g.data[i])")
        }
    }

    @Test("is zero for identical inputs and for one-row batches")
    func degenerate() {
        var rng = SeededRNG(seed: 4)
        let x = Tensor.randomNormal([5, 3], using: &rng)
        #expect(coralLoss(Var(x), Var(x)).value.scalar == 0)
        #expect(coralLoss(Var(Tensor.ones([1, 3])), Var(Tensor.zeros([1, 3]))).value.scalar == 0)
    }
}

@Suite("ULGM")
struct ULGMTests {
    @Test("a hand-computed update: centres, relative distances, clipping, momentum")
    func handComputed() {
        // 4 samples, 1-D features. y_m = [2, -1, 1, 0].
        var u = ULGM(labels: [2, -1, 1, 0], fusionDim: 1, dims: [.text: 1], labelBound: 3, excludeZero: true)
        let f: [Float] = [1, -1, 3, 0]
        let ft: [Float] = [2, -2, 0, 5]
        u.step(indexes: [0, 1, 2, 3], fusion: Tensor(shape: [4, 1], data: f), features: [.text: Tensor(shape: [4, 1], data: ft)], epoch: 1)
        // Epoch 1: labels unchanged; fusion centres pos = mean(1, 3) = 2 (y > 0), neg = −1; text pos = mean(2, 0) = 1, neg = −2.
        #expect(u.labels[.text]! == [2, -1, 1, 0])
        #expect(u.fusionCentres.pos == [2] && u.fusionCentres.neg == [-1])
        #expect(u.centres[.text]!.pos == [1] && u.centres[.text]!.neg == [-2])
        // Epoch 2, sample 0 with F_m = 1, F_t = 2:
        //   α_m = (|1+1| − |1−2|)/(|1−2|) = (2−1)/1 = 1; α_t = (|2+2| − |2−1|)/|2−1| = 3.
        //   ŷ = ½·(3/1)·2 + ½·(2 + 3 − 1) = 3 + 2 = 5 → clipped to 3; y ← (1/3)·2 + (2/3)·3 = 8/3.
        // Sample 3 (y_m = 0) with F_m = 0, F_t = 5: α_m = (1 − 2)/2 = −0.5; α_t = (7 − 4)/4 = 0.75;
        //   ŷ = 0 + ½(0 + 0.75 + 0.5) = 0.625; y ← (1/3)·0 + (2/3)·0.625 = 0.41667.
        u.step(indexes: [0, 3], fusion: Tensor(shape: [2, 1], data: [1, 0]), features: [.text: Tensor(shape: [2, 1], data: [2, 5])], epoch: 2)
        let y = u.labels[.text]!
        #expect(abs(y[0] - 8.0 / 3) < 1e-5)
        #expect(abs(y[3] - 0.625 * 2 / 3) < 1e-5)
        #expect(y[1] == -1 && y[2] == 1)
        let (targets, weights) = u.targets(.text, [0, 3])
        #expect(targets == [y[0], y[3]])
        #expect(abs(weights[0] - tanhf(8.0 / 3 - 2)) < 1e-6)
        #expect(abs(weights[1] - tanhf(0.625 * 2 / 3)) < 1e-6)
    }
}

@Suite("Metrics as MMSA's MetricsTop")
struct MetricsTests {
    @Test("MOSEI and SIMS metrics equal MMSA's (numpy + sklearn) values")
    func againstMMSA() throws {
        let j = try json("metrics.json")
        for (name, keysMap) in [("mosei", ["MAE": "MAE", "Corr": "Corr", "Has0_acc_2": "Has0_acc_2", "Has0_F1_score": "Has0_F1_score",
                                          "Non0_acc_2": "Non0_acc_2", "Non0_F1_score": "Non0_F1_score", "Acc_5": "Mult_acc_5", "Acc_7": "Mult_acc_7"]),
                                ("sims", ["MAE": "MAE", "Corr": "Corr", "Mult_acc_2": "Mult_acc_2", "Mult_acc_3": "Mult_acc_3",
                                          "Mult_acc_5": "Mult_acc_5", "F1_score": "F1_score"])] {
            let d = j[name] as! [String: Any]
            let p = (d["pred"] as! [Double]).map { Float($0) }, y = (d["true"] as! [Double]).map { Float($0) }
            let ref = d["metrics"] as! [String: Double]
            let mine = name == "mosei" ? Metrics.mosei(predictions: p, labels: y) : Metrics.sims(predictions: p, labels: y)
            for (k, rk) in keysMap {
                // MMSA rounds to 4 places.
                #expect(abs(mine[k]! - ref[rk]!) <= 5.01e-5, "\(name) \(k): \(mine[k]!) vs MMSA \(ref[rk]!)")
            }
        }
    }
}

@Suite("Data and checkpoints, bad input")
struct DataTests {
    @Test("labels CSV: quoted fields parse; bad rows fail with their line number")
    func csv() throws {
        let good = "video_id,clip_id,text,label,mode\nv1,1,\"Hello, \"\"world\"\"\nsecond line\",1.5,train\nv2,2,plain,-0.5,test\n"
        let rows = try LabelsCSV.parse(good)
        #expect(rows.count == 2)
        #expect(rows[0].text == "Hello, \"world\"\nsecond line" && rows[0].label == 1.5 && rows[1].mode == "test")
        let cases: [(String, Int, String)] = [
            ("video_id,clip_id,text,label,mode\nv,1,t,0.5,train\nv,2,t,abc,train\n", 3, "not a finite number"),
            ("video_id,clip_id,text,label,mode\nv,1,t,0.5,train\nv,2,t,0.5\n", 3, "4 fields"),
            ("video_id,clip_id,text,label,mode\nv,1,t,0.5,train\n\"v\",\"2\",\"a\nb\",0.5,train\nv,3,t,nan,valid\n", 5, "finite"),
            ("video_id,clip_id,text,label,mode\nv,1,t,0.5,holdout\n", 2, "mode"),
            ("video_id,clip,text,label,mode\n", 1, "clip_id"),
        ]
        for (text, line, reason) in cases {
            do {
                _ = try LabelsCSV.parse(text, file: "x.csv")
                Issue.record("no error for line \(line)")
            } catch let ModelError.badCSV(file, l, r) {
                #expect(file == "x.csv" && l == line && r.contains(reason), "\(l): \(r)")
            }
        }
    }

    @Test("NaN and infinite features are zeroed and counted")
    func nanFeatures() {
        var s = SplitData()
        s.labels = [0, 1]
        s.textFeatures = Tensor(shape: [2, 2], data: [.nan, 1, 2, .infinity])
        s.audio = [Tensor(shape: [1, 2], data: [.nan, .nan]), Tensor(shape: [1, 2], data: [1, 2])]
        #expect(s.zeroNonFinite() == 4)
        #expect(s.textFeatures!.data == [0, 1, 2, 0] && s.audio![0].data == [0, 0])
    }

    @Test("checkpoints round-trip; a missing tensor, a wrong shape, another architecture or an unknown pooling are typed errors")
    func checkpoints() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sentio-model-test-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        var cfg = parityConfig()
        cfg.network.modalities = [.text, .audio]
        let model = SelfMM(config: cfg.network, seed: 5)
        try Checkpoint.save(model, manifest: Manifest(config: cfg), to: dir)
        let (loaded, manifest) = try Checkpoint.load(dir)
        #expect(manifest.modalities == [.text, .audio])
        #expect(loaded.visualNet == nil && loaded.audioNet != nil)
        for (a, b) in zip(model.allParameters, loaded.allParameters) { #expect(a.name == b.name && a.value == b.value) }

        // Missing tensor.
        var tensors: [String: Tensor] = [:]
        for p in model.allParameters where p.name != "post_text_layer_2.bias" { tensors[p.name] = p.value }
        try SafetensorsFile.write(tensors, to: dir.appendingPathComponent("model.safetensors"))
        #expect(throws: ModelError.badCheckpoint(path: dir.path, reason: "missing tensor post_text_layer_2.bias")) { try Checkpoint.load(dir) }
        // A checkpoint of another architecture: same files, a manifest for text+audio+visual.
        var other = cfg
        other.network.modalities = [.text, .audio, .visual]
        try Checkpoint.save(model, manifest: Manifest(config: other), to: dir)
        do { _ = try Checkpoint.load(dir); Issue.record("loaded a mismatching checkpoint") } catch let ModelError.badCheckpoint(_, reason) {
            #expect(reason.contains("has shape") || reason.contains("missing tensor"), "\(reason)")
        }
        // Wrong format name.
        var m = Manifest(config: cfg)
        m.format = "something-else"
        try Checkpoint.save(model, manifest: m, to: dir)
        do { _ = try Checkpoint.load(dir); Issue.record("loaded a foreign format") } catch let ModelError.badCheckpoint(_, reason) {
            #expect(reason.contains("format something-else"))
        }
        // A text pooling this build does not know: refused, not silently replaced by another.
        var unknown = Manifest(config: cfg, encoder: EncoderReference(name: "e", files: [:], pooling: "max", maxLength: 16, fineTuned: false))
        try Checkpoint.save(model, manifest: unknown, to: dir)
        #expect(throws: ModelError.badCheckpoint(path: dir.path, reason: "encoder pooling 'max' is not one of cls, mean, layer-mean")) { try Checkpoint.load(dir) }
        unknown.encoder?.pooling = "layer-mean"
        try Checkpoint.save(model, manifest: unknown, to: dir)
        #expect(try Checkpoint.load(dir).1.encoder?.pooling == "layer-mean")
    }

    @Test("a dataset file with a wrong shape or missing lengths fails naming the tensor")
    func badDatasetFile() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sentio-bad-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        var t: [String: Tensor] = [:]
        for s in ["train", "valid", "test"] { t["\(s).labels"] = .zeros([2]); t["\(s).audio"] = .zeros([2, 3, 4]) }
        try SafetensorsFile.write(t, to: url)
        #expect(throws: ModelError.badData(source: url.path, reason: "missing tensor train.audio_lengths")) { try DatasetFile.read(url) }
        t["train.audio_lengths"] = Tensor(shape: [2], data: [1, 7])
        try SafetensorsFile.write(t, to: url)
        #expect(throws: ModelError.badData(source: url.path, reason: "train.audio_lengths[1] = 7.0 not an integer in 1...3")) { try DatasetFile.read(url) }
        t["train.text"] = .zeros([3, 5])
        try SafetensorsFile.write(t, to: url)
        #expect(throws: ModelError.badData(source: url.path, reason: "train.text has shape [3, 5], expected [2, d]")) { try DatasetFile.read(url) }
    }
}

@Suite("MMSA pickles (restricted unpickler)")
struct PickleTests {
    @Test("protocol 2 and 4 pickles made by pickle + numpy read back exactly", arguments: ["mmsa-p2.pkl", "mmsa-p4.pkl"])
    func readsMMSA(_ name: String) throws {
        let d = try MMSAPickle.read(fixture(name))
        let e = try json("mmsa-expected.json")
        #expect(d.train.count == 3 && d.valid.count == 2 && d.test.count == 2)
        #expect(d.train.labels == (e["train.labels"] as! [Double]).map { Float($0) })
        #expect(d.train.ids == e["train.ids"] as! [String])
        #expect(d.test.texts == e["test.raw_text"] as! [String])
        let lengths = e["train.audio_lengths"] as! [Int]
        #expect(d.train.audio!.map { $0.shape[0] } == lengths)
        let audio = (e["train.audio"] as! [Double]).map { Float($0) }
        for i in 0..<3 { #expect(d.train.audio![i].data == Array(audio[(i * 12)..<(i * 12 + lengths[i] * 3)])) }
        #expect(d.train.visual!.allSatisfy { $0.shape == [5, 2] })
        let tm = Tensor(shape: [21], data: (e["train.text_mean"] as! [Double]).map { Float($0) })
        #expect(d.train.textFeatures!.maxAbsDifference(tm) < 1e-6)
    }

    @Test("a missing key, a wrong shape and a code-running global are errors naming the problem")
    func badPickles() throws {
        #expect(throws: ModelError.badData(source: fixture("mmsa-missing-key.pkl").path, reason: "valid lacks key 'regression_labels'")) {
            try MMSAPickle.read(fixture("mmsa-missing-key.pkl"))
        }
        #expect(throws: ModelError.badData(source: fixture("mmsa-bad-shape.pkl").path, reason: "test.audio has shape [2, 4], expected [2, T, d]")) {
            try MMSAPickle.read(fixture("mmsa-bad-shape.pkl"))
        }
        do { _ = try MMSAPickle.read(fixture("mmsa-evil.pkl")); Issue.record("evil pickle loaded") } catch let ModelError.badData(_, reason) {
            #expect(reason.contains("refused global posix.system"), "\(reason)")
        }
    }
}

@Suite("Input checks")
struct InputCheckTests {
    @Test("data lacking a modality or of the wrong width is a typed error naming it")
    func widths() {
        var cfg = parityConfig().network
        cfg.modalities = [.text, .audio]
        let model = SelfMM(config: cfg, seed: 1)
        var s = SplitData()
        s.labels = [0]
        s.textFeatures = .zeros([1, 24])
        #expect(throws: ModelError.badData(source: "d", reason: "text features of width 24, the model needs 12")) { try model.checkInputs(s, source: "d") }
        s.textFeatures = .zeros([1, 12])
        #expect(throws: ModelError.badData(source: "d", reason: "no audio inputs, which the model needs")) { try model.checkInputs(s, source: "d") }
        s.audio = [.zeros([3, 4])]
        #expect(throws: ModelError.badData(source: "d", reason: "audio features of shape [3, 4], the model needs [T, 5]")) { try model.checkInputs(s, source: "d") }
        s.audio = [.zeros([3, 5])]
        #expect(throws: Never.self) { try model.checkInputs(s, source: "d") }
    }
}

@Suite("Training")
struct TrainingTests {
    @Test("three-modality training on synthetic data beats the constant predictor and keeps the best epoch")
    func synthetic() {
        var spec = Synthetic.Spec()
        spec.train = 192; spec.valid = 64; spec.test = 64; spec.maxLength = 8
        let d = Synthetic.make(spec)
        var n = NetworkConfig()
        n.textDim = spec.textDim; n.audioIn = spec.audioDim; n.visualIn = spec.visualDim
        var t = TrainingConfig()
        t.maxEpochs = 6; t.patience = 2; t.accumulationSteps = 2; t.seed = 1111
        let model = SelfMM(config: n, seed: t.seed)
        let trainer = Trainer(model: model, config: t, train: d.train, valid: d.valid)
        let r = trainer.fit()
        #expect(r.logs.count >= 3 && r.bestEpoch >= 1)
        // The parameters left in the model are the best epoch's.
        let vl = Trainer.validationLoss(Trainer.predict(model, d.valid), d.valid.labels, batchSize: t.batchSize)
        #expect(abs(vl - r.bestValidLoss) < 1e-6)
        // Better than predicting the training mean.
        let mean = d.train.labels.reduce(0, +) / Float(d.train.count)
        let constant = Trainer.validationLoss([Float](repeating: mean, count: d.valid.count), d.valid.labels, batchSize: t.batchSize)
        #expect(r.bestValidLoss < 0.85 * constant, "best \(r.bestValidLoss) vs constant \(constant)")
        // ULGM moved the unimodal labels from epoch 2 on, within ±H.
        #expect(r.ulgmLabels[.audio]! != d.train.labels)
        #expect(r.ulgmLabels.values.allSatisfy { $0.allSatisfy { abs($0) <= 3 } })
    }

    @Test("resuming from epoch 2's weights and training state (ULGM memory + Adam's moments) repeats epochs 3-4 exactly; without the moments it does not")
    func resumeExactly() throws {
        var spec = Synthetic.Spec()
        spec.train = 96; spec.valid = 32; spec.test = 8; spec.maxLength = 6
        let d = Synthetic.make(spec)
        var n = NetworkConfig()
        n.textDim = spec.textDim; n.audioIn = spec.audioDim; n.visualIn = spec.visualDim
        n.postFusionDropout = 0; n.postTextDropout = 0; n.postAudioDropout = 0; n.postVisualDropout = 0
        var t = TrainingConfig()
        t.maxEpochs = 4; t.patience = 10; t.batchSize = 16; t.shuffle = false; t.seed = 7
        let model = SelfMM(config: n, seed: t.seed)
        let trainer = Trainer(model: model, config: t, train: d.train, valid: d.valid)
        var kept: (weights: [Tensor], state: [String: Tensor], loss: Double)?
        trainer.onEpoch = { e in if e.epoch == 2 { kept = (model.allParameters.map(\.value), trainer.state, e.validLoss) } }
        let full = trainer.fit().logs.map(\.validLoss)
        let k = try #require(kept)
        #expect(k.state["adam.step"]?.data == [12], "2 epochs × 6 batches")
        #expect(k.state["adam.m.post_fusion_layer_1.weight"]?.shape == [n.postFusionDim, n.textDim + n.audioOut + n.visualOut])

        func resumed(_ state: [String: Tensor]) throws -> [Double] {
            let m = SelfMM(config: n, seed: t.seed)
            for (p, v) in zip(m.allParameters, k.weights) { p.value = v }
            let r = Trainer(model: m, config: t, train: d.train, valid: d.valid)
            try r.resume(after: 2, validLoss: k.loss, state: state, source: "kept")
            return r.fit().logs.map(\.validLoss)
        }
        #expect(full.count == 4)
        #expect(try resumed(k.state) == Array(full[2...]), "epochs 3-4 of the uninterrupted run")
        // A state without Adam's entries (as written before they were saved) restarts the moments.
        let fresh = try resumed(k.state.filter { !$0.key.hasPrefix("adam.") })
        #expect(fresh.count == 2 && fresh != Array(full[2...]))
        // A moment of the wrong shape is a typed error naming the parameter.
        var bad = k.state
        bad["adam.v.post_fusion_layer_3.bias"] = Tensor(shape: [2], data: [0, 0])
        do { _ = try resumed(bad); Issue.record("resumed with a bad moment") } catch let ModelError.badCheckpoint(path, reason) {
            #expect(path == "kept" && reason.contains("adam.m/v.post_fusion_layer_3.bias has shape [1]/[2]"), "\(reason)")
        }
    }
}

@Suite("Sentio feature files")
struct FeatureDirectoryTests {
    static let layout = FeatureLayout(audioColumns: ["F0", "VUV"], visualColumns: ["d1", "d2"])

    @Test("per-clip acoustic and face CSVs attach to the CSV rows by name; frames without a face are dropped; a missing file names the clip")
    func attach() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sentio-features-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let rows = try LabelsCSV.parse("video_id,clip_id,text,label,mode\nv1,1,a,1,train\nv1,2,b,-1,test\nv2,1,c,0.5,train\n")
        for (i, r) in rows.enumerated() {
            let folder = dir.appendingPathComponent(r.videoID)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            // Columns in another order than the layout, plus one it ignores.
            var acoustic = "time,VUV,F0,NAQ\n"
            for t in 0..<(i + 2) { acoustic += "\(Float(t) * 0.01 + 0.005),1,\(100 * i + t),0.3\n" }
            try acoustic.write(to: folder.appendingPathComponent("\(r.clipID).acoustic.csv"), atomically: true, encoding: .utf8)
            // Frame 1 has no face (success 0); clip 2 (i = 1) has no face at all.
            var faces = "frame,timestamp,success,d2,d1\n"
            for t in 0..<3 { faces += "\(t),\(Float(t) * 0.2),\(i == 1 || t == 1 ? 0 : 1),\(-i),\(t)\n" }
            try faces.write(to: folder.appendingPathComponent("\(r.clipID).faces.csv"), atomically: true, encoding: .utf8)
        }
        var splits = LabelsCSV.splits(rows)
        try FeatureDirectory.attach(rows, directory: dir, layout: Self.layout, to: &splits)
        #expect(splits.train.audio!.map(\.shape) == [[2, 2], [4, 2]])
        #expect(splits.train.audio![1].data == [200, 1, 201, 1, 202, 1, 203, 1])
        #expect(splits.train.visual!.map(\.shape) == [[2, 2], [2, 2]])
        #expect(splits.train.visual![1].data == [0, -2, 2, -2])
        #expect(splits.test.visual!.map(\.shape) == [[0, 2]], "no face in any frame: an empty sequence, as live scoring has it")
        #expect(splits.valid.audio == nil)
        try FileManager.default.removeItem(at: dir.appendingPathComponent("v2/1.acoustic.csv"))
        var again = LabelsCSV.splits(rows)
        do { try FeatureDirectory.attach(rows, directory: dir, layout: Self.layout, to: &again); Issue.record("missing file accepted") } catch let ModelError.badData(source, reason) {
            #expect(source.hasSuffix("v2/1.acoustic.csv") && reason.contains("v2/1"))
        }
    }

    @Test("a feature CSV with a missing column, a short row or a non-number names the file and line; nan parses (zeroed later)")
    func badRows() throws {
        #expect(throws: ModelError.badCSV(file: "f.csv", line: 1, reason: "header lacks column 'VUV'")) {
            try FeatureCSV.parse("time,F0\n0,1\n", columns: ["F0", "VUV"], file: "f.csv")
        }
        #expect(throws: ModelError.badCSV(file: "f.csv", line: 3, reason: "2 fields, header has 3")) {
            try FeatureCSV.parse("time,F0,VUV\n0,1,1\n0,1\n", columns: ["F0", "VUV"], file: "f.csv")
        }
        #expect(throws: ModelError.badCSV(file: "f.csv", line: 2, reason: "VUV = 'x' is not a number")) {
            try FeatureCSV.parse("time,F0,VUV\n0,1,x\n", columns: ["F0", "VUV"], file: "f.csv")
        }
        let t = try FeatureCSV.parse("time,F0,VUV\r\n0,nan,1\r\n", columns: ["F0", "VUV"], file: "f.csv")
        #expect(t.shape == [1, 2] && t.data[0].isNaN && t.data[1] == 1)
    }
}
