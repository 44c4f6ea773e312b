import Foundation
import Tensor

/// What one epoch did (one line of the JSON training log).
public struct EpochLog: Codable, Sendable {
    public var epoch: Int
    /// Mean over batches of each loss term: M, T/A/V (weighted subtask), coral, total.
    public var trainLoss: [String: Double]
    /// MMSA's validation loss: mean over batches of the batch L1 of M.
    public var validLoss: Double
    public var validMetrics: [String: Double]
    public var seconds: Double
    public var improved: Bool
}

/// Progress of one batch, for a progress bar.
public struct BatchProgress: Sendable {
    public var epoch: Int, batch: Int, batches: Int
    public var loss: [String: Double]
    public var elapsed: Double
}

/// Result of training: the epoch logs and the best epoch (its parameters are in the model).
public struct TrainingResult: Sendable {
    public var logs: [EpochLog]
    public var bestEpoch: Int
    public var bestValidLoss: Double
    public var interrupted: Bool
    public var ulgmLabels: [Modality: [Float]]
}

/// Self-MM training: L = L_M + Σ_s w_s·L_s + λ Σ_(i,j) L_cov(i,j), Adam with parameter
/// groups, gradient accumulation, ULGM, early stopping on the validation loss of M.
public final class Trainer {
    public let model: SelfMM
    public let config: TrainingConfig
    public let train: SplitData
    public let valid: SplitData
    public private(set) var ulgm: ULGM
    public let optimizer: Adam
    var rng: SeededRNG
    /// Called after each batch.
    public var onBatch: ((BatchProgress) -> Void)?
    /// Called after each epoch with its log; `true` when this epoch is the new best.
    public var onEpoch: ((EpochLog) -> Void)?
    /// Polled between batches; returning true stops training (the best epoch is kept).
    public var shouldStop: () -> Bool = { false }

    public init(model: SelfMM, config: TrainingConfig, train: SplitData, valid: SplitData) {
        self.model = model
        self.config = config
        self.train = train
        self.valid = valid
        let net = model.config
        var dims: [Modality: Int] = [:]
        if net.hasText { dims[.text] = net.postTextDim }
        if net.hasAudio { dims[.audio] = net.postAudioDim }
        if net.hasVisual { dims[.visual] = net.postVisualDim }
        ulgm = ULGM(labels: train.labels, fusionDim: net.postFusionDim, dims: dims, labelBound: config.labelBound, excludeZero: config.excludeZero)
        var groups: [ParameterGroup] = []
        if !model.audioParameters.isEmpty { groups.append(ParameterGroup(model.audioParameters, learningRate: config.learningRateAudio, weightDecay: config.weightDecayAudio)) }
        if !model.visualParameters.isEmpty { groups.append(ParameterGroup(model.visualParameters, learningRate: config.learningRateVisual, weightDecay: config.weightDecayVisual)) }
        groups.append(ParameterGroup(model.otherParameters, learningRate: config.learningRateOther, weightDecay: config.weightDecayOther))
        optimizer = Adam(groups: groups)
        rng = SeededRNG(seed: config.seed &+ 0x5e1f)
    }

    /// Forward + losses of one batch on `tape`; returns the total and its terms.
    func losses(_ out: ModelOutput, indexes: [Int], labels: [Float]) -> (Var, [String: Double]) {
        var terms: [String: Double] = [:]
        let lm = weightedL1(out.m, labels)
        terms["M"] = Double(lm.value.scalar)
        var total = lm
        for m in model.config.modalities {
            guard let o = out.heads[m] else { continue }
            let l: Var
            if config.ulgm {
                let (y, w) = ulgm.targets(m, indexes)
                l = weightedL1(o, y, weights: w)
            } else {
                l = weightedL1(o, labels)
            }
            terms[m.head] = Double(l.value.scalar)
            if config.subtaskWeight != 0 { total = total + l * config.subtaskWeight }
        }
        if config.coralWeight > 0 {
            var coral: Var?
            for pair in config.coralPairs {
                guard let a = out.features[pair.first], let b = out.features[pair.second] else { continue }
                let c = coralLoss(model.projected(a, pair.first, tape: a.tape), model.projected(b, pair.second, tape: b.tape))
                coral = coral.map { $0 + c } ?? c
            }
            if let coral {
                terms["coral"] = Double(coral.value.scalar)
                total = total + coral * config.coralWeight
            }
        }
        terms["total"] = Double(total.value.scalar)
        return (total, terms)
    }

