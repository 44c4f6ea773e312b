import Foundation
import Testing
@testable import Vision

@Suite("Face analyzer: tracking, rows and bad input", .serialized)
struct FaceAnalyzerTests {
    static let haarModel: CascadeClassifier? = try? CascadeClassifier(contentsOf: Assets.haar)
    static var ready: Bool { Assets.haveDat && Assets.haveCascades && Assets.haveClip }

    /// Analyzer with detection on at most 240-pixel-wide images (keeps debug builds fast).
    static func analyzer() throws -> FaceAnalyzer {
        var c = FaceAnalyzer.Configuration()
        c.maxDetectionWidth = 240
        return FaceAnalyzer(detector: try #require(haarModel), predictor: try #require(Assets.predictor), configuration: c)
    }

    @Test("consecutive MOSI frames are tracked without full detection and keep the face", .enabled(if: ready, "needs opencv-data, libdlib-data, ffmpeg and the shared MOSI clip"))
    func tracking() throws {
        var a = try Self.analyzer()
        let ref = try #require(Assets.reference)
        var rows: [FaceObservation] = []
        for i in 0..<4 { rows.append(a.analyze(frame: Assets.frames[i], timestamp: Double(i) * 0.5)) }
        #expect(rows.allSatisfy { $0.success })
        #expect(rows.map(\.tracked) == [false, true, true, true])
        for (i, r) in rows.enumerated() {
            #expect(r.box.iou(ref.frames[i].haar[0].box) > 0.6, "frame \(i): \(r.box)")
            #expect(r.faceCount == 1 && r.confidence > 0.5)
        }
        #expect(rows[0].descriptors[12] == 0 && rows[1].descriptors[12] > 0)
    }

    @Test("black frames, a 1x1 frame and a frame without a face give success 0", .enabled(if: ready, "needs opencv-data, libdlib-data, ffmpeg and the shared MOSI clip"))
    func noFace() throws {
        var a = try Self.analyzer()
        let black = a.analyze(frame: GrayImage(width: 480, height: 360), timestamp: 0)
        #expect(!black.success && black.faceCount == 0)
        let tiny = a.analyze(frame: GrayImage(width: 1, height: 1, value: 128), timestamp: 0.1)
        #expect(!tiny.success)
        let empty = a.analyze(frame: GrayImage(width: 0, height: 0), timestamp: 0.2)
        #expect(!empty.success)
        // Smooth gradient with texture but no face.
        var px = [UInt8](repeating: 0, count: 240 * 180)
        for y in 0..<180 { for x in 0..<240 { px[y * 240 + x] = UInt8((x + 2 * y + (x * y) % 7) % 256) } }
        let grad = a.analyze(frame: try GrayImage(width: 240, height: 180, pixels: px), timestamp: 0.3)
        #expect(!grad.success)
        #expect(FaceFrameRow.csv(black).split(separator: ",").count == FaceFrameRow.columns.count)
    }

    @Test("a face leaving and re-entering is lost, then detected again with motion reset", .enabled(if: ready, "needs opencv-data, libdlib-data, ffmpeg and the shared MOSI clip"))
    func leaveAndReenter() throws {
        var a = try Self.analyzer()
        let f = Assets.frames
        let seq = [f[0], f[1], GrayImage(width: 480, height: 360), GrayImage(width: 480, height: 360), f[2]]
        let rows = seq.enumerated().map { a.analyze(frame: $0.element, timestamp: Double($0.offset) * 0.5) }
        #expect(rows.map(\.success) == [true, true, false, false, true])
        #expect(rows[4].tracked == false && rows[4].descriptors[12] == 0)
        #expect(rows.map(\.frame) == [0, 1, 2, 3, 4])
    }

    @Test("with two faces the largest is analysed and the row says two were found", .enabled(if: ready, "needs opencv-data, libdlib-data, ffmpeg and the shared MOSI clip"))
    func twoFaces() throws {
        let ref = try #require(Assets.reference)
        let l = Self.half(Assets.frames[ref.pair.frames[0]]), r = Self.half(Assets.frames[ref.pair.frames[1]])
        var px = [UInt8](repeating: 0, count: (l.width + r.width) * l.height)
        let w = l.width + r.width
        for y in 0..<l.height {
            for x in 0..<l.width { px[y * w + x] = l[x, y] }
            for x in 0..<r.width { px[y * w + l.width + x] = r[r.width - 1 - x, y] }
        }
        let pair = try GrayImage(width: w, height: l.height, pixels: px)
        #expect(pair.width == ref.pair.width)
        var c = FaceAnalyzer.Configuration()
        c.detection.minSize = 30
        var a = FaceAnalyzer(detector: try #require(Self.haarModel), predictor: try #require(Assets.predictor), configuration: c)
        let o = a.analyze(frame: pair, timestamp: 0)
        let largest = ref.pair.haar.max { $0[2] * $0[3] < $1[2] * $1[3] }!
        #expect(o.success && o.faceCount == 2)
        #expect(o.box.iou(largest.box) >= 0.8, "\(o.box) vs \(largest)")
        // Both faces are found as OpenCV finds them.
        let all = a.detectFaces(pair).map(\.box)
        let allFound = ref.pair.haar.allSatisfy { rb in all.contains { $0.iou(rb.box) >= 0.8 } }
        #expect(allFound && all.count == ref.pair.haar.count)
        #expect(Set(all.map { [$0.x, $0.y, $0.width, $0.height] }) == Set(ref.pair.haar))
        // Landmarks on the reference box of the largest face match dlib.
        let li = ref.pair.haar.firstIndex(of: largest)!
        #expect(meanErrorOverIOD(a.predictor.predict(pair, box: largest.box), ref.pair.landmarks[li]) < 0.03)
    }

    /// 2x2 mean, rounded (as the fixture script builds the pair).
    static func half(_ g: GrayImage) -> GrayImage {
        let w = g.width / 2, h = g.height / 2
        var out = GrayImage(width: w, height: h)
        for y in 0..<h { for x in 0..<w {
            let s = Int(g[2 * x, 2 * y]) + Int(g[2 * x + 1, 2 * y]) + Int(g[2 * x, 2 * y + 1]) + Int(g[2 * x + 1, 2 * y + 1])
            out.pixels[y * w + x] = UInt8((s + 2) / 4)
        } }
        return out
    }

    @Test("a 4K frame is analysed with detection on a downscaled copy", .enabled(if: ready, "needs opencv-data, libdlib-data, ffmpeg and the shared MOSI clip"))
    func fourK() throws {
        let ref = try #require(Assets.reference)
        let f = Assets.frames[0]
        let W = 3840, H = 2160, k = 4, ox = 900, oy = 300
        var px = [UInt8](repeating: 0, count: W * H)
        px.withUnsafeMutableBufferPointer { p in
            for y in 0..<(f.height * k) { for x in 0..<(f.width * k) { p[(oy + y) * W + ox + x] = f.pixels[(y / k) * f.width + x / k] } }
        }
        var c = FaceAnalyzer.Configuration()
        c.maxDetectionWidth = 480
        var a = FaceAnalyzer(detector: try #require(Self.haarModel), predictor: try #require(Assets.predictor), configuration: c)
        let o = a.analyze(frame: try GrayImage(width: W, height: H, pixels: px), timestamp: 0)
        let rb = ref.frames[0].haar[0]
        let expected = FaceBox(x: ox + k * rb[0], y: oy + k * rb[1], width: k * rb[2], height: k * rb[3])
        #expect(o.success && o.box.iou(expected) > 0.7, "\(o.box) vs \(expected)")
        #expect(o.landmarks[30].x > Float(expected.x) && o.landmarks[30].x < Float(expected.x + expected.width))
    }

    @Test("a truncated cascade file fails at load with an error naming the file", .enabled(if: Assets.haveCascades, "needs /usr/share/opencv4 cascades (opencv-data, scripts/setup)"))
    func truncatedCascade() throws {
        let d = try #require(FileManager.default.contents(atPath: Assets.haar))
        let cut = [UInt8](d.prefix(d.count / 2))
        do {
            _ = try CascadeClassifier(xml: cut, file: "half.xml")
            Issue.record("truncated cascade loaded")
        } catch {
            #expect(error.description.contains("half.xml"))
        }
        #expect(throws: VisionError.self) { try CascadeClassifier(contentsOf: "/nonexistent/cascade.xml") }
    }

    @Test("CSV and JSON rows carry the OpenFace columns, descriptors and face count")
    func rows() throws {
        let cols = FaceFrameRow.columns
        #expect(cols.count == 8 + 136 + 3 + FaceDescriptors.names.count + 2)
        #expect(Array(cols.prefix(5)) == ["frame", "timestamp", "success", "confidence", "face_x"])
        #expect(cols[8] == "x_0" && cols[76] == "y_0" && cols[144] == "pose_Rx")
        var o = FaceObservation.failed(frame: 7, timestamp: 0.2333333)
        #expect(FaceFrameRow.csv(o).hasPrefix("7,0.233,0,0,0,0,0,0,0,"))
        o.success = true; o.confidence = 0.8; o.landmarks[0] = Point2(12.345, -3.5); o.faceCount = 2
        let json = try JSONSerialization.jsonObject(with: Data(FaceFrameRow.jsonLine(o).utf8)) as? [String: Any]
        #expect((json?["x_0"] as? Double) == 12.35 || (json?["x_0"] as? Double) == 12.34)
        #expect((json?["face_count"] as? Int) == 2 && (json?["success"] as? Int) == 1 && json?.count == cols.count)
        #expect(FaceFrameRow.header(.csv) == cols.joined(separator: ",") && FaceFrameRow.header(.jsonl) == nil)
        #expect(FaceFrameRow.line(o, format: .csv) == FaceFrameRow.csv(o) && FaceFrameRow.line(o, format: .jsonl).hasPrefix("{\"frame\":7,"))
    }
}
