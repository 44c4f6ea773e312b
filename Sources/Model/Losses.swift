import Tensor

/// Covariance alignment loss in Deep CORAL form: for X, Y [n, d],
/// C = Xcᵀ Xc / (n − 1) with Xc the column-centred rows, L = ‖C_X − C_Y‖²_F / (4 d²).
/// Zero (a constant) for batches of fewer than two rows.
public func coralLoss(_ x: Var, _ y: Var) -> Var {
    precondition(x.shape.count == 2 && x.shape == y.shape, "CORAL needs two [n, d] inputs of one shape, got \(x.shape) and \(y.shape)")
    let (n, d) = (x.shape[0], x.shape[1])
    guard n >= 2 else { return Var(Tensor(0)) }
    func covariance(_ a: Var) -> Var {
        let centred = a - a.mean(axis: 0, keepDims: true)
        return matmul(centred, centred, transposeA: true) * (1 / Float(n - 1))
    }
    let diff = covariance(x) - covariance(y)
    return diff.squared().sum() * (1 / (4 * Float(d) * Float(d)))
}

/// mean(w · |ŷ − y|) over a batch; ŷ [B, 1] or [B], w and y of length B.
public func weightedL1(_ prediction: Var, _ target: [Float], weights: [Float]? = nil) -> Var {
    let b = target.count
    let p = prediction.reshaped([b])
    let diff = (p - Var(Tensor(shape: [b], data: target))).abs()
    if let weights { return (diff * Var(Tensor(shape: [b], data: weights))).mean() }
    return diff.mean()
}
