/// Reads OpenFace 2.0 `FeatureExtraction` CSV text (columns `frame, face_id, timestamp, confidence,
/// success, …, pose_Rx, pose_Ry, pose_Rz, …, x_0..x_67, y_0..y_67, …`; header names may carry a
/// leading space) and maps each row to the same descriptors as live frames, so training data
/// with OpenFace landmarks lands in Sentio's feature space.
public enum OpenFaceCSV {
    /// Parses the CSV and returns one `FaceObservation` per row (box = landmark bounding box).
    /// Motion descriptors follow each `face_id` separately (FaceLandmarkVidMulti writes several faces per frame).
    public static func observations(csv text: String, source: String = "<csv>") throws(VisionError) -> [FaceObservation] {
        var lines = text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map(String.init)
        guard !lines.isEmpty else { throw .invalidCSV(source: source, reason: "empty") }
        let header = lines.removeFirst().split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingWhitespace() }
        var col = [String: Int]()
        for (i, h) in header.enumerated() where col[h] == nil { col[h] = i }
        func need(_ n: String) throws(VisionError) -> Int {
            guard let i = col[n] else { throw .invalidCSV(source: source, reason: "no column \(n)") }
            return i
        }
        var xs = [Int](), ys = [Int]()
        for k in 0..<68 { xs.append(try need("x_\(k)")); ys.append(try need("y_\(k)")) }
        let rx = try need("pose_Rx"), ry = try need("pose_Ry"), rz = try need("pose_Rz")
        let ts = try need("timestamp")
        let fr = col["frame"], sc = col["success"], cf = col["confidence"], fid = col["face_id"]
        var out: [FaceObservation] = []
        var motions: [String: FaceDescriptors.Motion] = [:]
        for (li, line) in lines.enumerated() {
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingWhitespace() }
            guard f.count >= header.count else { throw .invalidCSV(source: source, reason: "line \(li + 2) has \(f.count) of \(header.count) fields") }
            func num(_ i: Int) throws(VisionError) -> Float {
                guard let v = Float(f[i]) else { throw .invalidCSV(source: source, reason: "line \(li + 2) column \(header[i]): '\(f[i])' is not a number") }
                return v
            }
            let t = Double(f[ts]) ?? 0
            let frame = fr.flatMap { Int(f[$0]) } ?? (li + 1)
            let success = sc.map { f[$0] == "1" } ?? true
            let face = fid.map { f[$0] } ?? "0"
            if !success { motions[face] = nil; out.append(.failed(frame: frame, timestamp: t)); continue }
            var motion = motions[face] ?? FaceDescriptors.Motion()
            defer { motions[face] = motion }
            var pts = [Point2]()
            for k in 0..<68 { pts.append(Point2(try num(xs[k]), try num(ys[k]))) }
            let pose = HeadPose(rx: try num(rx), ry: try num(ry), rz: try num(rz))
            let desc = FaceDescriptors.compute(landmarks: pts, pose: pose, timestamp: t, motion: &motion)
            let minX = pts.map(\.x).min() ?? 0, maxX = pts.map(\.x).max() ?? 0, minY = pts.map(\.y).min() ?? 0, maxY = pts.map(\.y).max() ?? 0
            out.append(FaceObservation(frame: frame, timestamp: t, success: true, confidence: cf.flatMap { Float(f[$0]) } ?? 1,
                                       box: FaceBox(x: Int(minX), y: Int(minY), width: Int(maxX - minX), height: Int(maxY - minY)),
                                       landmarks: pts, pose: pose, descriptors: desc, faceCount: 1, tracked: false))
        }
        return out
    }
}
