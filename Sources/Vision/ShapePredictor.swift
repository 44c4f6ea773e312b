#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A face box in pixels: `x, y` top-left, `width, height` (OpenCV `Rect` convention).
public struct FaceBox: Sendable, Equatable, Hashable, Codable {
    public var x: Int, y: Int, width: Int, height: Int
    public init(x: Int, y: Int, width: Int, height: Int) { self.x = x; self.y = y; self.width = width; self.height = height }
    public var area: Int { width * height }
    public func iou(_ o: FaceBox) -> Float {
        let ix = max(0, min(x + width, o.x + o.width) - max(x, o.x))
        let iy = max(0, min(y + height, o.y + o.height) - max(y, o.y))
        let inter = Float(ix * iy), uni = Float(area + o.area) - inter
        return uni > 0 ? inter / uni : 0
    }
}

/// A 2-D point in pixels.
public struct Point2: Sendable, Equatable, Codable {
    public var x: Float, y: Float
    public init(_ x: Float, _ y: Float) { self.x = x; self.y = y }
}

/// dlib's ensemble-of-regression-trees landmark model (Kazemi & Sullivan 2014), read from dlib's
/// `shape_predictor` serialization (e.g. `/usr/share/dlib/shape_predictor_68_face_landmarks.dat`).
/// Prediction follows dlib's `shape_predictor::operator()` step for step.
public struct ShapePredictor: Sendable {
    public let landmarkCount: Int
    let initialShape: [Float]            // 2 * landmarkCount, normalized box coordinates
    let cascades: [Cascade]

    struct Cascade: Sendable {
        var anchor: [Int32]               // per feature pixel: anchor landmark
        var deltas: [Float]               // per feature pixel: dx, dy in normalized shape space
        var treeSplitStart: [Int32]       // per tree: first split in `idx1/idx2/thresh`
        var treeSplitCount: [Int32]
        var treeLeafStart: [Int32]        // per tree: first leaf (in leaves of length 2*landmarkCount)
        var idx1: [Int32], idx2: [Int32], thresh: [Float]
        var leaves: [Float]
    }

