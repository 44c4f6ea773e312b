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

/// Head pose from 2-D landmarks by a scaled-orthographic PnP fit against a 3-D mean face
/// (the weak-perspective model OpenFace's PDM uses): least-squares affine camera, rows
/// orthonormalised, refined by Gauss-Newton on rotation, scale and translation.
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

    /// Estimates the rotation from landmarks (at least the `modelIndices` points).
    public static func estimate(_ landmarks: [Point2]) -> HeadPose {
        guard landmarks.count >= 68 else { return .zero }
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
        guard let inv = invert3(xx) else { return .zero }
        var r1 = [Float](repeating: 0, count: 3), r2 = r1
        for a in 0..<3 { for b in 0..<3 { r1[a] += ux[b] * inv[3 * b + a]; r2[a] += ux[3 + b] * inv[3 * b + a] } }
        let n1 = norm(r1), n2 = norm(r2)
        guard n1 > 0, n2 > 0 else { return .zero }
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
            guard let step = solve4(A, g) else { break }
            pose = HeadPose(rx: pose.rx + step[0], ry: pose.ry + step[1], rz: pose.rz + step[2])
            s += step[3]
            if abs(step[0]) + abs(step[1]) + abs(step[2]) < 1e-5 { break }
        }
        rot = pose.matrix
        return HeadPose(matrix: rot)
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
    /// Gaussian elimination with partial pivoting for a 4x4 system.
    static func solve4(_ a0: [Float], _ b0: [Float]) -> [Float]? {
        var a = a0, b = b0
        for c in 0..<4 {
            var p = c
            for r in (c + 1)..<4 where abs(a[4 * r + c]) > abs(a[4 * p + c]) { p = r }
            guard abs(a[4 * p + c]) > 1e-20 else { return nil }
            if p != c { for k in 0..<4 { a.swapAt(4 * p + k, 4 * c + k) }; b.swapAt(p, c) }
            for r in (c + 1)..<4 {
                let f = a[4 * r + c] / a[4 * c + c]
                for k in c..<4 { a[4 * r + k] -= f * a[4 * c + k] }
                b[r] -= f * b[c]
            }
        }
        var x = [Float](repeating: 0, count: 4)
        for r in stride(from: 3, through: 0, by: -1) {
            var s = b[r]
            for k in (r + 1)..<4 { s -= a[4 * r + k] * x[k] }
            x[r] = s / a[4 * r + r]
        }
        return x
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
