#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// OpenCV's boosted cascade of Haar or LBP features, read from the cascade XML of `opencv-data`
/// (`/usr/share/opencv4/haarcascades`, `/usr/share/opencv4/lbpcascades`), and its multi-scale
/// sliding-window detector (`CascadeClassifier::detectMultiScale`: image pyramid with bit-exact
/// bilinear resize, step 2 below scale 2, variance normalisation of Haar windows, `groupRectangles`).
public struct CascadeClassifier: Sendable {
    public enum FeatureType: String, Sendable { case haar = "HAAR", lbp = "LBP" }

    public let featureType: FeatureType
    public let windowWidth: Int
    public let windowHeight: Int
    let stages: [Stage]
    // Haar features: up to 3 rectangles (x, y, w, h) and weights each.
    let rects: [Int32]        // 12 per feature
    let weights: [Float]      // 3 per feature
    let tilted: [Bool]        // per feature: rectangles rotated by 45 degrees (read from the tilted integral)
    let hasTilted: Bool
    // LBP features: the rectangle of the top-left cell.
    let lbpRects: [Int32]     // 4 per feature
    // Weak classifiers (stumps or small trees), flattened.
    let nodeFeature: [Int32], nodeLeft: [Int32], nodeRight: [Int32], nodeThreshold: [Float]
    let subsets: [Int32]      // 8 per node (LBP)
    let leaves: [Float]

    struct Stage: Sendable {
        var threshold: Float
        var firstTree: Int, treeCount: Int
    }
    let treeNodeStart: [Int32], treeLeafStart: [Int32]
    private(set) var cachedStumps: Stumps?

