/// Head rotation in radians, OpenFace's convention: camera frame x right, y down, z away from the
/// camera; `R = Rx(rx) * Ry(ry) * Rz(rz)` (pitch, yaw, roll), as OpenFace's `pose_Rx, pose_Ry, pose_Rz`.
public struct HeadPose: Sendable, Equatable, Codable {
    public var rx: Float, ry: Float, rz: Float
    public init(rx: Float, ry: Float, rz: Float) { self.rx = rx; self.ry = ry; self.rz = rz }
    public static let zero = HeadPose(rx: 0, ry: 0, rz: 0)

    /// Row-major 3x3 rotation matrix `Rx * Ry * Rz`.
    public var matrix: [Float] {
        let (ca, sa, cb, sb, cc, sc) = (cosf(rx), sinf(rx), cosf(ry), sinf(ry), cosf(rz), sinf(rz))
        return [cb * cc, -cb * sc, sb,
                ca * sc + sa * sb * cc, ca * cc - sa * sb * sc, -sa * cb,
                sa * sc - ca * sb * cc, sa * cc + ca * sb * sc, ca * cb]
    }

    /// Euler angles of a rotation matrix (row-major) in the `Rx * Ry * Rz` order.
    public init(matrix r: [Float]) {
        ry = asinf(max(-1, min(1, r[2])))
        rx = atan2f(-r[5], r[8])
        rz = atan2f(-r[1], r[0])
    }
}

/// Head pose from 2-D landmarks by PnP against a 3-D mean face, as OpenFace's `GetPose` does it:
/// a pinhole camera with OpenFace's default intrinsics (fx = fy = 500·width/640, principal point at
/// the image centre), started from a scaled-orthographic fit (least-squares affine camera, rows
/// orthonormalised) and refined by Levenberg–Marquardt on rotation and translation.
public enum HeadPoseEstimator {
    /// Landmark indices (68-point iBUG order) with a generic 3-D mean face in the camera frame
    /// (x right, y down, z away from the camera; nose tip at the origin; arbitrary units ~ 0.1 mm).
    public static let modelIndices: [Int] = [30, 8, 36, 45, 48, 54, 39, 42, 27, 33, 31, 35, 0, 16]
    public static let modelPoints: [Float] = [
        0, 0, 0,            // 30 nose tip
        0, 330, 65,         // 8 chin
        -225, -170, 135,    // 36 outer eye corner (image left)
        225, -170, 135,     // 45 outer eye corner (image right)
        -150, 150, 125,     // 48 mouth corner
        150, 150, 125,      // 54 mouth corner
        -75, -165, 125,     // 39 inner eye corner
        75, -165, 125,      // 42 inner eye corner
        0, -170, 95,        // 27 nose bridge
        0, 60, 60,          // 33 subnasale
        -50, 45, 75,        // 31 nostril
        50, 45, 75,         // 35 nostril
        -370, -120, 420,    // 0 jaw at the ear
        370, -120, 420,     // 16 jaw at the ear
    ]

    /// Camera intrinsics OpenFace assumes when none are given: fx = fy = 500·width/640, centre of the image.
    public struct Camera: Sendable {
        public var fx: Float, fy: Float, cx: Float, cy: Float
        public init(fx: Float, fy: Float, cx: Float, cy: Float) { self.fx = fx; self.fy = fy; self.cx = cx; self.cy = cy }
        public init(imageWidth w: Int, imageHeight h: Int) {
            let f = 500 * Float(max(w, 1)) / 640
            self.init(fx: f, fy: f, cx: Float(w) / 2, cy: Float(h) / 2)
        }
    }

