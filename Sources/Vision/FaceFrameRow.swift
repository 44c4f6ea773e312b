/// Formats `FaceObservation`s as OpenFace-style CSV rows or JSON lines:
/// `frame, timestamp, success, confidence, face_x, face_y, face_w, face_h, x_0..x_67, y_0..y_67,
/// pose_Rx, pose_Ry, pose_Rz`, the descriptors of `FaceDescriptors.names`, then `face_count, tracked`.
/// Failed frames keep their row with success = 0 and zeros elsewhere (as OpenFace does).
public enum FaceFrameRow {
    /// Output formats of `sentio extract video --format`.
    public enum Format: String, Sendable, CaseIterable { case csv, jsonl }

    /// The header line of a format (`nil` for JSON lines, which have none).
    public static func header(_ format: Format) -> String? { format == .csv ? csvHeader : nil }

    /// One output line (without newline) for an observation.
    public static func line(_ o: FaceObservation, format: Format) -> String { format == .csv ? csv(o) : jsonLine(o) }

    public static var columns: [String] {
        ["frame", "timestamp", "success", "confidence", "face_x", "face_y", "face_w", "face_h"]
            + (0..<68).map { "x_\($0)" } + (0..<68).map { "y_\($0)" } + ["pose_Rx", "pose_Ry", "pose_Rz"]
            + FaceDescriptors.names + ["face_count", "tracked"]
    }

    public static var csvHeader: String { columns.joined(separator: ",") }

    static func f(_ v: Float, _ digits: Int = 4) -> String {
        guard v.isFinite else { return "0" }
        var s = String(Double(v).roundedString(digits))
        if s == "-0" { s = "0" }
        return s
    }

    static func values(_ o: FaceObservation) -> [String] {
        var v: [String] = [String(o.frame), Double(o.timestamp).roundedString(3), o.success ? "1" : "0", f(o.confidence, 3),
                           String(o.box.x), String(o.box.y), String(o.box.width), String(o.box.height)]
        v += o.landmarks.map { f($0.x, 2) } + o.landmarks.map { f($0.y, 2) }
        v += [f(o.pose.rx), f(o.pose.ry), f(o.pose.rz)]
        v += o.descriptors.map { f($0) }
        v += [String(o.faceCount), o.tracked ? "1" : "0"]
        return v
    }

    public static func csv(_ o: FaceObservation) -> String { values(o).joined(separator: ",") }

    /// One JSON object per line, keys = `columns`, numbers unquoted.
    public static func jsonLine(_ o: FaceObservation) -> String {
        let cols = columns, vals = values(o)
        var s = "{"
        for i in 0..<cols.count { s += (i > 0 ? "," : "") + "\"\(cols[i])\":\(vals[i])" }
        return s + "}"
    }
}

extension Double {
    /// Fixed-point decimal text with at most `digits` fraction digits, trailing zeros removed.
    func roundedString(_ digits: Int) -> String {
        guard isFinite else { return "0" }
        var p = 1.0
        for _ in 0..<digits { p *= 10 }
        let r = (self * p).rounded() / p
        if r == r.rounded(), abs(r) < 1e15 { return String(Int64(r)) }
        var s = String(r)
        if s.contains("e") {  // tiny or huge: print via integer parts
            let neg = r < 0, a = abs(r)
            let ip = Int64(a.rounded(.down)), fp = Int64(((a - Double(ip)) * p).rounded())
            var frac = String(fp)
            while frac.count < digits { frac = "0" + frac }
            while frac.hasSuffix("0") { frac.removeLast() }
            s = (neg ? "-" : "") + String(ip) + (frac.isEmpty ? "" : "." + frac)
        }
        return s
    }
}
