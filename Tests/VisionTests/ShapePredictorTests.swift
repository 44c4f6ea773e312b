import Foundation
import Testing
@testable import Vision

@Suite("dlib landmark regressor")
struct ShapePredictorTests {
    @Test("dlib's 68-point model loads from libdlib-data", .enabled(if: Assets.haveDat, "needs /usr/share/dlib/shape_predictor_68_face_landmarks.dat (libdlib-data)"))
    func loads() throws {
        let p = try #require(Assets.predictor)
        #expect(p.landmarkCount == 68)
        #expect(p.cascades.count == 15)
        #expect(p.cascades[0].treeSplitStart.count == 500)
        #expect(p.cascades[0].anchor.count == 500)
    }

    @Test("landmarks match dlib within 3% of the inter-ocular distance on MOSI frames",
          .enabled(if: Assets.haveDat && Assets.haveClip, "needs libdlib-data, ffmpeg and the shared MOSI clip"))
    func matchesDlib() throws {
        let p = try #require(Assets.predictor)
        let ref = try #require(Assets.reference)
        let frames = Assets.frames
        #expect(frames.count == ref.frames.count)
        var worst: Float = 0, total: Float = 0, n = 0, same = 0, points = 0
        for r in ref.frames {
            guard let box = r.box, let lm = r.landmarks, let box2 = r.box2, let lm2 = r.landmarks2 else { continue }
            let img = frames[r.index]
            for (b, l) in [(box, lm), (box2, lm2)] {
                let pts = p.predict(img, box: FaceBox(b))
                let e = meanErrorOverIOD(pts, l)
                // dlib rounds its float landmarks with floor(x + 0.5).
                for (q, r) in zip(pts, l) where Int((q.x + 0.5).rounded(.down)) == r[0] && Int((q.y + 0.5).rounded(.down)) == r[1] { same += 1 }
                points += l.count
                worst = max(worst, e); total += e; n += 1
            }
        }
        #expect(n >= 20)
        print("landmarks vs dlib: mean error/IOD \(total / Float(max(n, 1))), worst \(worst) over \(n) faces; \(same)/\(points) points identical after dlib's rounding")
        #expect(same * 100 >= points * 99)
        #expect(total / Float(n) < 0.01)
        #expect(worst < 0.03)
    }

    @Test("a truncated model file fails at load with an error naming the file", .enabled(if: Assets.haveDat, "needs /usr/share/dlib/shape_predictor_68_face_landmarks.dat (libdlib-data)"))
    func truncated() throws {
        let h = try #require(FileHandle(forReadingAtPath: Assets.dat))
        let head = try #require(try h.read(upToCount: 200_000))
        do {
            _ = try ShapePredictor(data: [UInt8](head), file: "cut.dat")
            Issue.record("a truncated model loaded")
        } catch {
            #expect(error.description.contains("cut.dat"))
            #expect(error.description.contains("ends"))
        }
        #expect(throws: VisionError.self) { try ShapePredictor(contentsOf: "/nonexistent/model.dat") }
    }
}
