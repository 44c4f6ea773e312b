import Foundation
import Testing
@testable import Vision

/// Paths and shared assets of the Vision tests.
enum Assets {
    static let repo: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let shared: URL = repo.deletingLastPathComponent().appendingPathComponent("shared")
    static let clip = shared.appendingPathComponent("data/media/mosi_Oz06ZWiO20M_6.mp4").path
    static let dat = "/usr/share/dlib/shape_predictor_68_face_landmarks.dat"
    static let haar = "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml"
    static let lbp = "/usr/share/opencv4/lbpcascades/lbpcascade_frontalface_improved.xml"
    static let alt2 = "/usr/share/opencv4/haarcascades/haarcascade_frontalface_alt2.xml"

    static var haveClip: Bool { FileManager.default.fileExists(atPath: clip) && ffmpeg != nil }
    static var haveDat: Bool { FileManager.default.fileExists(atPath: dat) }
    static var haveCascades: Bool { [haar, lbp, alt2].allSatisfy { FileManager.default.fileExists(atPath: $0) } }

    static let ffmpeg: String? = ["/usr/bin/ffmpeg", "/usr/local/bin/ffmpeg"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// The landmark model, loaded once for all tests (parsing 100 MB takes a few seconds in debug builds).
    static let predictor: ShapePredictor? = try? ShapePredictor(contentsOf: dat)

    /// The frames of the MOSI clip at 2 fps, gray, decoded by the ffmpeg CLI as the fixture script does.
    static let frames: [GrayImage] = decodeFrames()

    static func decodeFrames() -> [GrayImage] {
        guard haveClip, let ffmpeg else { return [] }
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("sentio-vision-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: ffmpeg)
        p.arguments = ["-v", "error", "-i", clip, "-vf", "fps=2", "-pix_fmt", "gray", "-f", "image2", tmp.appendingPathComponent("%03d.pgm").path]
        do { try p.run() } catch { return [] }
        p.waitUntilExit()
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: tmp.path)) ?? []).filter { $0.hasSuffix(".pgm") }.sorted()
        return names.compactMap { name in
            guard let d = FileManager.default.contents(atPath: tmp.appendingPathComponent(name).path) else { return nil }
            return try? GrayImage(pgm: [UInt8](d), name: name)
        }
    }

    /// Photographs of Debian's python3-skimage (scikit-image data), decoded to gray by the ffmpeg CLI.
    static let photoDir = "/usr/lib/python3/dist-packages/skimage/data"
    static var havePhotos: Bool { FileManager.default.fileExists(atPath: photoDir + "/astronaut.png") && ffmpeg != nil }

    static func decodePhoto(_ name: String) -> GrayImage? {
        guard let ffmpeg else { return nil }
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("sentio-photo-\(UUID().uuidString).pgm")
        defer { try? FileManager.default.removeItem(at: out) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: ffmpeg)
        p.arguments = ["-v", "error", "-y", "-i", photoDir + "/" + name, "-pix_fmt", "gray", "-f", "image2", out.path]
        do { try p.run() } catch { return nil }
        p.waitUntilExit()
        guard let d = FileManager.default.contents(atPath: out.path) else { return nil }
        return try? GrayImage(pgm: [UInt8](d), name: name)
    }

    static let reference: Reference? = {
        guard let url = Bundle.module.url(forResource: "Fixtures/vision_reference", withExtension: "json"),
              let d = try? Data(contentsOf: url) else { return nil }
        return try? JSONDecoder().decode(Reference.self, from: d)
    }()
}

struct Reference: Decodable {
    struct Frame: Decodable {
        var index: Int, width: Int, height: Int
        var haar: [[Int]], lbp: [[Int]], alt2: [[Int]]?
        var box: [Int]?, landmarks: [[Int]]?, box2: [Int]?, landmarks2: [[Int]]?
        var pose_pnp: [Float]?
    }
    struct Photo: Decodable { var name: String; var width: Int; var height: Int; var haar: [[Int]]; var lbp: [[Int]]; var box: [Int]?; var landmarks: [[Int]]? }
    var photos: [Photo]?
    var tilted: [String: [[Int]]]?
    struct Pair: Decodable { var frames: [Int]; var width: Int; var height: Int; var haar: [[Int]]; var landmarks: [[[Int]]] }
    var frames: [Frame]
    var pair: Pair
}

extension FaceBox {
    init(_ a: [Int]) { self.init(x: a[0], y: a[1], width: a[2], height: a[3]) }
}

/// Mean landmark error over the inter-ocular distance (outer eye corners 36 and 45, as in 300-W).
func meanErrorOverIOD(_ p: [Point2], _ ref: [[Int]]) -> Float {
    let iod = hypotf(Float(ref[36][0] - ref[45][0]), Float(ref[36][1] - ref[45][1]))
    var s: Float = 0
    for i in 0..<ref.count { s += hypotf(p[i].x - Float(ref[i][0]), p[i].y - Float(ref[i][1])) }
    return s / Float(ref.count) / iod
}

extension Array where Element == Int {
    var box: FaceBox { FaceBox(x: self[0], y: self[1], width: self[2], height: self[3]) }
}