    /// Loads a cascade file (new `opencv-cascade-classifier` format with HAAR or LBP features).
    public init(contentsOf path: String) throws(VisionError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .invalidModel(file: path, reason: "cannot be read (missing or not a file); install Debian's opencv-data")
        }
        try self.init(xml: [UInt8](data), file: path)
    }

    public init(xml: [UInt8], file: String = "<memory>") throws(VisionError) {
        let doc = try XMLElement.parse(xml, file: file)
        guard let storage = doc.child("opencv_storage"), let top = storage.children.first else {
            throw .invalidModel(file: file, reason: "no <opencv_storage> root element")
        }
        guard top.child("stages") != nil, let ftText = top.child("featureType")?.trimmedText else {
            throw .invalidModel(file: file, reason: "old-format (opencv-haar-classifier) or unknown cascade; only the opencv-cascade-classifier format is supported")
        }
        guard let ft = FeatureType(rawValue: ftText) else { throw .invalidModel(file: file, reason: "unsupported feature type \(ftText)") }
        guard let w = top.child("width").flatMap({ Int($0.trimmedText) }), let h = top.child("height").flatMap({ Int($0.trimmedText) }),
              w > 2, h > 2 else { throw .invalidModel(file: file, reason: "missing window <width>/<height>") }
        featureType = ft; windowWidth = w; windowHeight = h
        let maxCat = top.child("featureParams")?.child("maxCatCount").flatMap { Int($0.trimmedText) } ?? 0
        let subsetSize = maxCat > 0 ? (maxCat + 31) / 32 : 0

        var stages: [Stage] = []
        var nodeFeature: [Int32] = [], nodeLeft: [Int32] = [], nodeRight: [Int32] = [], nodeThreshold: [Float] = []
        var subsets: [Int32] = [], leaves: [Float] = [], treeNodeStart: [Int32] = [], treeLeafStart: [Int32] = []
        for (si, st) in (top.child("stages")?.children ?? []).enumerated() {
            guard let thr = st.child("stageThreshold").flatMap({ Float($0.trimmedText) }), let weak = st.child("weakClassifiers") else {
                throw .invalidModel(file: file, reason: "stage \(si) lacks stageThreshold or weakClassifiers")
            }
            let first = treeNodeStart.count
            for (wi, tree) in weak.children.enumerated() {
                let nodes = (tree.child("internalNodes")?.trimmedText ?? "").numbers
                let vals = (tree.child("leafValues")?.trimmedText ?? "").numbers.compactMap { Float($0) }
                let per = subsetSize > 0 ? 3 + subsetSize : 4
                guard !nodes.isEmpty, nodes.count % per == 0, vals.count == nodes.count / per + 1 else {
                    throw .invalidModel(file: file, reason: "stage \(si) weak classifier \(wi) has malformed internalNodes/leafValues")
                }
                treeNodeStart.append(Int32(nodeFeature.count)); treeLeafStart.append(Int32(leaves.count))
                for k in stride(from: 0, to: nodes.count, by: per) {
                    guard let l = Int32(nodes[k]), let r = Int32(nodes[k + 1]), let f = Int32(nodes[k + 2]) else {
                        throw .invalidModel(file: file, reason: "stage \(si) weak classifier \(wi): bad node integers")
                    }
                    nodeLeft.append(l); nodeRight.append(r); nodeFeature.append(f)
                    if subsetSize > 0 {
                        nodeThreshold.append(0)
                        for q in 0..<subsetSize {
                            guard let v = Int32(nodes[k + 3 + q]) else { throw .invalidModel(file: file, reason: "stage \(si): bad LBP subset") }
                            subsets.append(v)
                        }
                    } else {
                        guard let t = Float(nodes[k + 3]) else { throw .invalidModel(file: file, reason: "stage \(si): bad node threshold") }
                        nodeThreshold.append(t)
                    }
                }
                leaves.append(contentsOf: vals)
            }
            // OpenCV subtracts THRESHOLD_EPS = 1e-5 from every stage threshold when it reads them.
            stages.append(Stage(threshold: thr - 1e-5, firstTree: first, treeCount: treeNodeStart.count - first))
        }
        guard !stages.isEmpty else { throw .invalidModel(file: file, reason: "no stages (truncated file?)") }
        var rects: [Int32] = [], weights: [Float] = [], lbpRects: [Int32] = [], tilted: [Bool] = []
        let feats = top.child("features")?.children ?? []
        for (fi, f) in feats.enumerated() {
            if ft == .haar {
                let isTilted = (f.child("tilted").flatMap { Int($0.trimmedText) } ?? 0) != 0
                tilted.append(isTilted)
                var r = [Int32](repeating: 0, count: 12), wt = [Float](repeating: 0, count: 3)
                for (ri, rect) in (f.child("rects")?.children ?? []).prefix(3).enumerated() {
                    let v = rect.trimmedText.numbers
                    guard v.count == 5, let x = Int32(v[0]), let y = Int32(v[1]), let rw = Int32(v[2]), let rh = Int32(v[3]),
                          let wv = Float(v[4].hasSuffix(".") ? String(v[4].dropLast()) : String(v[4])) else {
                        throw .invalidModel(file: file, reason: "feature \(fi) rect \(ri) is malformed")
                    }
                    // A tilted rectangle spans x-h ... x+w horizontally and y ... y+w+h vertically.
                    let fits = isTilted ? (x - rh >= 0 && Int(x + rw) <= w && Int(y + rw + rh) <= h)
                                        : (Int(x + rw) <= w && Int(y + rh) <= h)
                    guard x >= 0, y >= 0, rw >= 0, rh >= 0, fits else {
                        throw .invalidModel(file: file, reason: "feature \(fi) rect \(ri) leaves the \(w)x\(h) window")
                    }
                    r[4 * ri] = x; r[4 * ri + 1] = y; r[4 * ri + 2] = rw; r[4 * ri + 3] = rh; wt[ri] = wv
                }
                rects += r; weights += wt
            } else {
                let v = (f.child("rect")?.trimmedText ?? "").numbers.compactMap { Int32($0) }
                guard v.count == 4, v[0] >= 0, v[1] >= 0, Int(v[0] + 3 * v[2]) <= w, Int(v[1] + 3 * v[3]) <= h else {
                    throw .invalidModel(file: file, reason: "LBP feature \(fi) is malformed")
                }
                lbpRects += v
            }
        }
        let nf = ft == .haar ? weights.count / 3 : lbpRects.count / 4
        for (k, f) in nodeFeature.enumerated() where f < 0 || Int(f) >= nf {
            throw .invalidModel(file: file, reason: "node \(k) refers to feature \(f) of \(nf) (truncated file?)")
        }
        self.tilted = tilted; self.hasTilted = tilted.contains(true)
        self.stages = stages; self.rects = rects; self.weights = weights; self.lbpRects = lbpRects
        self.nodeFeature = nodeFeature; self.nodeLeft = nodeLeft; self.nodeRight = nodeRight; self.nodeThreshold = nodeThreshold
        self.subsets = subsets; self.leaves = leaves; self.treeNodeStart = treeNodeStart; self.treeLeafStart = treeLeafStart
        self.cachedStumps = nil
        self.cachedStumps = computeStumps()
    }

    public var stageCount: Int { stages.count }

    /// Parameters of `detectMultiScale`.
    public struct Parameters: Sendable {
        public var scaleFactor: Double = 1.1
        public var minNeighbors: Int = 3
        public var minSize: Int = 0
        public var maxSize: Int = 0   // 0 = image size
        public init(scaleFactor: Double = 1.1, minNeighbors: Int = 3, minSize: Int = 0, maxSize: Int = 0) {
            self.scaleFactor = scaleFactor; self.minNeighbors = minNeighbors; self.minSize = minSize; self.maxSize = maxSize
        }
    }

    /// A grouped detection with the number of raw windows that voted for it.
    public struct Detection: Sendable, Equatable {
        public var box: FaceBox
        public var neighbors: Int
    }

    /// Multi-scale detection as OpenCV's `detectMultiScale(image, scaleFactor, minNeighbors, 0, minSize, maxSize)`.
    public func detect(_ image: GrayImage, parameters p: Parameters = Parameters()) -> [Detection] {
        let raw = detectRaw(image, parameters: p)
        return CascadeClassifier.group(raw, threshold: p.minNeighbors, eps: 0.2)
    }

    /// The scales OpenCV visits, as Float factors.
    func scales(width: Int, height: Int, parameters p: Parameters) -> [Float] {
        guard width >= windowWidth, height >= windowHeight, p.scaleFactor > 1 else { return [] }
        let maxW = p.maxSize > 0 ? p.maxSize : width, maxH = p.maxSize > 0 ? p.maxSize : height
        var out: [Float] = []
        var factor = 1.0
        while true {
            let ww = Int((Double(windowWidth) * factor).rounded(.toNearestOrEven))
            let wh = Int((Double(windowHeight) * factor).rounded(.toNearestOrEven))
            if ww > width || wh > height { break }
            if ww > maxW || wh > maxH { break }
            if ww >= p.minSize && wh >= p.minSize { out.append(Float(factor)) }
            factor *= p.scaleFactor
        }
        return out
    }

    /// All windows accepted by every stage, before grouping (OpenCV's candidate list).
    public func detectRaw(_ image: GrayImage, parameters p: Parameters = Parameters(), region: FaceBox? = nil) -> [FaceBox] {
        var out: [FaceBox] = []
        for sc in scales(width: image.width, height: image.height, parameters: p) {
            let sw = Int((Double(image.width) / Double(sc)).rounded(.toNearestOrEven))
            let sh = Int((Double(image.height) / Double(sc)).rounded(.toNearestOrEven))
            guard sw > windowWidth, sh > windowHeight else { continue }
            let scaled = image.resizedLinearExact(width: sw, height: sh)
            let integral = IntegralImage(scaled, squares: featureType == .haar, tilted: hasTilted)
            let step = sc >= 2 ? 1 : 2
            var x0 = 0, x1 = sw - windowWidth, y0 = 0, y1 = sh - windowHeight  // inclusive upper bounds
            if let r = region {
                x0 = max(x0, Int((Float(r.x) / sc).rounded(.down))); y0 = max(y0, Int((Float(r.y) / sc).rounded(.down)))
                x1 = min(x1, Int((Float(r.x + r.width) / sc).rounded(.up)) - windowWidth)
                y1 = min(y1, Int((Float(r.y + r.height) / sc).rounded(.up)) - windowHeight)
                x0 -= x0 % step; y0 -= y0 % step
            }
            guard x1 >= x0, y1 >= y0 else { continue }
            let winW = Int((Float(windowWidth) * sc).rounded(.toNearestOrEven))
            let winH = Int((Float(windowHeight) * sc).rounded(.toNearestOrEven))
            let hits: [(Int, Int)]
            if featureType == .haar, let stumps = cachedStumps {
                hits = scanHaarStumps(integral, stumps: stumps, x0: x0, x1: x1, y0: y0, y1: y1, step: step)
            } else if featureType == .lbp, let stumps = cachedStumps {
                hits = scanLBPStumps(integral, stumps: stumps, x0: x0, x1: x1, y0: y0, y1: y1, step: step)
            } else {
                var h: [(Int, Int)] = []
                var y = y0
                while y <= y1 {
                    var x = x0
                    while x <= x1 {
                        let result = featureType == .haar ? runHaar(integral, x, y) : runLBP(integral, x, y)
                        if result > 0 { h.append((x, y)) }
                        if result == 0 { x += step }
                        x += step
                    }
                    y += step
                }
                hits = h
            }
            for (x, y) in hits {
                out.append(FaceBox(x: Int((Float(x) * sc).rounded(.toNearestOrEven)), y: Int((Float(y) * sc).rounded(.toNearestOrEven)),
                                   width: winW, height: winH))
            }
        }
        return out
    }

    /// Flattened stumps of a cascade whose weak classifiers all have one node (all of opencv-data's Haar face cascades).
    struct Stumps: Sendable {
        var feature: [Int32], threshold: [Float], left: [Float], right: [Float]
        var stageStart: [Int32], stageCount: [Int32], stageThreshold: [Double]
    }

    func computeStumps() -> Stumps? {
        guard treeNodeStart.count == nodeFeature.count else { return nil }
        var s = Stumps(feature: nodeFeature, threshold: nodeThreshold, left: [], right: [], stageStart: [], stageCount: [], stageThreshold: [])
        for t in 0..<treeNodeStart.count {
            let l0 = Int(treeLeafStart[t])
            // Stump: left/right are leaf indices 0 and -1 (values <= 0); leaf index = -idx.
            let li = -Int(nodeLeft[t]), ri = -Int(nodeRight[t])
            guard nodeLeft[t] <= 0, nodeRight[t] <= 0 else { return nil }
            s.left.append(leaves[l0 + li]); s.right.append(leaves[l0 + ri])
        }
        for st in stages {
            s.stageStart.append(Int32(st.firstTree)); s.stageCount.append(Int32(st.treeCount)); s.stageThreshold.append(Double(st.threshold))
        }
        return s
    }

    /// Evaluates all windows of one pyramid level for a stump cascade, with per-level corner offsets
    /// precomputed (OpenCV's OptFeature). Same arithmetic as `runHaar`.
    func scanHaarStumps(_ ii: IntegralImage, stumps st: Stumps, x0: Int, x1: Int, y0: Int, y1: Int, step: Int) -> [(Int, Int)] {
        let stride = ii.width
        let nt = st.feature.count
        // Per stump: 12 corner offsets at this level's stride, and w0, w1, w2, threshold, left, right.
        var ofs = [Int](repeating: 0, count: nt * 12)
        var par = [Float](repeating: 0, count: nt * 6)
        for t in 0..<nt {
            let f = Int(st.feature[t])
            for r in 0..<3 {
                let c = cornerOffsets(feature: f, rect: r, stride: stride, tiltedOffset: ii.tiltedOffset)
                ofs[12 * t + 4 * r] = c.0; ofs[12 * t + 4 * r + 1] = c.1; ofs[12 * t + 4 * r + 2] = c.2; ofs[12 * t + 4 * r + 3] = c.3
            }
            par[6 * t] = weights[3 * f]; par[6 * t + 1] = weights[3 * f + 1]; par[6 * t + 2] = weights[3 * f + 2]
            par[6 * t + 3] = st.threshold[t]; par[6 * t + 4] = st.left[t]; par[6 * t + 5] = st.right[t]
        }
        let nw = windowWidth - 2, nh = windowHeight - 2
        let n0 = stride + 1, n1 = n0 + nw, n2 = n0 + nh * stride, n3 = n2 + nw
        let area = Double(nw * nh)
        var hits: [(Int, Int)] = []
        ii.sum.withUnsafeBufferPointer { sb in
        ii.squares.withUnsafeBufferPointer { sqb in
        ofs.withUnsafeBufferPointer { ofb in
        par.withUnsafeBufferPointer { pb in
        st.stageStart.withUnsafeBufferPointer { ss in
        st.stageCount.withUnsafeBufferPointer { sc in
        st.stageThreshold.withUnsafeBufferPointer { sth in
            guard let s = sb.baseAddress, let sq = sqb.baseAddress, let of = ofb.baseAddress, let pp = pb.baseAddress else { return }
            let nStages = ss.count
            var y = y0
            while y <= y1 {
                var x = x0
                while x <= x1 {
                    let w = s + (y &* stride &+ x), q = sq + (y &* stride &+ x)
                    var result = 1
                    let valsum = w[n0] &- w[n1] &- w[n2] &+ w[n3]
                    let valsq = q[n0] &- q[n1] &- q[n2] &+ q[n3]
                    var nfac = area * Double(valsq) - Double(valsum) * Double(valsum)
                    if nfac <= 0 { result = -1 } else {
                        nfac = nfac.squareRoot()
                        let norm = Float(1 / nfac)
                        if area * Double(norm) >= 0.1 { result = -1 } else {
                            for si in 0..<nStages {
                                var sum: Double = 0
                                var t = Int(ss[si])
                                let end = t &+ Int(sc[si])
                                var o = of + 12 &* t, p = pp + 6 &* t
                                while t < end {
                                    var v = p[0] * Float(w[o[0]] &- w[o[1]] &- w[o[2]] &+ w[o[3]])
                                    v += p[1] * Float(w[o[4]] &- w[o[5]] &- w[o[6]] &+ w[o[7]])
                                    if p[2] != 0 { v += p[2] * Float(w[o[8]] &- w[o[9]] &- w[o[10]] &+ w[o[11]]) }
                                    sum += Double(v * norm < p[3] ? p[4] : p[5])
                                    t &+= 1; o += 12; p += 6
                                }
                                if sum < sth[si] { result = -si; break }
                            }
                        }
                    }
                    if result > 0 { hits.append((x, y)) }
                    if result == 0 { x &+= step }
                    x &+= step
                }
                y &+= step
            }
        }}}}}}}
        return hits
    }

    /// Evaluates all windows of one pyramid level for an LBP stump cascade (OpenCV's
    /// `predictCategoricalStump`), with the 16 grid-corner offsets of every stump precomputed.
    func scanLBPStumps(_ ii: IntegralImage, stumps st: Stumps, x0: Int, x1: Int, y0: Int, y1: Int, step: Int) -> [(Int, Int)] {
        let stride = ii.width
        let nt = st.feature.count
        var ofs = [Int](repeating: 0, count: nt * 16)
        for t in 0..<nt {
            let f = Int(st.feature[t])
            let rx = Int(lbpRects[4 * f]), ry = Int(lbpRects[4 * f + 1]), w = Int(lbpRects[4 * f + 2]), h = Int(lbpRects[4 * f + 3])
            for j in 0..<4 { for i in 0..<4 { ofs[16 * t + 4 * j + i] = (ry + j * h) * stride + rx + i * w } }
        }
        var hits: [(Int, Int)] = []
        ii.sum.withUnsafeBufferPointer { sb in
        ofs.withUnsafeBufferPointer { ofb in
        subsets.withUnsafeBufferPointer { subb in
        st.left.withUnsafeBufferPointer { lf in
        st.right.withUnsafeBufferPointer { rt in
        st.stageStart.withUnsafeBufferPointer { ss in
        st.stageCount.withUnsafeBufferPointer { sc in
        st.stageThreshold.withUnsafeBufferPointer { sth in
            guard let s = sb.baseAddress, let of = ofb.baseAddress, let sub = subb.baseAddress else { return }
            let nStages = ss.count
            var y = y0
            while y <= y1 {
                var x = x0
                while x <= x1 {
                    let w = s + (y &* stride &+ x)
                    var result = 1
                    for si in 0..<nStages {
                        var sum: Double = 0
                        var t = Int(ss[si])
                        let end = t &+ Int(sc[si])
                        while t < end {
                            let o = of + 16 &* t
                            @inline(__always) func cell(_ k: Int) -> Int32 { w[o[k]] &- w[o[k + 1]] &- w[o[k + 4]] &+ w[o[k + 5]] }
                            let c = cell(5)
                            var code = 0
                            if cell(0) >= c { code |= 128 }
                            if cell(1) >= c { code |= 64 }
                            if cell(2) >= c { code |= 32 }
                            if cell(6) >= c { code |= 16 }
                            if cell(10) >= c { code |= 8 }
                            if cell(9) >= c { code |= 4 }
                            if cell(8) >= c { code |= 2 }
                            if cell(4) >= c { code |= 1 }
                            let bit = sub[8 &* t &+ (code >> 5)] & Int32(bitPattern: UInt32(1) << UInt32(code & 31))
                            sum += Double(bit != 0 ? lf[t] : rt[t])
                            t &+= 1
                        }
                        if sum < sth[si] { result = -si; break }
                    }
                    if result > 0 { hits.append((x, y)) }
                    if result == 0 { x &+= step }
                    x &+= step
                }
                y &+= step
            }
        }}}}}}}}
        return hits
    }

    /// The four integral-image offsets (relative to the window origin) whose `p0 - p1 - p2 + p3` is the
    /// sum of a feature rectangle: OpenCV's `CV_SUM_OFS`, or `CV_TILTED_OFS` into the tilted integral.
    @inline(__always)
    func cornerOffsets(feature f: Int, rect r: Int, stride: Int, tiltedOffset: Int) -> (Int, Int, Int, Int) {
        let o = 12 * f + 4 * r
        let x = Int(rects[o]), y = Int(rects[o + 1]), w = Int(rects[o + 2]), h = Int(rects[o + 3])
        if tilted[f] {
            return (tiltedOffset + x + stride * y, tiltedOffset + x - h + stride * (y + h),
                    tiltedOffset + x + w + stride * (y + w), tiltedOffset + x + w - h + stride * (y + w + h))
        }
        let p = y * stride + x
        return (p, p + w, p + h * stride, p + h * stride + w)
    }

    /// OpenCV's `runAt`: 1 if all stages pass, `-stage` when rejected at `stage`, -1 for a flat window.
    func runHaar(_ ii: IntegralImage, _ x: Int, _ y: Int) -> Int {
        let stride = ii.width
        let base = y * stride + x
        return ii.sum.withUnsafeBufferPointer { s -> Int in
            // Variance normalisation over the window without its 1-pixel border.
            let nx = 1, ny = 1, nw = windowWidth - 2, nh = windowHeight - 2
            let a = base + ny * stride + nx, b = a + nw, c = a + nh * stride, d = c + nw
            let valsum = s[a] &- s[b] &- s[c] &+ s[d]
            let sq = ii.squares
            let valsq = sq[a] &- sq[b] &- sq[c] &+ sq[d]
            let area = Double(nw * nh)
            var nf = area * Double(valsq) - Double(valsum) * Double(valsum)
            guard nf > 0 else { return -1 }
            nf = nf.squareRoot()
            let norm = Float(1 / nf)
            if area * Double(norm) >= 0.1 { return -1 }
            return rects.withUnsafeBufferPointer { r in
            weights.withUnsafeBufferPointer { wt in
            nodeFeature.withUnsafeBufferPointer { nfeat in
            nodeThreshold.withUnsafeBufferPointer { nthr in
            leaves.withUnsafeBufferPointer { lv in
                @inline(__always) func rectSum(_ o: Int) -> Int32 {
                    let c = cornerOffsets(feature: o / 12, rect: (o % 12) / 4, stride: stride, tiltedOffset: ii.tiltedOffset)
                    return s[base + c.0] &- s[base + c.1] &- s[base + c.2] &+ s[base + c.3]
                }
                @inline(__always) func feature(_ f: Int) -> Float {
                    var v = wt[3 * f] * Float(rectSum(12 * f)) + wt[3 * f + 1] * Float(rectSum(12 * f + 4))
                    if wt[3 * f + 2] != 0 { v += wt[3 * f + 2] * Float(rectSum(12 * f + 8)) }
                    return v * norm
                }
                for (si, st) in stages.enumerated() {
                    var sum: Double = 0
                    for t in st.firstTree..<(st.firstTree + st.treeCount) {
                        let n0 = Int(treeNodeStart[t]), l0 = Int(treeLeafStart[t])
                        var idx = 0
                        repeat {
                            let n = n0 + idx
                            idx = Int(feature(Int(nfeat[n])) < nthr[n] ? nodeLeft[n] : nodeRight[n])
                        } while idx > 0
                        sum += Double(lv[l0 - idx])
                    }
                    if sum < Double(st.threshold) { return -si }
                }
                return 1
            }}}}}
        }
    }

    func runLBP(_ ii: IntegralImage, _ x: Int, _ y: Int) -> Int {
        let stride = ii.width
        let base = y * stride + x
        return ii.sum.withUnsafeBufferPointer { s -> Int in
            lbpRects.withUnsafeBufferPointer { r in
            subsets.withUnsafeBufferPointer { sub in
            nodeFeature.withUnsafeBufferPointer { nfeat in
            leaves.withUnsafeBufferPointer { lv in
                @inline(__always) func code(_ f: Int) -> Int {
                    let rx = Int(r[4 * f]), ry = Int(r[4 * f + 1]), w = Int(r[4 * f + 2]), h = Int(r[4 * f + 3])
                    let p0 = base + ry * stride + rx
                    // Corner offsets of the 3x3 grid: row j (0...3), column i (0...3).
                    @inline(__always) func o(_ i: Int, _ j: Int) -> Int { p0 + j * h * stride + i * w }
                    @inline(__always) func cell(_ i: Int, _ j: Int) -> Int32 { s[o(i, j)] &- s[o(i + 1, j)] &- s[o(i, j + 1)] &+ s[o(i + 1, j + 1)] }
                    let c = cell(1, 1)
                    var v = 0
                    if cell(0, 0) >= c { v |= 128 }
                    if cell(1, 0) >= c { v |= 64 }
                    if cell(2, 0) >= c { v |= 32 }
                    if cell(2, 1) >= c { v |= 16 }
                    if cell(2, 2) >= c { v |= 8 }
                    if cell(1, 2) >= c { v |= 4 }
                    if cell(0, 2) >= c { v |= 2 }
                    if cell(0, 1) >= c { v |= 1 }
                    return v
                }
                for (si, st) in stages.enumerated() {
                    var sum: Double = 0
                    for t in st.firstTree..<(st.firstTree + st.treeCount) {
                        let n0 = Int(treeNodeStart[t]), l0 = Int(treeLeafStart[t])
                        var idx = 0
                        repeat {
                            let n = n0 + idx
                            let c = code(Int(nfeat[n]))
                            let bit = sub[8 * n + (c >> 5)] & Int32(bitPattern: UInt32(1) << UInt32(c & 31))
                            idx = Int(bit != 0 ? nodeLeft[n] : nodeRight[n])
                        } while idx > 0
                        sum += Double(lv[l0 - idx])
                    }
                    if sum < Double(st.threshold) { return -si }
                }
                return 1
            }}}}
        }
    }

    /// OpenCV's `groupRectangles(rects, groupThreshold, eps)`: cluster by `SimilarRects(eps)`
    /// (transitive closure), average each cluster, drop clusters with `<= groupThreshold` members and
    /// small clusters inside larger, better supported ones.
    public static func group(_ rects: [FaceBox], threshold: Int, eps: Double) -> [Detection] {
        guard threshold > 0, !rects.isEmpty else { return rects.map { Detection(box: $0, neighbors: 1) } }
        let n = rects.count
        var parent = Array(0..<n)
        func find(_ i: Int) -> Int { var r = i; while parent[r] != r { r = parent[r] }; var k = i; while parent[k] != r { let p = parent[k]; parent[k] = r; k = p }; return r }
        func similar(_ a: FaceBox, _ b: FaceBox) -> Bool {
            let delta = eps * Double(min(a.width, b.width) + min(a.height, b.height)) * 0.5
            return Double(abs(a.x - b.x)) <= delta && Double(abs(a.y - b.y)) <= delta &&
                Double(abs(a.x + a.width - b.x - b.width)) <= delta && Double(abs(a.y + a.height - b.y - b.height)) <= delta
        }
        for i in 0..<n { for j in (i + 1)..<max(n, i + 1) where similar(rects[i], rects[j]) {
            let a = find(i), b = find(j); if a != b { parent[b] = a }
        } }
        var label = [Int: Int](), labels = [Int](repeating: 0, count: n)
        for i in 0..<n { let r = find(i); if label[r] == nil { label[r] = label.count }; labels[i] = label[r]! }
        let k = label.count
        var sx = [Int](repeating: 0, count: k), sy = sx, sw = sx, sh = sx, cnt = sx
        for i in 0..<n { let c = labels[i]; sx[c] += rects[i].x; sy[c] += rects[i].y; sw[c] += rects[i].width; sh[c] += rects[i].height; cnt[c] += 1 }
        var avg: [FaceBox] = []
        for c in 0..<k {
            let s = 1 / Float(cnt[c])
            func rnd(_ v: Int) -> Int { Int((Float(v) * s).rounded(.toNearestOrEven)) }
            avg.append(FaceBox(x: rnd(sx[c]), y: rnd(sy[c]), width: rnd(sw[c]), height: rnd(sh[c])))
        }
        var out: [Detection] = []
        for i in 0..<k {
            let r1 = avg[i], n1 = cnt[i]
            if n1 <= threshold { continue }
            var inside = false
            for j in 0..<k where j != i && cnt[j] > threshold {
                let r2 = avg[j], n2 = cnt[j]
                let dx = Int((Float(r2.width) * Float(eps)).rounded(.toNearestOrEven))
                let dy = Int((Float(r2.height) * Float(eps)).rounded(.toNearestOrEven))
                if r1.x >= r2.x - dx && r1.y >= r2.y - dy && r1.x + r1.width <= r2.x + r2.width + dx &&
                    r1.y + r1.height <= r2.y + r2.height + dy && (n2 > max(3, n1) || n1 < 3) { inside = true; break }
            }
            if !inside { out.append(Detection(box: r1, neighbors: n1)) }
        }
        return out
    }
}
