/// Everything Vision knows about one video frame: one OpenFace-style row.
public struct FaceObservation: Sendable, Equatable {
    public var frame: Int
    public var timestamp: Double
    /// True when a face was found and landmarks fitted.
    public var success: Bool
    /// Detection confidence in [0, 1): n / (n + minNeighbors + 1) with n the raw windows grouped into the face.
    public var confidence: Float
    public var box: FaceBox
    public var landmarks: [Point2]
    public var pose: HeadPose
    public var descriptors: [Float]
    /// Faces found by the last full-frame detection (the largest one is analysed).
    public var faceCount: Int
    /// True when the face was found by the tracker's local search instead of a full-frame detection.
    public var tracked: Bool

    public static func failed(frame: Int, timestamp: Double, faceCount: Int = 0) -> FaceObservation {
        FaceObservation(frame: frame, timestamp: timestamp, success: false, confidence: 0, box: FaceBox(x: 0, y: 0, width: 0, height: 0),
                        landmarks: [Point2](repeating: Point2(0, 0), count: 68), pose: .zero,
                        descriptors: [Float](repeating: 0, count: FaceDescriptors.names.count), faceCount: faceCount, tracked: false)
    }
}

/// The visual stage of the pipeline (DESIGN.md §7: one protocol per stage, injected through init):
/// frames in decode order in, one OpenFace-style observation per frame out.
public protocol FaceAnalyzing: Sendable {
    mutating func analyze(frame: GrayImage, timestamp: Double) -> FaceObservation
    /// Forgets tracking and motion state (new stream, seek, cut).
    mutating func reset()
}

/// Per-frame face analysis: detection (OpenCV cascade), tracking, 68 landmarks (dlib ERT), head pose
/// and descriptors. Feed frames in order; the analyzer keeps the previous face so that, while the
/// face stays, only a local search around it runs instead of a full-frame detection.
public struct FaceAnalyzer: FaceAnalyzing {
    public struct Configuration: Sendable {
        public var detection = CascadeClassifier.Parameters(scaleFactor: 1.1, minNeighbors: 3, minSize: 40)
        /// Frames wider than this are downscaled (bilinear) for detection only; landmarks use the full frame.
        public var maxDetectionWidth = 640
        /// Track the previous face with a local search (scales 0.8–1.25x, box grown by 30 %).
        public var tracking = true
        /// Run a full-frame detection at least every this many frames even while tracking (0 = never).
        public var redetectInterval = 30
        public init() {}
    }

    public let detector: CascadeClassifier
    public let predictor: ShapePredictor
    public var configuration: Configuration
    var previous: FaceBox?
    var framesSinceDetection = 0
    var lastFaceCount = 0
    var motion = FaceDescriptors.Motion()
    var frameIndex = 0

    public init(detector: CascadeClassifier, predictor: ShapePredictor, configuration: Configuration = Configuration()) {
        self.detector = detector; self.predictor = predictor; self.configuration = configuration
    }

    /// Loads the default models from Debian's opencv-data and libdlib-data.
    public init(cascadePath: String = "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml",
                landmarkModelPath: String = "/usr/share/dlib/shape_predictor_68_face_landmarks.dat",
                configuration: Configuration = Configuration()) throws(VisionError) {
        self.init(detector: try CascadeClassifier(contentsOf: cascadePath),
                  predictor: try ShapePredictor(contentsOf: landmarkModelPath), configuration: configuration)
    }

    /// Forgets the tracked face and the motion history (e.g. at a cut or a new stream).
    public mutating func reset() { previous = nil; motion = FaceDescriptors.Motion(); framesSinceDetection = 0; lastFaceCount = 0 }

