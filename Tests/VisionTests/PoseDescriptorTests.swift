import Foundation
import Testing
@testable import Vision

@Suite("Head pose and descriptors")
struct PoseDescriptorTests {
    /// Projects the 3-D mean face rotated by `pose` (perspective at `distance`, focal 1000) into 68 landmarks.
    static let camera = HeadPoseEstimator.Camera(fx: 1000, fy: 1000, cx: 320, cy: 180)

    static func project(_ pose: HeadPose, distance: Float = 20_000, offset: Float = 0, noise: Float = 0, seed: UInt64 = 1) -> [Point2] {
        var pts = [Point2](repeating: Point2(0, 0), count: 68)
        let R = pose.matrix, M = HeadPoseEstimator.modelPoints
        var g = SystemRandomNumberGenerator()
        _ = seed
        for (k, i) in HeadPoseEstimator.modelIndices.enumerated() {
            let x = M[3 * k], y = M[3 * k + 1], z = M[3 * k + 2]
            let X = R[0] * x + R[1] * y + R[2] * z + offset, Y = R[3] * x + R[4] * y + R[5] * z, Z = R[6] * x + R[7] * y + R[8] * z + distance
            let nx = noise > 0 ? Float.random(in: -noise...noise, using: &g) : 0
            let ny = noise > 0 ? Float.random(in: -noise...noise, using: &g) : 0
            pts[i] = Point2(320 + 1000 * X / Z + nx, 180 + 1000 * Y / Z + ny)
        }
        return pts
    }