    /// Estimates the head rotation from landmarks seen by `camera` (full perspective PnP).
    public static func estimate(_ landmarks: [Point2], camera: Camera) -> HeadPose {
        guard landmarks.count >= 68 else { return .zero }
        let (pose0, scale, mu, mv) = weakPerspective(landmarks)
        guard scale > 0, scale.isFinite else { return pose0 }
        let idx = modelIndices, n = idx.count
        var xc: Float = 0, yc: Float = 0, zc: Float = 0
        for k in 0..<n { xc += modelPoints[3 * k]; yc += modelPoints[3 * k + 1]; zc += modelPoints[3 * k + 2] }
        xc /= Float(n); yc /= Float(n); zc /= Float(n)
        // Parameters: rx, ry, rz, tx, ty, tz (model origin in the camera frame).
        let R0 = pose0.matrix
        let Z = camera.fx / scale
        var p: [Float] = [pose0.rx, pose0.ry, pose0.rz,
                          (mu - camera.cx) * Z / camera.fx - (R0[0] * xc + R0[1] * yc + R0[2] * zc),
                          (mv - camera.cy) * Z / camera.fy - (R0[3] * xc + R0[4] * yc + R0[5] * zc),
                          Z - (R0[6] * xc + R0[7] * yc + R0[8] * zc)]
        func residuals(_ q: [Float]) -> [Float] {
            let R = HeadPose(rx: q[0], ry: q[1], rz: q[2]).matrix
            var r = [Float](repeating: 0, count: 2 * n)
            for (k, i) in idx.enumerated() {
                let x = modelPoints[3 * k], y = modelPoints[3 * k + 1], z = modelPoints[3 * k + 2]
                let X = R[0] * x + R[1] * y + R[2] * z + q[3], Y = R[3] * x + R[4] * y + R[5] * z + q[4]
                let W = max(R[6] * x + R[7] * y + R[8] * z + q[5], 1e-3)
                r[2 * k] = camera.fx * X / W + camera.cx - landmarks[i].x
                r[2 * k + 1] = camera.fy * Y / W + camera.cy - landmarks[i].y
            }
            return r
        }
        var r0 = residuals(p)
        var cost = dot(r0, r0)
        var lambda: Float = 1e-3
        for _ in 0..<30 {
            var J = [[Float]](repeating: [], count: 6)
            for j in 0..<6 {
                var q = p
                let h: Float = j < 3 ? 1e-3 : max(1e-3 * abs(p[j]), 1e-2)
                q[j] += h
                J[j] = zip(residuals(q), r0).map { ($0 - $1) / h }
            }
            var A = [Float](repeating: 0, count: 36), g = [Float](repeating: 0, count: 6)
            for a in 0..<6 { for b in 0..<6 { A[6 * a + b] = dot(J[a], J[b]) }; g[a] = -dot(J[a], r0) }
            var improved = false
            for _ in 0..<8 {
                var D = A
                for a in 0..<6 { D[7 * a] *= 1 + lambda }
                guard let step = solve(D, g, 6) else { break }
                let q = zip(p, step).map { $0 + $1 }
                let r1 = residuals(q)
                let c1 = dot(r1, r1)
                if c1 < cost {
                    let rel = (cost - c1) / max(cost, 1e-12)
                    p = q; r0 = r1; cost = c1; lambda = max(lambda / 10, 1e-7); improved = true
                    if rel < 1e-7 { return HeadPose(matrix: HeadPose(rx: p[0], ry: p[1], rz: p[2]).matrix) }
                    break
                }
                lambda *= 10
            }
            if !improved { break }
        }
        return HeadPose(matrix: HeadPose(rx: p[0], ry: p[1], rz: p[2]).matrix)
    }