    /// Full-frame detection, largest face first.
    public func detectFaces(_ image: GrayImage) -> [CascadeClassifier.Detection] {
        var img = image, factor: Float = 1
        if image.width > configuration.maxDetectionWidth, configuration.maxDetectionWidth > 0 {
            factor = Float(image.width) / Float(configuration.maxDetectionWidth)
            let h = max(1, Int((Float(image.height) / factor).rounded()))
            img = image.resizedLinear(width: configuration.maxDetectionWidth, height: h)
        }
        var p = configuration.detection
        p.minSize = Int((Float(p.minSize) / factor).rounded(.up))
        if p.maxSize > 0 { p.maxSize = Int(Float(p.maxSize) / factor) }
        var found = detector.detect(img, parameters: p)
        if factor != 1 {
            found = found.map { d in
                CascadeClassifier.Detection(box: FaceBox(x: Int(Float(d.box.x) * factor), y: Int(Float(d.box.y) * factor),
                                                         width: Int(Float(d.box.width) * factor), height: Int(Float(d.box.height) * factor)),
                                            neighbors: d.neighbors)
            }
        }
        return found.sorted { $0.box.area > $1.box.area }
    }

    /// Local search around the previous face: crop, detect at 0.8–1.25x of its size.
    func track(_ image: GrayImage, around b: FaceBox) -> CascadeClassifier.Detection? {
        let grow = Int(Float(b.width) * 0.3)
        let cx = b.x - grow, cy = b.y - grow
        let crop = image.cropped(x: cx, y: cy, width: b.width + 2 * grow, height: b.height + 2 * grow)
        guard crop.width >= detector.windowWidth, crop.height >= detector.windowHeight else { return nil }
        let ox = max(0, cx), oy = max(0, cy)
        var p = configuration.detection
        p.minSize = max(p.minSize, Int(Float(b.width) * 0.8))
        p.maxSize = Int(Float(b.width) * 1.25)
        let raw = detector.detectRaw(crop, parameters: p)
        let groups = CascadeClassifier.group(raw, threshold: 1, eps: 0.2)
        guard let best = groups.max(by: { $0.neighbors < $1.neighbors }) else { return nil }
        var d = best
        d.box.x += ox; d.box.y += oy
        return d
    }

    /// Analyses one RGB frame (converted to gray with OpenCV's BT.601 weights).
    public mutating func analyze(frame image: RGBImage, timestamp: Double) -> FaceObservation {
        analyze(frame: image.gray(), timestamp: timestamp)
    }

    /// Analyses one frame. Frames must come in order; `timestamp` in seconds.
    public mutating func analyze(frame image: GrayImage, timestamp: Double) -> FaceObservation {
        let index = frameIndex
        frameIndex += 1
        guard image.width >= 2, image.height >= 2 else { reset(); return .failed(frame: index, timestamp: timestamp) }
        var found: CascadeClassifier.Detection?
        var tracked = false
        if configuration.tracking, let prev = previous,
           configuration.redetectInterval == 0 || framesSinceDetection < configuration.redetectInterval,
           let t = track(image, around: prev) {
            found = t; tracked = true; framesSinceDetection += 1
        }
        if found == nil {
            let all = detectFaces(image)
            lastFaceCount = all.count
            found = all.first
            framesSinceDetection = 0
        }
        guard let face = found else { reset(); return .failed(frame: index, timestamp: timestamp) }
        previous = face.box
        let landmarks = predictor.predict(image, box: face.box)
        let pose = HeadPoseEstimator.estimate(landmarks, camera: HeadPoseEstimator.Camera(imageWidth: image.width, imageHeight: image.height))
        let desc = FaceDescriptors.compute(landmarks: landmarks, pose: pose, timestamp: timestamp, motion: &motion)
        let k = Float(configuration.detection.minNeighbors + 1)
        return FaceObservation(frame: index, timestamp: timestamp, success: true, confidence: Float(face.neighbors) / (Float(face.neighbors) + k),
                               box: face.box, landmarks: landmarks, pose: pose, descriptors: desc,
                               faceCount: max(lastFaceCount, 1), tracked: tracked)
    }
}