    @Test("head pose is within 5 degrees on synthetic rotations of the 3-D face", arguments: [
        HeadPose(rx: 0, ry: 0, rz: 0), HeadPose(rx: 0.3, ry: 0, rz: 0), HeadPose(rx: 0, ry: -0.5, rz: 0),
        HeadPose(rx: 0, ry: 0, rz: 0.6), HeadPose(rx: -0.25, ry: 0.4, rz: -0.2), HeadPose(rx: 0.35, ry: -0.6, rz: 0.3),
    ])
    func pose(_ truth: HeadPose) {
        for noise: Float in [0, 0.3] {
            let est = HeadPoseEstimator.estimate(Self.project(truth, noise: noise), camera: Self.camera)
            let limit: Float = 5 * .pi / 180
            #expect(abs(est.rx - truth.rx) < limit && abs(est.ry - truth.ry) < limit && abs(est.rz - truth.rz) < limit,
                    "estimated \(est) for \(truth) with noise \(noise)")
        }
        // Close to the camera (0.5 m) and off the optical axis, where perspective matters, it stays within 1 degree.
        let near = HeadPoseEstimator.estimate(Self.project(truth, distance: 5000, offset: 1500), camera: Self.camera)
        #expect(abs(near.rx - truth.rx) < 0.0175 && abs(near.ry - truth.ry) < 0.0175 && abs(near.rz - truth.rz) < 0.0175,
                "near: \(near) for \(truth)")
    }

    @Test("head pose on MOSI landmarks agrees with OpenCV's solvePnP on the same 3-D face")
    func poseVersusSolvePnP() throws {
        let ref = try #require(Assets.reference)
        var worst: Float = 0, sum: Float = 0, n = 0
        for f in ref.frames {
            guard let lm = f.landmarks, let pnp = f.pose_pnp else { continue }
            let est = HeadPoseEstimator.estimate(lm.map { Point2(Float($0[0]), Float($0[1])) },
                                                 camera: HeadPoseEstimator.Camera(imageWidth: f.width, imageHeight: f.height))
            for (a, b) in zip([est.rx, est.ry, est.rz], pnp) { worst = max(worst, abs(a - b)); sum += abs(a - b); n += 1 }
        }
        print("pose vs solvePnP: mean \(sum / Float(max(n, 1)) * 180 / .pi) deg, worst \(worst * 180 / .pi) deg over \(n / 3) frames")
        #expect(n == 45)
        #expect(worst < 0.5 * .pi / 180)
    }

    @Test("Euler angles round-trip through the rotation matrix")
    func euler() {
        let p = HeadPose(rx: 0.3, ry: -0.7, rz: 1.1)
        let q = HeadPose(matrix: p.matrix)
        #expect(abs(p.rx - q.rx) < 1e-5 && abs(p.ry - q.ry) < 1e-5 && abs(p.rz - q.rz) < 1e-5)
    }

    static func referenceLandmarks(_ i: Int) -> [Point2]? {
        Assets.reference?.frames[i].landmarks.map { $0.map { Point2(Float($0[0]), Float($0[1])) } }
    }

    @Test("descriptors are invariant to translation, scale and in-plane rotation of the face")
    func invariance() throws {
        let p = try #require(Self.referenceLandmarks(1))
        var m1 = FaceDescriptors.Motion(), m2 = FaceDescriptors.Motion()
        let a = FaceDescriptors.compute(landmarks: p, pose: .zero, timestamp: 0, motion: &m1)
        let th: Float = 0.4, s: Float = 1.7
        let q = p.map { Point2(s * (cosf(th) * $0.x - sinf(th) * $0.y) + 33, s * (sinf(th) * $0.x + cosf(th) * $0.y) - 12) }
        let b = FaceDescriptors.compute(landmarks: q, pose: .zero, timestamp: 0, motion: &m2)
        #expect(a.count == FaceDescriptors.names.count)
        for i in 0..<a.count { #expect(abs(a[i] - b[i]) < 1e-3, "\(FaceDescriptors.names[i]) \(a[i]) vs \(b[i])") }
        // Plausible ranges on a real, open-eyed face (frame 1; in frame 0 the eyes are nearly shut: EAR 0.14).
        #expect(a[0] > 0.2 && a[0] < 0.45 && a[1] > 0.2 && a[1] < 0.45 && a[2] == 0)
        #expect(a[3] > 0.2 && a[4] > 0.2 && a[10] > 0.6 && a[10] < 1.2 && a[11] > 0.8)
    }

    @Test("eye aspect ratio and blink follow their formulas on a drawn eye")
    func eyeFormula() throws {
        var p = try #require(Self.referenceLandmarks(0))
        // Close both eyes: upper lids onto the lower lids.
        for (u, l) in [(37, 41), (38, 40), (43, 47), (44, 46)] { p[u] = p[l] }
        var m = FaceDescriptors.Motion()
        let d = FaceDescriptors.compute(landmarks: p, pose: .zero, timestamp: 0, motion: &m)
        #expect(d[0] < 0.01 && d[1] < 0.01 && d[2] == 1)
        // Motion: the same face shifted by 0.5 IOD one second later moves 0.5 IOD/s.
        let e1 = p[36...41].reduce(Point2(0, 0)) { Point2($0.x + $1.x / 6, $0.y + $1.y / 6) }
        let e2 = p[42...47].reduce(Point2(0, 0)) { Point2($0.x + $1.x / 6, $0.y + $1.y / 6) }
        let iod = hypotf(e2.x - e1.x, e2.y - e1.y)
        let moved = p.map { Point2($0.x + 0.5 * iod, $0.y) }
        let d2 = FaceDescriptors.compute(landmarks: moved, pose: HeadPose(rx: 0, ry: 0.1, rz: 0), timestamp: 1, motion: &m)
        #expect(abs(d2[12] - 0.5) < 1e-4 && abs(d2[13] - 0.1) < 1e-5)
    }

    /// A CSV in OpenFace 2.0 FeatureExtraction's column layout, with the reference landmarks.
    static func openFaceCSV(_ frames: [[Point2]?], pose: [HeadPose]) -> String {
        var h = ["frame", "face_id", "timestamp", "confidence", "success"]
        h += ["gaze_0_x", "gaze_0_y", "gaze_0_z", "gaze_1_x", "gaze_1_y", "gaze_1_z", "gaze_angle_x", "gaze_angle_y"]
        h += (0..<56).map { "eye_lmk_x_\($0)" } + (0..<56).map { "eye_lmk_y_\($0)" }
        h += ["pose_Tx", "pose_Ty", "pose_Tz", "pose_Rx", "pose_Ry", "pose_Rz"]
        h += (0..<68).map { "x_\($0)" } + (0..<68).map { "y_\($0)" } + (0..<68).map { "X_\($0)" }
        h += ["p_scale", "p_rx", "AU01_r", "AU45_c"]
        var lines = [h.joined(separator: ", ")]
        for (i, f) in frames.enumerated() {
            var v = [String(i + 1), "0", String(format: "%.3f", Double(i) * 0.04), f == nil ? "0.00" : "0.98", f == nil ? "0" : "1"]
            v += [String](repeating: "0.1", count: 8) + [String](repeating: "-7.5", count: 112) + ["1.0", "2.0", "500.0"]
            let pts = f ?? [Point2](repeating: Point2(0, 0), count: 68)
            v += [String(pose[i].rx), String(pose[i].ry), String(pose[i].rz)]
            v += pts.map { String(format: "%.1f", $0.x) } + pts.map { String(format: "%.1f", $0.y) } + [String](repeating: "3.3", count: 68)
            v += ["1.2", "0.0", "0.5", "0"]
            lines.append(v.joined(separator: ", "))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test("OpenFace CSV landmarks map to the same descriptors as live landmarks")
    func openFace() throws {
        let fr: [[Point2]?] = [Self.referenceLandmarks(0), Self.referenceLandmarks(1), nil, Self.referenceLandmarks(3)]
        let poses = [HeadPose(rx: 0.1, ry: 0.2, rz: 0.0), HeadPose(rx: 0.12, ry: 0.18, rz: 0.01), .zero, HeadPose(rx: 0, ry: 0, rz: 0)]
        let obs = try OpenFaceCSV.observations(csv: Self.openFaceCSV(fr, pose: poses), source: "mosei.csv")
        #expect(obs.count == 4)
        #expect(obs.map(\.success) == [true, true, false, true])
        var m = FaceDescriptors.Motion()
        for i in [0, 1] {
            let p = try #require(fr[i])
            let live = FaceDescriptors.compute(landmarks: p, pose: poses[i], timestamp: Double(i) * 0.04, motion: &m)
            for k in 0..<live.count { #expect(abs(live[k] - obs[i].descriptors[k]) < 1e-3 * max(1, abs(live[k]))) }
            #expect(obs[i].landmarks[36] == p[36] && obs[i].pose == poses[i])
        }
        // After the failed row, motion restarts from zero.
        #expect(obs[3].descriptors[12] == 0 && obs[1].descriptors[12] > 0)
        #expect(throws: VisionError.self) { try OpenFaceCSV.observations(csv: "frame, timestamp, x_0\n1, 0, 3\n", source: "bad.csv") }
        // Two faces per frame (face_id 0 and 1): motion is tracked per face, so a still second face has zero motion.
        let text = Self.openFaceCSV(fr, pose: poses)
        var lines = text.split(separator: "\n").map(String.init)
        let still = lines[1].replacingOccurrences(of: "1, 0, 0.000", with: "2, 1, 0.040")
        lines.insert(still.replacingOccurrences(of: "2, 1, 0.040", with: "1, 1, 0.000"), at: 2)
        lines.insert(still, at: 4)
        let multi = try OpenFaceCSV.observations(csv: lines.joined(separator: "\n"), source: "multi.csv")
        #expect(multi.count == 6 && multi[3].descriptors[12] == 0 && multi[2].descriptors[12] > 0)
    }
}
