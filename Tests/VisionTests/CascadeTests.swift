import Foundation
import Testing
@testable import Vision

@Suite("OpenCV cascade detector")
struct CascadeTests {
    static let haar: CascadeClassifier? = try? CascadeClassifier(contentsOf: Assets.haar)
    static let lbp: CascadeClassifier? = try? CascadeClassifier(contentsOf: Assets.lbp)
    static let params = CascadeClassifier.Parameters(scaleFactor: 1.1, minNeighbors: 3, minSize: 40)

    @Test("cascades of opencv-data load", .enabled(if: Assets.haveCascades, "needs /usr/share/opencv4 cascades (opencv-data, scripts/setup)"))
    func loads() throws {
        let h = try #require(Self.haar)
        let l = try CascadeClassifier(contentsOf: Assets.lbp)
        #expect(h.featureType == .haar && h.stageCount == 25 && h.windowWidth == 24)
        #expect(l.featureType == .lbp && l.windowWidth == 45 && l.stageCount > 5)
    }

    /// Fraction of reference boxes matched with IoU >= 0.8, and count of extra detections.
    static func compare(_ ours: [[FaceBox]], _ ref: [[[Int]]]) -> (matched: Int, total: Int, extra: Int) {
        var matched = 0, total = 0, extra = 0
        for (o, r) in zip(ours, ref) {
            total += r.count
            for rb in r where o.contains(where: { $0.iou(FaceBox(rb)) >= 0.8 }) { matched += 1 }
            extra += o.filter { ob in !r.contains { ob.iou(FaceBox($0)) >= 0.8 } }.count
        }
        return (matched, total, extra)
    }

    @Test("Haar detections match OpenCV on MOSI frames (IoU >= 0.8, no extra faces)",
          .enabled(if: Assets.haveCascades && Assets.haveClip, "needs opencv-data, ffmpeg and <repo>/../shared/data/media/mosi_Oz06ZWiO20M_6.mp4"))
    func haarMatches() throws {
        let c = try #require(Self.haar), ref = try #require(Assets.reference)
        let ours = Assets.frames.map { c.detect($0, parameters: Self.params).map(\.box) }
        let r = Self.compare(ours, ref.frames.map(\.haar))
        let ious = zip(ours, ref.frames).map { o, f in o.first.map { $0.iou(FaceBox(f.haar[0])) } ?? 0 }
        print("haar: \(r.matched)/\(r.total) matched, \(r.extra) extra, IoU min \(ious.min() ?? 0) mean \(ious.reduce(0, +) / Float(ious.count))")
        #expect(r.total == 15)
        // The pyramid (INTER_LINEAR_EXACT), the stage arithmetic and groupRectangles follow OpenCV bit for bit.
        let exact = zip(ours, ref.frames).filter { o, f in Set(o.map { [$0.x, $0.y, $0.width, $0.height] }) == Set(f.haar) }.count
        print("haar: \(exact)/15 frames with identical boxes")
        #expect(exact == 15)
        #expect(r.total > 0 && Float(r.matched) >= 0.95 * Float(r.total))
        #expect(r.extra == 0)
    }

    @Test("LBP detections match OpenCV on all MOSI frames (IoU >= 0.8, no extra faces)",
          .enabled(if: Assets.haveCascades && Assets.haveClip, "needs opencv-data, ffmpeg and <repo>/../shared/data/media/mosi_Oz06ZWiO20M_6.mp4"))
    func lbpMatches() throws {
        let c = try #require(Self.lbp), ref = try #require(Assets.reference)
        let idx = Array(0..<15)
        let ours = idx.map { c.detect(Assets.frames[$0], parameters: Self.params).map(\.box) }
        let r = Self.compare(ours, idx.map { ref.frames[$0].lbp })
        let ious = zip(ours, idx).map { o, i in o.first.map { $0.iou(FaceBox(ref.frames[i].lbp[0])) } ?? 0 }
        print("lbp: \(r.matched)/\(r.total) matched, \(r.extra) extra, IoU min \(ious.min() ?? 0) mean \(ious.reduce(0, +) / Float(ious.count))")
        #expect(r.total == 15 && Float(r.matched) >= 0.95 * Float(r.total))
        let exact = zip(ours, idx).filter { o, i in Set(o.map { [$0.x, $0.y, $0.width, $0.height] }) == Set(ref.frames[i].lbp) }.count
        #expect(exact == 15)
        #expect(r.extra == 0)
    }

