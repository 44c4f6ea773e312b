import Foundation
import Tensor

/// Self-MM's unimodal label generation module, as MMSA's SELF_MM trainer does it:
/// a memory of every training sample's detached features F_m, F_s and unimodal labels y_s
/// (initialised to y_m); per modality positive/negative centres over the whole memory
/// (recomputed after every batch, selected by that modality's current labels); relative
/// distances α = (d_n − d_p)/(d_p + ε); new labels
/// ŷ_s = ½(α_s/(α_m+ε))·y_m + ½(y_m + α_s − α_m), clipped to ±H, applied with momentum
/// (n−1)/(n+1)·y_s + 2/(n+1)·ŷ_s from epoch n ≥ 2 (before the batch's features are stored).
public struct ULGM: Sendable {
    public static let epsilon: Float = 1e-8
    public let count: Int
    public let modalities: [Modality]
    public let labelBound: Float
    public let excludeZero: Bool
    /// y_m of every sample (never changes).
    public private(set) var fusionLabels: [Float]
    /// y_s per modality.
    public private(set) var labels: [Modality: [Float]]
    /// Feature memory: fusion and per modality, [count × dim] row-major.
    public private(set) var fusionFeatures: [Float]
    public private(set) var features: [Modality: [Float]]
    public let fusionDim: Int
    public let dims: [Modality: Int]
    public private(set) var fusionCentres: (pos: [Float], neg: [Float])
    public private(set) var centres: [Modality: (pos: [Float], neg: [Float])]

    public init(labels y: [Float], fusionDim: Int, dims: [Modality: Int], labelBound: Float, excludeZero: Bool) {
        count = y.count
        modalities = dims.keys.sorted()
        self.labelBound = labelBound
        self.excludeZero = excludeZero
        self.fusionDim = fusionDim
        self.dims = dims
        fusionLabels = y
        labels = Dictionary(uniqueKeysWithValues: modalities.map { ($0, y) })
        fusionFeatures = [Float](repeating: 0, count: y.count * fusionDim)
        features = Dictionary(uniqueKeysWithValues: modalities.map { ($0, [Float](repeating: 0, count: y.count * dims[$0]!)) })
        fusionCentres = ([Float](repeating: 0, count: fusionDim), [Float](repeating: 0, count: fusionDim))
        centres = Dictionary(uniqueKeysWithValues: modalities.map { ($0, ([Float](repeating: 0, count: dims[$0]!), [Float](repeating: 0, count: dims[$0]!))) })
    }

    /// Current unimodal labels and loss weights tanh(|y_s − y_m|) of samples `indexes`.
    public func targets(_ m: Modality, _ indexes: [Int]) -> (labels: [Float], weights: [Float]) {
        let y = labels[m]!
        return (indexes.map { y[$0] }, indexes.map { tanhf(Swift.abs(y[$0] - fusionLabels[$0])) })
    }

    /// The memory a resumed run continues from (labels and features per modality, as tensors).
    public var state: [String: Tensor] {
        var t: [String: Tensor] = ["ulgm.fusion.features": Tensor(shape: [count, fusionDim], data: fusionFeatures)]
        for m in modalities {
            t["ulgm.\(m.rawValue).labels"] = Tensor(shape: [count], data: labels[m]!)
            t["ulgm.\(m.rawValue).features"] = Tensor(shape: [count, dims[m]!], data: features[m]!)
        }
        return t
    }

    /// Restores `state` (from the same training data and network); the centres follow from it.
    public mutating func restore(_ state: [String: Tensor], source: String) throws {
        func take(_ name: String, _ shape: [Int]) throws -> [Float] {
            guard let t = state[name] else { throw ModelError.badCheckpoint(path: source, reason: "training state lacks \(name)") }
            guard t.shape == shape else { throw ModelError.badCheckpoint(path: source, reason: "training state \(name) has shape \(t.shape), this run needs \(shape) (other data?)") }
            return t.data
        }
        fusionFeatures = try take("ulgm.fusion.features", [count, fusionDim])
        for m in modalities {
            labels[m] = try take("ulgm.\(m.rawValue).labels", [count])
            features[m] = try take("ulgm.\(m.rawValue).features", [count, dims[m]!])
        }
        fusionCentres = Self.centres(fusionFeatures, fusionDim, fusionLabels, excludeZero)
        for m in modalities { centres[m] = Self.centres(features[m]!, dims[m]!, labels[m]!, excludeZero) }
    }