    /// Scaled-orthographic fit: rotation, scale (pixels per model unit) and the landmark centroid.
    static func weakPerspective(_ landmarks: [Point2]) -> (HeadPose, Float, Float, Float) {
        guard landmarks.count >= 68 else { return (.zero, 0, 0, 0) }
        let idx = modelIndices
        let n = idx.count
        var X = [Float](repeating: 0, count: 3 * n), u = [Float](repeating: 0, count: 2 * n)
        var mx: Float = 0, my: Float = 0, mz: Float = 0, mu: Float = 0, mv: Float = 0
        for (k, i) in idx.enumerated() {
            X[3 * k] = modelPoints[3 * k]; X[3 * k + 1] = modelPoints[3 * k + 1]; X[3 * k + 2] = modelPoints[3 * k + 2]
            u[2 * k] = landmarks[i].x; u[2 * k + 1] = landmarks[i].y
            mx += X[3 * k]; my += X[3 * k + 1]; mz += X[3 * k + 2]; mu += u[2 * k]; mv += u[2 * k + 1]
        }
        let fn = Float(n)
        mx /= fn; my /= fn; mz /= fn; mu /= fn; mv /= fn
        for k in 0..<n { X[3 * k] -= mx; X[3 * k + 1] -= my; X[3 * k + 2] -= mz; u[2 * k] -= mu; u[2 * k + 1] -= mv }
        // Affine camera M (2x3): M = (U X^T)(X X^T)^-1.
        var xx = [Float](repeating: 0, count: 9), ux = [Float](repeating: 0, count: 6)
        for k in 0..<n {
            for a in 0..<3 {
                for b in 0..<3 { xx[3 * a + b] += X[3 * k + a] * X[3 * k + b] }
                ux[a] += u[2 * k] * X[3 * k + a]; ux[3 + a] += u[2 * k + 1] * X[3 * k + a]
            }
        }
        guard let inv = invert3(xx) else { return (.zero, 0, mu, mv) }
        var r1 = [Float](repeating: 0, count: 3), r2 = r1
        for a in 0..<3 { for b in 0..<3 { r1[a] += ux[b] * inv[3 * b + a]; r2[a] += ux[3 + b] * inv[3 * b + a] } }
        let n1 = norm(r1), n2 = norm(r2)
        guard n1 > 0, n2 > 0 else { return (.zero, 0, mu, mv) }
        var e1 = r1.map { $0 / n1 }
        var e2 = r2.map { $0 / n2 }
        // Symmetric orthonormalisation of the two rows.
        let d = dot(e1, e2)
        let c1 = zip(e1, e2).map { $0 - 0.5 * d * $1 }, c2 = zip(e2, e1).map { $0 - 0.5 * d * $1 }
        e1 = c1.map { $0 / norm(c1) }; e2 = c2.map { $0 / norm(c2) }
        var rot = e1 + e2 + cross(e1, e2)
        var pose = HeadPose(matrix: rot)
        var s = 0.5 * (n1 + n2)
        // Gauss-Newton on (rx, ry, rz, s) with numeric derivatives; translation is the centroid.
        func residuals(_ p: HeadPose, _ s: Float) -> [Float] {
            let R = p.matrix
            var r = [Float](repeating: 0, count: 2 * n)
            for k in 0..<n {
                let x = X[3 * k], y = X[3 * k + 1], z = X[3 * k + 2]
                r[2 * k] = s * (R[0] * x + R[1] * y + R[2] * z) - u[2 * k]
                r[2 * k + 1] = s * (R[3] * x + R[4] * y + R[5] * z) - u[2 * k + 1]
            }
            return r
        }
        for _ in 0..<5 {
            let r0 = residuals(pose, s)
            let h: Float = 1e-3
            var J = [[Float]](repeating: [], count: 4)
            J[0] = zip(residuals(HeadPose(rx: pose.rx + h, ry: pose.ry, rz: pose.rz), s), r0).map { ($0 - $1) / h }
            J[1] = zip(residuals(HeadPose(rx: pose.rx, ry: pose.ry + h, rz: pose.rz), s), r0).map { ($0 - $1) / h }
            J[2] = zip(residuals(HeadPose(rx: pose.rx, ry: pose.ry, rz: pose.rz + h), s), r0).map { ($0 - $1) / h }
            J[3] = zip(residuals(pose, s * (1 + h)), r0).map { ($0 - $1) / (s * h) }
            var A = [Float](repeating: 0, count: 16), g = [Float](repeating: 0, count: 4)
            for a in 0..<4 { for b in 0..<4 { A[4 * a + b] = dot(J[a], J[b]) }; g[a] = -dot(J[a], r0); A[5 * a] *= 1.0001 }
            guard let step = solve(A, g, 4) else { break }
            pose = HeadPose(rx: pose.rx + step[0], ry: pose.ry + step[1], rz: pose.rz + step[2])
            s += step[3]
            if abs(step[0]) + abs(step[1]) + abs(step[2]) < 1e-5 { break }
        }
        rot = pose.matrix
        return (HeadPose(matrix: rot), s, mu, mv)
    }

    static func dot(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
    static func norm(_ a: [Float]) -> Float { dot(a, a).squareRoot() }
    static func cross(_ a: [Float], _ b: [Float]) -> [Float] {
        [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
    }
    static func invert3(_ m: [Float]) -> [Float]? {
        let det = m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) + m[2] * (m[3] * m[7] - m[4] * m[6])
        guard abs(det) > 1e-12 else { return nil }
        let i = 1 / det
        return [(m[4] * m[8] - m[5] * m[7]) * i, (m[2] * m[7] - m[1] * m[8]) * i, (m[1] * m[5] - m[2] * m[4]) * i,
                (m[5] * m[6] - m[3] * m[8]) * i, (m[0] * m[8] - m[2] * m[6]) * i, (m[2] * m[3] - m[0] * m[5]) * i,
                (m[3] * m[7] - m[4] * m[6]) * i, (m[1] * m[6] - m[0] * m[7]) * i, (m[0] * m[4] - m[1] * m[3]) * i]
    }
    /// Gaussian elimination with partial pivoting for an m x m system.
    static func solve(_ a0: [Float], _ b0: [Float], _ m: Int) -> [Float]? {
        var a = a0, b = b0
        for c in 0..<m {
            var p = c
            for r in (c + 1)..<m where abs(a[m * r + c]) > abs(a[m * p + c]) { p = r }
            guard abs(a[m * p + c]) > 1e-20 else { return nil }
            if p != c { for k in 0..<m { a.swapAt(m * p + k, m * c + k) }; b.swapAt(p, c) }
            for r in (c + 1)..<m {
                let f = a[m * r + c] / a[m * c + c]
                for k in c..<m { a[m * r + k] -= f * a[m * c + k] }
                b[r] -= f * b[c]
            }
        }
        var x = [Float](repeating: 0, count: m)
        for r in stride(from: m - 1, through: 0, by: -1) {
            var s = b[r]
            for k in (r + 1)..<m { s -= a[m * r + k] * x[k] }
            x[r] = s / a[m * r + r]
        }
        return x
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