    /// Loads a dlib shape predictor file. Throws `VisionError.invalidModel` naming the file when it
    /// cannot be read, is truncated or malformed.
    public init(contentsOf path: String) throws(VisionError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .invalidModel(file: path, reason: "cannot be read (missing or not a file); install Debian's libdlib-data")
        }
        try self.init(data: [UInt8](data), file: path)
    }

    public init(data: [UInt8], file: String = "<memory>") throws(VisionError) {
        let result: Result<(Int, [Float], [Cascade]), VisionError> = data.withUnsafeBytes { raw in
            do throws(VisionError) { return .success(try ShapePredictor.parse(raw, file: file)) }
            catch { return .failure(error) }
        }
        let (n, shape, cascades) = try result.get()
        landmarkCount = n; initialShape = shape; self.cascades = cascades
    }

    static func parse(_ raw: UnsafeRawBufferPointer, file: String) throws(VisionError) -> (Int, [Float], [Cascade]) {
        var r = DlibReader(bytes: raw, file: file)
        let version = try r.readInt()
        guard version == 1 else { throw r.failure("unknown shape_predictor version \(version)") }
        let shape = try r.readColumn("initial_shape")
        guard shape.count >= 2, shape.count % 2 == 0 else { throw r.failure("initial_shape of odd length \(shape.count)") }
        let dims = shape.count
        let levels = try r.readCount("cascade count", limit: 1000)
        var cascades: [Cascade] = []
        for _ in 0..<levels {
            let trees = try r.readCount("tree count", limit: 100_000)
            var c = Cascade(anchor: [], deltas: [], treeSplitStart: [], treeSplitCount: [], treeLeafStart: [],
                            idx1: [], idx2: [], thresh: [], leaves: [])
            c.treeSplitStart.reserveCapacity(trees); c.treeSplitCount.reserveCapacity(trees); c.treeLeafStart.reserveCapacity(trees)
            for _ in 0..<trees {
                let splits = try r.readCount("split count", limit: 1 << 20)
                c.treeSplitStart.append(Int32(c.idx1.count)); c.treeSplitCount.append(Int32(splits))
                for _ in 0..<splits {
                    c.idx1.append(Int32(try r.readCount("split index", limit: Int(Int32.max))))
                    c.idx2.append(Int32(try r.readCount("split index", limit: Int(Int32.max))))
                    c.thresh.append(try r.readFloat())
                }
                let leafCount = try r.readCount("leaf count", limit: 1 << 21)
                guard leafCount == splits + 1 else { throw r.failure("tree with \(splits) splits has \(leafCount) leaves") }
                c.treeLeafStart.append(Int32(c.leaves.count / dims))
                for _ in 0..<leafCount {
                    let nr = abs(try r.readInt()), nc = abs(try r.readInt())
                    guard nr * nc == Int64(dims) else { throw r.failure("leaf of \(nr)x\(nc) values, expected \(dims)") }
                    for _ in 0..<dims { c.leaves.append(try r.readFloat()) }
                }
            }
            cascades.append(c)
        }
        let anchorLevels = try r.readCount("anchor_idx count", limit: 1000)
        guard anchorLevels == levels else { throw r.failure("anchor_idx has \(anchorLevels) levels, forests \(levels)") }
        for l in 0..<levels {
            let n = try r.readCount("anchor count")
            for _ in 0..<n {
                let a = try r.readCount("anchor index", limit: dims / 2 - 1)
                cascades[l].anchor.append(Int32(a))
            }
        }
        let deltaLevels = try r.readCount("deltas count", limit: 1000)
        guard deltaLevels == levels else { throw r.failure("deltas has \(deltaLevels) levels, forests \(levels)") }
        for l in 0..<levels {
            let n = try r.readCount("delta count")
            guard n == cascades[l].anchor.count else { throw r.failure("level \(l) has \(n) deltas and \(cascades[l].anchor.count) anchors") }
            for _ in 0..<n {
                cascades[l].deltas.append(try r.readFloat())
                cascades[l].deltas.append(try r.readFloat())
            }
            let pixels = n
            for i in 0..<cascades[l].idx1.count where Int(cascades[l].idx1[i]) >= pixels || Int(cascades[l].idx2[i]) >= pixels {
                throw r.failure("split \(i) of level \(l) reads feature pixel beyond \(pixels)")
            }
        }
        return (dims / 2, shape, cascades)
    }

    /// Predicts the landmarks inside `box` (x, y, width, height in pixels; dlib's rectangle is
    /// `[x, x+width-1] x [y, y+height-1]`). Returns `landmarkCount` points in pixels.
    public func predict(_ image: GrayImage, box: FaceBox) -> [Point2] {
        let dims = initialShape.count
        var shape = initialShape
        let left = Float(box.x), top = Float(box.y)
        let sx = Float(box.width - 1), sy = Float(box.height - 1)
        var features: [Float] = []
        let w = image.width, h = image.height
        image.pixels.withUnsafeBufferPointer { img in
            for c in cascades {
                // Similarity transform from the mean shape to the current shape (2x2 part only).
                let (a, b) = ShapePredictor.similarity(from: initialShape, to: shape)
                let n = c.anchor.count
                if features.count != n { features = [Float](repeating: 0, count: n) }
                c.anchor.withUnsafeBufferPointer { anchor in
                    c.deltas.withUnsafeBufferPointer { deltas in
                        for i in 0..<n {
                            let dx = deltas[2 * i], dy = deltas[2 * i + 1]
                            let k = Int(anchor[i])
                            let u = a * dx - b * dy + shape[2 * k]
                            let v = b * dx + a * dy + shape[2 * k + 1]
                            let px = (left + u * sx + 0.5).rounded(.down)
                            let py = (top + v * sy + 0.5).rounded(.down)
                            if px >= 0, py >= 0, px < Float(w), py < Float(h) {
                                features[i] = Float(img[Int(py) * w + Int(px)])
                            } else {
                                features[i] = 0
                            }
                        }
                    }
                }
                features.withUnsafeBufferPointer { f in
                    c.idx1.withUnsafeBufferPointer { i1 in
                    c.idx2.withUnsafeBufferPointer { i2 in
                    c.thresh.withUnsafeBufferPointer { th in
                    c.leaves.withUnsafeBufferPointer { leaves in
                    shape.withUnsafeMutableBufferPointer { s in
                        for t in 0..<c.treeSplitStart.count {
                            let start = Int(c.treeSplitStart[t]), count = Int(c.treeSplitCount[t])
                            var node = 0
                            while node < count {
                                let j = start + node
                                node = f[Int(i1[j])] - f[Int(i2[j])] > th[j] ? 2 * node + 1 : 2 * node + 2
                            }
                            let leaf = (Int(c.treeLeafStart[t]) + node - count) * dims
                            // Element-wise Float adds, 8 lanes at a time (same results as the scalar loop).
                            guard let sb = s.baseAddress, let lb = leaves.baseAddress else { continue }
                            let sp = UnsafeMutableRawPointer(sb), lp = UnsafeRawPointer(lb + leaf)
                            var d = 0
                            while d + 8 <= dims {
                                let a = sp.loadUnaligned(fromByteOffset: 4 * d, as: SIMD8<Float>.self)
                                let b = lp.loadUnaligned(fromByteOffset: 4 * d, as: SIMD8<Float>.self)
                                sp.storeBytes(of: a + b, toByteOffset: 4 * d, as: SIMD8<Float>.self)
                                d += 8
                            }
                            while d < dims { s[d] += leaves[leaf + d]; d += 1 }
                        }
                    }}}}}
                }
            }
        }
        var points: [Point2] = []
        points.reserveCapacity(dims / 2)
        for i in 0..<(dims / 2) { points.append(Point2(left + shape[2 * i] * sx, top + shape[2 * i + 1] * sy)) }
        return points
    }

    /// The least-squares similarity `[[a, -b], [b, a]]` mapping centred `from` onto centred `to`
    /// (Umeyama's solution restricted to 2-D, as dlib's `find_similarity_transform`).
    static func similarity(from: [Float], to: [Float]) -> (Float, Float) {
        let n = from.count / 2
        var mfx: Float = 0, mfy: Float = 0, mtx: Float = 0, mty: Float = 0
        for i in 0..<n { mfx += from[2 * i]; mfy += from[2 * i + 1]; mtx += to[2 * i]; mty += to[2 * i + 1] }
        let inv = 1 / Float(n)
        mfx *= inv; mfy *= inv; mtx *= inv; mty *= inv
        var sa: Float = 0, sb: Float = 0, sf: Float = 0
        for i in 0..<n {
            let fx = from[2 * i] - mfx, fy = from[2 * i + 1] - mfy
            let tx = to[2 * i] - mtx, ty = to[2 * i + 1] - mty
            sa += fx * tx + fy * ty
            sb += fx * ty - fy * tx
            sf += fx * fx + fy * fy
        }
        guard sf > 0 else { return (1, 0) }
        return (sa / sf, sb / sf)
    }
}