    /// One batch's bookkeeping after its forward/backward pass: label update (epoch ≥ 2),
    /// feature memory, centres. Features are [B, dim] tensors.
    public mutating func step(indexes: [Int], fusion: Tensor, features batch: [Modality: Tensor], epoch: Int) {
        if epoch > 1 { updateLabels(indexes: indexes, fusion: fusion, features: batch, epoch: epoch) }
        store(&fusionFeatures, fusion, fusionDim, indexes)
        for m in modalities { if let f = batch[m] { store(&features[m]!, f, dims[m]!, indexes) } }
        fusionCentres = Self.centres(fusionFeatures, fusionDim, fusionLabels, excludeZero)
        for m in modalities { centres[m] = Self.centres(features[m]!, dims[m]!, labels[m]!, excludeZero) }
    }

    private func store(_ memory: inout [Float], _ f: Tensor, _ dim: Int, _ indexes: [Int]) {
        precondition(f.shape == [indexes.count, dim], "ULGM features \(f.shape), expected [\(indexes.count), \(dim)]")
        for (r, i) in indexes.enumerated() { for k in 0..<dim { memory[i * dim + k] = f.data[r * dim + k] } }
    }

    /// Means of the rows with label > 0 (≥ 0 unless excludeZero) and < 0; zero vectors for an empty class.
    static func centres(_ memory: [Float], _ dim: Int, _ y: [Float], _ excludeZero: Bool) -> (pos: [Float], neg: [Float]) {
        var pos = [Double](repeating: 0, count: dim), neg = [Double](repeating: 0, count: dim)
        var np = 0, nn = 0
        for i in 0..<y.count {
            let isPos = excludeZero ? y[i] > 0 : y[i] >= 0
            if isPos { np += 1; for k in 0..<dim { pos[k] += Double(memory[i * dim + k]) } }
            else if y[i] < 0 { nn += 1; for k in 0..<dim { neg[k] += Double(memory[i * dim + k]) } }
        }
        return (pos.map { Float($0 / Double(max(np, 1))) }, neg.map { Float($0 / Double(max(nn, 1))) })
    }

    /// α = (d_n − d_p)/(d_p + ε) of each row of `f` [B, dim].
    static func relativeDistance(_ f: Tensor, _ dim: Int, _ c: (pos: [Float], neg: [Float])) -> [Float] {
        let b = f.shape[0]
        return (0..<b).map { r in
            var dp: Float = 0, dn: Float = 0
            for k in 0..<dim {
                let v = f.data[r * dim + k]
                dp += (v - c.pos[k]) * (v - c.pos[k]); dn += (v - c.neg[k]) * (v - c.neg[k])
            }
            let (p, n) = (dp.squareRoot(), dn.squareRoot())
            return (n - p) / (p + epsilon)
        }
    }

    mutating func updateLabels(indexes: [Int], fusion: Tensor, features batch: [Modality: Tensor], epoch: Int) {
        let deltaF = Self.relativeDistance(fusion, fusionDim, fusionCentres)
        let n = Float(epoch)
        for m in modalities {
            guard let f = batch[m] else { continue }
            let deltaS = Self.relativeDistance(f, dims[m]!, centres[m]!)
            var y = labels[m]!
            for (r, i) in indexes.enumerated() {
                let ym = fusionLabels[i]
                let alpha = deltaS[r] / (deltaF[r] + Self.epsilon)
                var new = 0.5 * alpha * ym + 0.5 * (ym + deltaS[r] - deltaF[r])
                new = min(max(new, -labelBound), labelBound)
                y[i] = (n - 1) / (n + 1) * y[i] + 2 / (n + 1) * new
            }
            labels[m] = y
        }
    }
}
