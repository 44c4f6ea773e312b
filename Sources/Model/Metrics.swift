import Foundation

/// Regression metrics exactly as MMSA's MetricsTop computes them (unrounded; MMSA rounds to 4 places).
public enum Metrics {
    /// MOSI / MOSEI: MAE, Pearson Corr, Acc-2 and weighted F1 with zeros (≥ 0 vs < 0) and
    /// without (zeros dropped, > 0 vs < 0), Acc-5 and Acc-7 (round of clip to ±2 / ±3).
    public static func mosei(predictions p: [Float], labels y: [Float]) -> [String: Double] {
        precondition(p.count == y.count && !p.isEmpty, "metrics need equal non-empty arrays")
        let pd = p.map(Double.init), yd = y.map(Double.init)
        var r: [String: Double] = [:]
        r["MAE"] = mae(pd, yd)
        r["Corr"] = pearson(pd, yd)
        func multiclass(_ bound: Float) -> Double {
            var hit = 0
            for i in 0..<p.count where roundHalfEven(clip(p[i], bound)) == roundHalfEven(clip(y[i], bound)) { hit += 1 }
            return Double(hit) / Double(p.count)
        }
        r["Acc_7"] = multiclass(3)
        r["Acc_5"] = multiclass(2)
        let nz = (0..<y.count).filter { y[$0] != 0 }
        let tNZ = nz.map { y[$0] > 0 }, pNZ = nz.map { p[$0] > 0 }
        r["Non0_acc_2"] = accuracy(pNZ, tNZ)
        r["Non0_F1_score"] = weightedF1(truth: tNZ, pred: pNZ)
        let t0 = y.map { $0 >= 0 }, p0 = p.map { $0 >= 0 }
        r["Has0_acc_2"] = accuracy(p0, t0)
        r["Has0_F1_score"] = weightedF1(truth: t0, pred: p0)
        return r
    }

    /// SIMS: predictions and labels clipped to [−1, 1]; Acc-2 (edges 0), Acc-3 (±0.1),
    /// Acc-5 (±0.7, ±0.1), weighted F1 of the 2 classes, MAE, Corr.
    public static func sims(predictions p: [Float], labels y: [Float]) -> [String: Double] {
        precondition(p.count == y.count && !p.isEmpty, "metrics need equal non-empty arrays")
        let pc = p.map { Double(clip($0, 1)) }, yc = y.map { Double(clip($0, 1)) }
        func classes(_ v: [Double], _ edges: [Double]) -> [Int] {
            v.map { x in
                for i in 0..<(edges.count - 1) where x > edges[i] && x <= edges[i + 1] { return i }
                return -1
            }
        }
        var r: [String: Double] = ["MAE": mae(pc, yc), "Corr": pearson(pc, yc)]
        let e2 = [-1.01, 0.0, 1.01], e3 = [-1.01, -0.1, 0.1, 1.01], e5 = [-1.01, -0.7, -0.1, 0.1, 0.7, 1.01]
        func acc(_ e: [Double]) -> Double {
            let a = classes(pc, e), b = classes(yc, e)
            return Double(zip(a, b).filter { $0 == $1 }.count) / Double(a.count)
        }
        r["Mult_acc_2"] = acc(e2); r["Mult_acc_3"] = acc(e3); r["Mult_acc_5"] = acc(e5)
        r["F1_score"] = weightedF1(truth: classes(yc, e2).map { $0 == 1 }, pred: classes(pc, e2).map { $0 == 1 })
        return r
    }

    static func clip(_ v: Float, _ b: Float) -> Float { min(max(v, -b), b) }
    /// numpy.round: half to even.
    static func roundHalfEven(_ v: Float) -> Float { v.rounded(.toNearestOrEven) }

    public static func mae(_ p: [Double], _ y: [Double]) -> Double {
        zip(p, y).reduce(0) { $0 + Swift.abs($1.0 - $1.1) } / Double(p.count)
    }

    public static func pearson(_ a: [Double], _ b: [Double]) -> Double {
        let n = Double(a.count)
        let ma = a.reduce(0, +) / n, mb = b.reduce(0, +) / n
        var sab = 0.0, saa = 0.0, sbb = 0.0
        for i in 0..<a.count { let (x, y) = (a[i] - ma, b[i] - mb); sab += x * y; saa += x * x; sbb += y * y }
        return sab / (saa * sbb).squareRoot()
    }

    static func accuracy(_ p: [Bool], _ t: [Bool]) -> Double {
        guard !p.isEmpty else { return .nan }
        return Double(zip(p, t).filter { $0 == $1 }.count) / Double(p.count)
    }

    /// sklearn's f1_score(average='weighted') for boolean labels: per-class F1 (0 when
    /// undefined) over the classes present in truth or prediction, weighted by true support.
    public static func weightedF1(truth: [Bool], pred: [Bool]) -> Double {
        guard !truth.isEmpty else { return .nan }
        var total = 0.0, weighted = 0.0
        for c in [false, true] {
            let support = truth.filter { $0 == c }.count
            let tp = zip(truth, pred).filter { $0 == c && $1 == c }.count
            let predicted = pred.filter { $0 == c }.count
            let precision = predicted > 0 ? Double(tp) / Double(predicted) : 0
            let recall = support > 0 ? Double(tp) / Double(support) : 0
            let f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
            weighted += f1 * Double(support); total += Double(support)
        }
        return total > 0 ? weighted / total : 0
    }

    /// Display order of the metric keys.
    public static let moseiKeys = ["MAE", "Corr", "Has0_acc_2", "Has0_F1_score", "Non0_acc_2", "Non0_F1_score", "Acc_5", "Acc_7"]
    public static let simsKeys = ["MAE", "Corr", "Mult_acc_2", "Mult_acc_3", "Mult_acc_5", "F1_score"]
}
