/// An 8-bit single-channel image, row-major, `width * height` bytes (no padding).
public struct GrayImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) throws(VisionError) {
        guard width >= 0, height >= 0, pixels.count == width * height else {
            throw .invalidImage(reason: "gray8 buffer of \(pixels.count) bytes does not match \(width)x\(height)")
        }
        self.width = width; self.height = height; self.pixels = pixels
    }

    /// A black image.
    public init(width: Int, height: Int, value: UInt8 = 0) {
        self.width = max(0, width); self.height = max(0, height)
        self.pixels = [UInt8](repeating: value, count: self.width * self.height)
    }

    @inline(__always) public subscript(x: Int, y: Int) -> UInt8 { pixels[y * width + x] }

    /// Parses a binary PGM (P5, maxval 255) held in memory.
    public init(pgm bytes: [UInt8], name: String = "PGM") throws(VisionError) {
        var pos = 0
        func token() -> String? {
            while pos < bytes.count {
                if bytes[pos] == UInt8(ascii: "#") { while pos < bytes.count && bytes[pos] != 10 { pos += 1 } }
                else if bytes[pos] == 32 || bytes[pos] == 10 || bytes[pos] == 13 || bytes[pos] == 9 { pos += 1 }
                else { break }
            }
            let start = pos
            while pos < bytes.count, !(bytes[pos] == 32 || bytes[pos] == 10 || bytes[pos] == 13 || bytes[pos] == 9) { pos += 1 }
            return start < pos ? String(decoding: bytes[start..<pos], as: UTF8.self) : nil
        }
        guard token() == "P5", let w = token().flatMap({ Int($0) }), let h = token().flatMap({ Int($0) }),
              let m = token().flatMap({ Int($0) }), m == 255 else {
            throw .invalidImage(reason: "\(name) is not a binary 8-bit PGM (P5, maxval 255)")
        }
        pos += 1
        guard w >= 0, h >= 0, bytes.count - pos >= w * h else {
            throw .invalidImage(reason: "\(name) is truncated: \(bytes.count - pos) bytes of pixel data for \(w)x\(h)")
        }
        try self.init(width: w, height: h, pixels: Array(bytes[pos..<(pos + w * h)]))
    }

    /// Bilinear resize with OpenCV's `INTER_LINEAR` fixed-point arithmetic (11-bit coefficients),
    /// the kernel `CascadeClassifier` uses for its image pyramid. As `cv::resize` with an explicit
    /// destination size, the source/destination scale is taken per axis from the sizes.
    public func resizedLinear(width dw: Int, height dh: Int) -> GrayImage {
        var out = GrayImage(width: dw, height: dh)
        guard dw > 0, dh > 0, width > 0, height > 0 else { return out }
        let one: Float = 2048
        let scale = Double(width) / Double(dw), scaleY = Double(height) / Double(dh)
        var xofs = [Int](repeating: 0, count: dw)
        var alpha = [Int32](repeating: 0, count: dw * 2)
        for dx in 0..<dw {
            var fx = Float((Double(dx) + 0.5) * scale - 0.5)
            var sx = Int(fx.rounded(.down))
            fx -= Float(sx)
            if sx < 0 { fx = 0; sx = 0 }
            if sx >= width - 1 { fx = 0; sx = width - 1 }
            xofs[dx] = sx
            alpha[2 * dx] = Int32(((1 - fx) * one).rounded(.toNearestOrEven))
            alpha[2 * dx + 1] = Int32((fx * one).rounded(.toNearestOrEven))
        }
        var row0 = [Int32](repeating: 0, count: dw), row1 = [Int32](repeating: 0, count: dw)
        // OpenCV's vector path covers every column in practice (its tail also matches this formula).
        let vecWidth = dw
        pixels.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                func hresize(_ sy: Int, into row: inout [Int32]) {
                    let base = sy * width
                    for dx in 0..<dw {
                        let sx = xofs[dx]
                        let a = Int32(src[base + sx]) * alpha[2 * dx]
                        let b = sx + 1 < width ? Int32(src[base + sx + 1]) * alpha[2 * dx + 1] : 0
                        row[dx] = a + b
                    }
                }
                var cached0 = -1, cached1 = -1
                for dy in 0..<dh {
                    var fy = Float((Double(dy) + 0.5) * scaleY - 0.5)
                    let sy = Int(fy.rounded(.down))
                    fy -= Float(sy)
                    let b0 = Int32(((1 - fy) * one).rounded(.toNearestOrEven))
                    let b1 = Int32((fy * one).rounded(.toNearestOrEven))
                    let y0 = min(max(sy, 0), height - 1), y1 = min(max(sy + 1, 0), height - 1)
                    if cached0 != y0 {
                        if cached1 == y0 { swap(&row0, &row1); cached0 = y0; cached1 = -1 }
                        else { hresize(y0, into: &row0); cached0 = y0 }
                    }
                    if cached1 != y1 { hresize(y1, into: &row1); cached1 = y1 }
                    let o = dy * dw
                    // SIMD path of OpenCV (VResizeLinearVec_32s8u): (((s0>>4)*b0)>>16 + ((s1>>4)*b1)>>16 + 2) >> 2.
                    for dx in 0..<vecWidth {
                        let v = (((row0[dx] >> 4) * b0) >> 16) + (((row1[dx] >> 4) * b1) >> 16)
                        dst[o + dx] = UInt8(clamping: (v + 2) >> 2)
                    }
                    for dx in vecWidth..<dw {
                        let v = (Int64(row0[dx]) * Int64(b0) + Int64(row1[dx]) * Int64(b1) + (1 << 21)) >> 22
                        dst[o + dx] = UInt8(clamping: v)
                    }
                }
            }
        }
        return out
    }

    /// Bilinear resize with OpenCV's bit-exact `INTER_LINEAR_EXACT` (`resize_bitExact`): 8-bit
    /// fixed-point coefficients, a 16-bit horizontal pass, rounding `>> 16` after the vertical pass;
    /// the kernel OpenCV 4's `CascadeClassifier` uses for its image pyramid.
    public func resizedLinearExact(width dw: Int, height dh: Int) -> GrayImage {
        var out = GrayImage(width: dw, height: dh)
        guard dw > 0, dh > 0, width > 0, height > 0 else { return out }
        struct Axis { var ofs: [Int], c0: [UInt32], c1: [UInt32], minO: Int, maxO: Int }
        func axis(src: Int, dst: Int) -> Axis {
            let scale = 1.0 / (Double(dst) / Double(src))
            var a = Axis(ofs: [Int](repeating: 0, count: dst), c0: [UInt32](repeating: 256, count: dst),
                         c1: [UInt32](repeating: 0, count: dst), minO: 0, maxO: dst)
            for v in 0..<dst {
                let f = scale * (Double(v) + 0.5) - 0.5
                let iv = Int(f.rounded(.down))
                if iv >= 0 && src > 1 {
                    if iv < src - 1 {
                        a.ofs[v] = iv
                        let c = UInt32(((f - Double(iv)) * 256).rounded(.toNearestOrEven))
                        a.c1[v] = c; a.c0[v] = 256 - c
                    } else {
                        a.ofs[v] = src - 1
                        a.maxO = min(a.maxO, v)
                    }
                } else {
                    a.minO = max(a.minO, v + 1)
                }
            }
            return a
        }
        let ax = axis(src: width, dst: dw), ay = axis(src: height, dst: dh)
        let w = width
        var row0 = [UInt32](repeating: 0, count: dw), row1 = row0
        pixels.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                func hresize(_ sy: Int, into row: inout [UInt32]) {
                    let base = sy * w
                    let first = UInt32(src[base]) << 8
                    var dx = 0
                    while dx < min(ax.minO, dw) { row[dx] = first; dx += 1 }
                    while dx < ax.maxO {
                        let o = base + ax.ofs[dx]
                        row[dx] = min(65535, ax.c0[dx] * UInt32(src[o]) + ax.c1[dx] * UInt32(src[o + 1]))
                        dx += 1
                    }
                    let last = UInt32(src[base + ax.ofs[dw - 1]]) << 8
                    while dx < dw { row[dx] = last; dx += 1 }
                }
                var cached0 = -1, cached1 = -1
                for dy in 0..<dh {
                    let o = dy * dw
                    if dy < ay.minO || dy >= ay.maxO {
                        let sy = dy < ay.minO ? 0 : height - 1
                        if cached0 != sy { hresize(sy, into: &row0); cached0 = sy }
                        for dx in 0..<dw { dst[o + dx] = UInt8(clamping: (row0[dx] + 128) >> 8) }
                        continue
                    }
                    let y0 = ay.ofs[dy], y1 = y0 + 1
                    if cached0 != y0 {
                        if cached1 == y0 { swap(&row0, &row1); cached0 = y0; cached1 = -1 }
                        else { hresize(y0, into: &row0); cached0 = y0 }
                    }
                    if cached1 != y1 { hresize(y1, into: &row1); cached1 = y1 }
                    let b0 = ay.c0[dy], b1 = ay.c1[dy]
                    for dx in 0..<dw {
                        let v = row0[dx] &* b0 &+ row1[dx] &* b1
                        dst[o + dx] = UInt8(clamping: (v &+ 32768) >> 16)
                    }
                }
            }
        }
        return out
    }

    /// Crops a rectangle (clipped to the image).
    public func cropped(x: Int, y: Int, width w: Int, height h: Int) -> GrayImage {
        let x0 = max(0, x), y0 = max(0, y), x1 = min(width, x + w), y1 = min(height, y + h)
        guard x1 > x0, y1 > y0 else { return GrayImage(width: 0, height: 0) }
        var out = GrayImage(width: x1 - x0, height: y1 - y0)
        for r in y0..<y1 {
            let s = r * width + x0, d = (r - y0) * out.width
            for c in 0..<(x1 - x0) { out.pixels[d + c] = pixels[s + c] }
        }
        return out
    }
}