    /// Predictions of M for a split (no dropout, no tape).
    public static func predict(_ model: SelfMM, _ data: SplitData, batchSize: Int = 256) -> [Float] {
        var out: [Float] = []
        out.reserveCapacity(data.count)
        var rng = SeededRNG(seed: 0)
        var start = 0
        while start < data.count {
            let idx = Array(start..<min(start + batchSize, data.count))
            out += model(data.input(idx, modalities: model.config.modalities), tape: nil, training: false, rng: &rng).m.value.data
            start += batchSize
        }
        return out
    }

    /// Predictions of M for a split: the mean of the members' (no dropout, no tape).
    public static func predict(_ ensemble: SelfMMEnsemble, _ data: SplitData, batchSize: Int = 256) -> [Float] {
        var out: [Float] = []
        out.reserveCapacity(data.count)
        var start = 0
        while start < data.count {
            let idx = Array(start..<min(start + batchSize, data.count))
            out += ensemble(data.input(idx, modalities: ensemble.config.modalities)).m.data
            start += batchSize
        }
        return out
    }

    /// MMSA's validation loss: mean over batches (of `batchSize`) of the batch mean |ŷ − y|.
    public static func validationLoss(_ predictions: [Float], _ labels: [Float], batchSize: Int) -> Double {
        var sum = 0.0, batches = 0, start = 0
        while start < labels.count {
            let end = min(start + batchSize, labels.count)
            var s = 0.0
            for i in start..<end { s += Double(Swift.abs(predictions[i] - labels[i])) }
            sum += s / Double(end - start); batches += 1; start = end
        }
        return batches > 0 ? sum / Double(batches) : .nan
    }

    /// One training epoch (1-based `epoch`); returns the mean loss terms.
    public func trainEpoch(_ epoch: Int) -> [String: Double] {
        var order = Array(0..<train.count)
        if config.shuffle { order.shuffle(using: &rng) }
        let bs = config.batchSize
        let batches = (order.count + bs - 1) / bs
        var sums: [String: Double] = [:]
        let start = Date()
        optimizer.zeroGrad()
        var pending = 0
        for b in 0..<batches {
            let idx = Array(order[(b * bs)..<min((b + 1) * bs, order.count)])
            let tape = Tape()
            let out = model(train.input(idx, modalities: model.config.modalities), tape: tape, training: true, rng: &rng)
            let labels = idx.map { train.labels[$0] }
            let (total, terms) = losses(out, indexes: idx, labels: labels)
            tape.backward(total)
            pending += 1
            for (k, v) in terms { sums[k, default: 0] += v }
            if config.ulgm {
                ulgm.step(indexes: idx, fusion: out.fm.value, features: out.features.mapValues(\.value), epoch: epoch)
            }
            if pending == config.accumulationSteps || b == batches - 1 {
                if config.clipNorm > 0 { _ = clipGradientNorm(optimizer.groups.flatMap(\.parameters), maxNorm: config.clipNorm) }
                optimizer.update()
                optimizer.zeroGrad()
                pending = 0
            }
            onBatch?(BatchProgress(epoch: epoch, batch: b + 1, batches: batches, loss: terms, elapsed: Date().timeIntervalSince(start)))
            if shouldStop() { break }
        }
        return sums.mapValues { $0 / Double(max(batches, 1)) }
    }

    /// What resuming needs besides the weights: ULGM's memory (`ulgm.*`) and Adam's step count
    /// and moments (`adam.step`, `adam.m.<parameter>`, `adam.v.<parameter>`).
    public var state: [String: Tensor] {
        var s = ulgm.state
        s["adam.step"] = Tensor(shape: [1], data: [Float(optimizer.step)])
        for p in optimizer.groups.flatMap(\.parameters) {
            guard let (m, v) = optimizer.moments(of: p) else { continue }
            s["adam.m.\(p.name)"] = Tensor(shape: p.value.shape, data: m)
            s["adam.v.\(p.name)"] = Tensor(shape: p.value.shape, data: v)
        }
        return s
    }

