import ArgumentParser
import Foundation
import Media
import Vision

/// `sentio extract video`: OpenFace-style per-frame face rows from any input.
struct ExtractVideo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "video",
        abstract: "Per-frame face detection, 68 landmarks, head pose and expression descriptors.",
        discussion: """
        One row per analysed frame: frame, timestamp, success, confidence, face_x, face_y, face_w, \
        face_h, x_0..x_67, y_0..y_67, pose_Rx, pose_Ry, pose_Rz, then the descriptors \
        (docs/ACCURACY-vision.md explains each). Frames without a face keep their row with success=0.

        Examples:
          sentio extract video interview.mp4 --fps 5 > faces.csv
          sentio extract video clips/v1/3.mp4 --fps 5 --out features/v1/3.faces.csv   # for sentio train --features features
          sentio extract video rtsp://camera/stream --format jsonl --timeout 5
        """)

    @Argument(help: "File path or URL.")
    var input: String

    @Option(help: "Frames per second to analyse (default: every frame of the source).")
    var fps: Double?

    @Option(help: "Output format: csv or jsonl.")
    var format: FaceFrameRow.Format = .csv

    @Option(help: "Write rows to this file instead of stdout (written atomically at the end).")
    var out: String?

    @Option(help: "Face cascade (OpenCV XML, Haar or LBP).")
    var cascade: String = "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml"

    @Option(help: "Landmark model (dlib shape predictor .dat).")
    var landmarks: String = "/usr/share/dlib/shape_predictor_68_face_landmarks.dat"

    @Flag(help: "Detect on every frame instead of tracking the previous face.")
    var noTracking = false

    @OptionGroup var source: SourceArguments

    func validate() throws {
        if let fps, !(fps > 0) { throw ValidationError("--fps must be > 0") }
    }

    func run() async throws {
        var configuration = FaceAnalyzer.Configuration()
        configuration.tracking = !noTracking
        var analyzer = try FaceAnalyzer(cascadePath: cascade, landmarkModelPath: landmarks, configuration: configuration)
        let options = MediaReadOptions(audio: nil, video: VideoFormat(pixelFormat: .gray8, frameRate: fps), captions: false,
                                       stallTimeout: source.stallTimeout, inputFormat: source.inputFormat,
                                       formatOptions: try source.parsedFormatOptions())
        let sink = RowSink(path: out)
        if let header = FaceFrameRow.header(format) { sink.write(header) }
        var frames = 0, faces = 0
        do {
            for try await event in MediaReader(input, options: options).events() {
                guard case .video(let frame) = event else { continue }
                let image = try GrayImage(width: frame.width, height: frame.height, pixels: frame.pixels)
                var observation = analyzer.analyze(frame: image, timestamp: frame.time)
                observation.frame = frame.index
                sink.write(FaceFrameRow.line(observation, format: format))
                frames += 1
                if observation.success { faces += 1 }
            }
        } catch {
            // Rows already analysed are kept; the error still fails the command.
            try sink.finish()
            throw error
        }
        try sink.finish()
        Log.standardError("\(input): \(frames) frames, face found in \(faces)")
    }
}

extension FaceFrameRow.Format: ExpressibleByArgument {}