/// An 8-bit RGB image, interleaved `r, g, b`, row-major.
public struct RGBImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) throws(VisionError) {
        guard width >= 0, height >= 0, pixels.count == width * height * 3 else {
            throw .invalidImage(reason: "rgb24 buffer of \(pixels.count) bytes does not match \(width)x\(height)x3")
        }
        self.width = width; self.height = height; self.pixels = pixels
    }

    /// Gray conversion with OpenCV's fixed-point BT.601 weights (`COLOR_RGB2GRAY`):
    /// (r*4899 + g*9617 + b*1868 + 8192) >> 14.
    public func gray() -> GrayImage {
        var out = GrayImage(width: width, height: height)
        for i in 0..<(width * height) {
            let r = Int(pixels[3 * i]), g = Int(pixels[3 * i + 1]), b = Int(pixels[3 * i + 2])
            out.pixels[i] = UInt8(truncatingIfNeeded: (r * 4899 + g * 9617 + b * 1868 + 8192) >> 14)
        }
        return out
    }
}

/// Integral image and integral of squares, `(width+1) x (height+1)`, first row and column zero.
/// The squared sums wrap modulo 2^32 as OpenCV's `CV_32S` buffers do; differences over a window are exact.
/// With `tilted`, OpenCV's 45°-rotated integral follows the plain one in `sum`, starting at
/// `tiltedOffset`: T(X, Y) = Σ I(x, y) over y < Y, |x − X + 1| ≤ Y − 1 − y.
public struct IntegralImage: Sendable {
    public let width: Int   // = image width + 1
    public let height: Int  // = image height + 1
    public var sum: [Int32]
    public var squares: [UInt32]
    /// Index in `sum` where the tilted integral starts (0 when there is none).
    public let tiltedOffset: Int