    /// Continues a run whose best epoch `epoch` (validation loss `validLoss`) left the model's
    /// weights and this `state` (see `state`): epochs are numbered on from epoch + 1 and patience
    /// counts from it; Adam continues with the saved moments (a state written before they were
    /// saved has no `adam.step`: the moments then start afresh). Batches are shuffled from a seed
    /// derived from epoch.
    public func resume(after epoch: Int, validLoss: Double, state: [String: Tensor], source: String) throws {
        if config.ulgm { try ulgm.restore(state, source: source) }
        if let step = state["adam.step"] {
            guard step.count == 1, let n = Int(exactly: step.data[0]), n >= 0 else {
                throw ModelError.badCheckpoint(path: source, reason: "training state adam.step is \(step.data), expected one whole number ≥ 0")
            }
            var moments: [(parameter: Parameter, m: [Float], v: [Float])] = []
            for p in optimizer.groups.flatMap(\.parameters) {
                let m = state["adam.m.\(p.name)"], v = state["adam.v.\(p.name)"]
                // A parameter without moments had no gradient yet (e.g. a head that trains from epoch 2).
                if m == nil, v == nil { continue }
                guard let m, let v else { throw ModelError.badCheckpoint(path: source, reason: "training state has only one of adam.m/adam.v.\(p.name)") }
                guard m.shape == p.value.shape, v.shape == p.value.shape else {
                    throw ModelError.badCheckpoint(path: source, reason: "training state adam.m/v.\(p.name) has shape \(m.shape)/\(v.shape), the parameter has \(p.value.shape)")
                }
                moments.append((p, m.data, v.data))
            }
            optimizer.restore(step: n, moments: moments)
        }
        resumed = (epoch, validLoss)
        rng = SeededRNG(seed: config.seed &+ 0x5e1f &+ UInt64(epoch))
    }
    private var resumed: (epoch: Int, validLoss: Double)?

    /// Trains until early stopping (patience on the validation M loss) or `maxEpochs`;
    /// leaves the best epoch's parameters in the model.
    public func fit() -> TrainingResult {
        var logs: [EpochLog] = []
        var best = resumed?.validLoss ?? Double.greatestFiniteMagnitude, bestEpoch = resumed?.epoch ?? 0
        var bestValues = model.allParameters.map(\.value)
        var interrupted = false
        guard bestEpoch < config.maxEpochs else {
            return TrainingResult(logs: [], bestEpoch: bestEpoch, bestValidLoss: best, interrupted: false, ulgmLabels: ulgm.labels)
        }
        for epoch in (bestEpoch + 1)...max(config.maxEpochs, 1) {
            let t0 = Date()
            let terms = trainEpoch(epoch)
            // A stopped epoch is incomplete: it is neither validated nor logged.
            if shouldStop() { interrupted = true; break }
            let preds = Self.predict(model, valid)
            let vloss = Self.validationLoss(preds, valid.labels, batchSize: config.batchSize)
            let improved = vloss <= best - 1e-6
            if improved { best = vloss; bestEpoch = epoch; bestValues = model.allParameters.map(\.value) }
            let log = EpochLog(epoch: epoch, trainLoss: terms, validLoss: vloss,
                               validMetrics: valid.count > 0 ? Metrics.mosei(predictions: preds, labels: valid.labels) : [:],
                               seconds: Date().timeIntervalSince(t0), improved: improved)
            logs.append(log)
            onEpoch?(log)
            if epoch - bestEpoch >= config.patience { break }
        }
        for (p, v) in zip(model.allParameters, bestValues) { p.value = v }
        return TrainingResult(logs: logs, bestEpoch: bestEpoch, bestValidLoss: best, interrupted: interrupted, ulgmLabels: ulgm.labels)
    }
}