    @Test("a cascade of small trees (frontalface_alt2) matches OpenCV box for box",
          .enabled(if: Assets.haveCascades && Assets.haveClip, "needs opencv-data, ffmpeg and the shared MOSI clip"))
    func treeCascade() throws {
        let c = try CascadeClassifier(contentsOf: Assets.alt2)
        #expect(c.cachedStumps == nil)
        let ref = try #require(Assets.reference)
        for i in [0, 7] {   // the generic tree path is slow in debug builds
            let ours = c.detect(Assets.frames[i], parameters: Self.params).map { [$0.box.x, $0.box.y, $0.box.width, $0.box.height] }
            #expect(Set(ours) == Set(try #require(ref.frames[i].alt2)), "frame \(i): \(ours)")
        }
    }

    @Test("cascades with 45-degree Haar features (smile, right eye) match OpenCV box for box",
          .enabled(if: Assets.haveCascades && Assets.haveClip, "needs opencv-data, ffmpeg and the shared MOSI clip"))
    func tiltedCascades() throws {
        let ref = try #require(Assets.reference?.tilted)
        #expect(ref.count == 2)
        for (name, boxes) in ref {
            let c = try CascadeClassifier(contentsOf: "/usr/share/opencv4/haarcascades/" + name)
            #expect(c.hasTilted)
            let ours = c.detect(Assets.frames[0], parameters: .init(scaleFactor: 1.1, minNeighbors: 3, minSize: 20))
            #expect(Set(ours.map { [$0.box.x, $0.box.y, $0.box.width, $0.box.height] }) == Set(boxes), "\(name): \(ours.map(\.box))")
            #expect(!boxes.isEmpty)
        }
    }

    @Test("the tilted integral follows OpenCV's definition")
    func tiltedIntegral() throws {
        // T(X, Y) = sum of I(x, y) over y < Y and |x - X + 1| <= Y - 1 - y, by brute force on a small image.
        var px = [UInt8](repeating: 0, count: 7 * 5)
        for i in 0..<px.count { px[i] = UInt8((i * 37 + 11) % 251) }
        let img = try GrayImage(width: 7, height: 5, pixels: px)
        let t = IntegralImage.tiltedIntegral(img)
        for Y in 0...5 { for X in 0...7 {
            var s = 0
            for y in 0..<Y { for x in 0..<7 where abs(x - X + 1) <= Y - 1 - y { s += Int(px[y * 7 + x]) } }
            #expect(Int(t[Y * 8 + X]) == s, "T(\(X), \(Y))")
        } }
    }

    @Test("photographs of scikit-image: same faces as OpenCV (none on the cat and the coffee), landmarks as dlib",
          .enabled(if: Assets.havePhotos && Assets.haveCascades && Assets.haveDat, "needs Debian python3-skimage (its data/astronaut.png), opencv-data, libdlib-data and ffmpeg"))
    func photos() throws {
        let ref = try #require(Assets.reference?.photos)
        let haar = try #require(Self.haar), lbp = try #require(Self.lbp)
        #expect(ref.count == 4)
        for ph in ref {
            let img = try #require(Assets.decodePhoto(ph.name))
            #expect(img.width == ph.width && img.height == ph.height)
            for (c, boxes) in [(haar, ph.haar), (lbp, ph.lbp)] {
                let ours = c.detect(img, parameters: Self.params).map(\.box)
                let r = Self.compare([ours], [boxes])
                #expect(r.matched == r.total && r.extra == 0, "\(ph.name): ours \(ours) vs \(boxes)")
                #expect(Set(ours.map { [$0.x, $0.y, $0.width, $0.height] }) == Set(boxes), "\(ph.name): ours \(ours) vs \(boxes)")
            }
            if let b = ph.box, let lm = ph.landmarks {
                let e = meanErrorOverIOD(try #require(Assets.predictor).predict(img, box: FaceBox(b)), lm)
                print("\(ph.name): landmark error \(e) IOD")
                #expect(e < 0.03, "\(ph.name): landmark error \(e) IOD")
            }
        }
    }
}