    public init(_ image: GrayImage, squares withSquares: Bool = true, tilted withTilted: Bool = false) {
        width = image.width + 1; height = image.height + 1
        tiltedOffset = withTilted ? width * height : 0
        sum = [Int32](repeating: 0, count: width * height * (withTilted ? 2 : 1))
        squares = [UInt32](repeating: 0, count: withSquares ? width * height : 0)
        let w = width, iw = image.width
        image.pixels.withUnsafeBufferPointer { src in
            sum.withUnsafeMutableBufferPointer { s in
                for y in 0..<image.height {
                    var acc: Int32 = 0
                    let o = (y + 1) * w, p = y * w
                    for x in 0..<iw {
                        acc &+= Int32(src[y * iw + x])
                        s[o + x + 1] = s[p + x + 1] &+ acc
                    }
                }
            }
            if withSquares {
                squares.withUnsafeMutableBufferPointer { q in
                    for y in 0..<image.height {
                        var acc: UInt32 = 0
                        let o = (y + 1) * w, p = y * w
                        for x in 0..<iw {
                            let v = UInt32(src[y * iw + x])
                            acc &+= v &* v
                            q[o + x + 1] = q[p + x + 1] &+ acc
                        }
                    }
                }
            }
        }
        if withTilted {
            let t = IntegralImage.tiltedIntegral(image)
            for i in 0..<t.count { sum[tiltedOffset + i] = t[i] }
        }
    }

    /// The rotated summed-area table of Lienhart & Maydt, R(x, y) = Σ I over y' ≤ y, |x − x'| ≤ y − y',
    /// by R(x,y) = R(x−1,y−1) + R(x+1,y−1) − R(x,y−2) + I(x,y) + I(x,y−1) on a padded row; T(X, Y) = R(X−1, Y−1).
    static func tiltedIntegral(_ image: GrayImage) -> [Int32] {
        let W = image.width, H = image.height, w1 = W + 1
        var out = [Int32](repeating: 0, count: w1 * (H + 1))
        guard W > 0, H > 0 else { return out }
        let pad = H + 2, ew = W + 2 * pad
        var r = [Int32](repeating: 0, count: ew * H)
        image.pixels.withUnsafeBufferPointer { px in
            @inline(__always) func I(_ x: Int, _ y: Int) -> Int32 { x >= 0 && x < W && y >= 0 ? Int32(px[y * W + x]) : 0 }
            for y in 0..<H {
                for xi in 0..<ew {
                    let x = xi - pad
                    var v = I(x, y) &+ I(x, y - 1)
                    if y >= 1 {
                        if xi > 0 { v &+= r[(y - 1) * ew + xi - 1] }
                        if xi + 1 < ew { v &+= r[(y - 1) * ew + xi + 1] }
                    }
                    if y >= 2 { v &-= r[(y - 2) * ew + xi] }
                    r[y * ew + xi] = v
                }
            }
        }
        for Y in 1...H { for X in 0...W { out[Y * w1 + X] = r[(Y - 1) * ew + (X - 1 + pad)] } }
        return out
    }

    /// Sum of the pixels of the rectangle [x, x+w) x [y, y+h).
    @inline(__always) public func rectSum(_ x: Int, _ y: Int, _ w: Int, _ h: Int) -> Int32 {
        sum[y * width + x] &- sum[y * width + x + w] &- sum[(y + h) * width + x] &+ sum[(y + h) * width + x + w]
    }
}
