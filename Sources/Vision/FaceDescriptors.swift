#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Expression and motion descriptors computed from the 68 landmarks (iBUG/dlib/OpenFace order) and
/// the head pose only, so the same function maps OpenFace landmarks of CMU-MOSEI or CH-SIMS and
/// Sentio's live landmarks into one space (DESIGN.md §3).
///
/// Geometry is measured in a face frame: origin at the midpoint of the two eye centres (means of
/// points 36–41 and 42–47), x along the eye line (roll removed), y down, unit = inter-ocular
/// distance (IOD, between the eye centres). Landmark numbers below are 0-based.
public enum FaceDescriptors {
    /// Column names, in output order.
    public static let names: [String] = [
        "eye_ar_l", "eye_ar_r", "blink", "brow_raise_l", "brow_raise_r", "brow_inner_gap", "brow_inner_height",
        "mouth_open", "mouth_ar", "lip_corner_pull", "lip_stretch", "jaw_drop", "head_motion", "head_rotation",
    ]
    /// Eye aspect ratio under which an eye counts as closed (Soukupová & Čech 2016).
    public static let blinkThreshold: Float = 0.2

    /// State carried from one frame to the next for the motion descriptors.
    public struct Motion: Sendable {
        var nose: Point2?, iod: Float = 0, pose: HeadPose = .zero, timestamp: Double = 0
        public init() {}
    }

    /// Computes the descriptors of one frame. `motion` carries the previous successful frame; pass a
    /// fresh `Motion()` after a failed frame (motion descriptors are then 0).
    ///
    /// - `eye_ar_l` (image-left eye, 36–41) and `eye_ar_r` (42–47): eye aspect ratio
    ///   (|p37−p41| + |p38−p40|) / (2 |p36−p39|); low for AU43/AU45 (eyes closed, blink), high for AU5 (upper lid raiser).
    /// - `blink`: 1 when the mean eye aspect ratio is below 0.2, else 0 (AU45).
    /// - `brow_raise_l` / `brow_raise_r`: eye centre y minus mean brow y (17–21 / 22–26), in IOD (AU1 + AU2 brow raise).
    /// - `brow_inner_gap`: |p21 − p22| in IOD; shrinks when the brows are drawn together (AU4 brow lowerer).
    /// - `brow_inner_height`: mean y of the inner eye corners (39, 42) minus mean y of the inner brow ends (21, 22),
    ///   in IOD; falls with AU4, rises with AU1 (inner brow raiser).
    /// - `mouth_open`: |p62 − p66| inner-lip gap in IOD (AU25 lips part, AU26 jaw drop).
    /// - `mouth_ar`: |p62 − p66| / |p60 − p64| inner mouth aspect ratio (AU25/26/27).
    /// - `lip_corner_pull`: mean y of the inner-lip centres (62, 66) minus mean y of the mouth corners (48, 54), in IOD;
    ///   positive when the corners rise above the lip centre (AU12 lip corner puller), negative for AU15 (depressor).
    /// - `lip_stretch`: mouth width |p48 − p54| in IOD (AU20 lip stretcher; also widened by AU12).
    /// - `jaw_drop`: |p8 − p33| chin to subnasale in IOD (AU26 jaw drop, AU27 mouth stretch).
    /// - `head_motion`: displacement of the nose tip (30) since the previous frame in IOD per second (head movement).
    /// - `head_rotation`: √(ΔRx² + ΔRy² + ΔRz²) since the previous frame in radians per second (nod, shake, tilt).
    public static func compute(landmarks p: [Point2], pose: HeadPose, timestamp: Double, motion: inout Motion) -> [Float] {
        guard p.count >= 68 else { motion = Motion(); return [Float](repeating: 0, count: names.count) }
        func mean(_ r: ClosedRange<Int>) -> Point2 {
            var x: Float = 0, y: Float = 0
            for i in r { x += p[i].x; y += p[i].y }
            return Point2(x / Float(r.count), y / Float(r.count))
        }
        let el = mean(36...41), er = mean(42...47)
        let ex = er.x - el.x, ey = er.y - el.y
        let iod = (ex * ex + ey * ey).squareRoot()
        guard iod > 1e-6, iod.isFinite else { motion = Motion(); return [Float](repeating: 0, count: names.count) }
        let c = ex / iod, s = ey / iod
        let ox = 0.5 * (el.x + er.x), oy = 0.5 * (el.y + er.y)
        // Face-frame coordinates: rotate by -roll, scale by 1/IOD.
        var q = [Point2](repeating: Point2(0, 0), count: 68)
        for i in 0..<68 {
            let dx = p[i].x - ox, dy = p[i].y - oy
            q[i] = Point2((c * dx + s * dy) / iod, (-s * dx + c * dy) / iod)
        }
        func d(_ a: Int, _ b: Int) -> Float { hypotf(q[a].x - q[b].x, q[a].y - q[b].y) }
        func my(_ idx: [Int]) -> Float { idx.reduce(0) { $0 + q[$1].y } / Float(idx.count) }
        let earL = (d(37, 41) + d(38, 40)) / max(2 * d(36, 39), 1e-6)
        let earR = (d(43, 47) + d(44, 46)) / max(2 * d(42, 45), 1e-6)
        let blink: Float = 0.5 * (earL + earR) < blinkThreshold ? 1 : 0
        let eyeYL = my(Array(36...41)), eyeYR = my(Array(42...47))
        let browL = eyeYL - my(Array(17...21)), browR = eyeYR - my(Array(22...26))
        let innerGap = d(21, 22)
        let innerHeight = my([39, 42]) - my([21, 22])
        let mouthOpen = d(62, 66)
        let mouthAR = d(62, 66) / max(d(60, 64), 1e-6)
        let cornerPull = my([62, 66]) - my([48, 54])
        let stretch = d(48, 54)
        let jaw = d(8, 33)
        var headMotion: Float = 0, headRotation: Float = 0
        if let prev = motion.nose, timestamp > motion.timestamp {
            let dt = Float(timestamp - motion.timestamp)
            let scale = 0.5 * (iod + motion.iod)
            headMotion = hypotf(p[30].x - prev.x, p[30].y - prev.y) / scale / dt
            let a = pose.rx - motion.pose.rx, b = pose.ry - motion.pose.ry, g = pose.rz - motion.pose.rz
            headRotation = (a * a + b * b + g * g).squareRoot() / dt
        }
        motion.nose = p[30]; motion.iod = iod; motion.pose = pose; motion.timestamp = timestamp
        return [earL, earR, blink, browL, browR, innerGap, innerHeight, mouthOpen, mouthAR, cornerPull, stretch, jaw,
                headMotion, headRotation]
    }
}
