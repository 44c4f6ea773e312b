/// Errors of the Vision stage. Every message names the input (file, image, column) and what is wrong.
public enum VisionError: Error, CustomStringConvertible, Equatable {
    /// A model file could not be read or is not in the expected format.
    case invalidModel(file: String, reason: String)
    /// An image buffer whose size does not match its pixel count, or an empty image.
    case invalidImage(reason: String)
    /// A CSV (OpenFace layout) that lacks a column or has a malformed value.
    case invalidCSV(source: String, reason: String)

    public var description: String {
        switch self {
        case let .invalidModel(file, reason): return "Vision: model file \(file): \(reason)"
        case let .invalidImage(reason): return "Vision: image: \(reason)"
        case let .invalidCSV(source, reason): return "Vision: CSV \(source): \(reason)"
        }
    }
}
