// One 10 ms frame of the 74 COVAREP columns (DESIGN.md §3), and its CSV/JSONL rows.
import Foundation

public struct AcousticFrame: Sendable, Equatable {
    /// Frame centre in seconds: COVAREP samples features at 1-based sample 80 + 160·k of
    /// 16 kHz audio, i.e. t = (79 + 160·k) / 16000.
    public var time: Float
    /// The 74 values in `AcousticFrame.columnNames` order. Always finite.
    public var values: [Float]

    public init(time: Float, values: [Float]) {
        precondition(values.count == AcousticFrame.columnCount, "an acoustic frame has 74 values")
        self.time = time
        self.values = values
    }

    public static let columnCount = 74

    /// COVAREP_feature_extraction.m's `names`, in order.
    public static let columnNames: [String] = {
        var n = ["F0", "VUV", "NAQ", "QOQ", "H1H2", "PSP", "MDQ", "peakSlope", "Rd", "Rd_conf", "creak"]
        n += (0...24).map { "MCEP_\($0)" }
        n += (0...24).map { "HMPDM_\($0)" }
        n += (0...12).map { "HMPDD_\($0)" }
        return n
    }()

    public enum Column: Int, Sendable {
        case f0 = 0, vuv, naq, qoq, h1h2, psp, mdq, peakSlope, rd, rdConf, creak
        case mcep0 = 11
        case hmpdm0 = 36
        case hmpdd0 = 61
    }

    public subscript(_ c: Column) -> Float { values[c.rawValue] }

    /// `time,F0,VUV,…,HMPDD_12`
    public static var csvHeader: String { (["time"] + columnNames).joined(separator: ",") }

    public var csvRow: String {
        ([AcousticFrame.format(time)] + values.map(AcousticFrame.format)).joined(separator: ",")
    }

    /// One JSON object: {"time":0.005,"F0":...}
    public var jsonLine: String {
        var s = "{\"time\":\(AcousticFrame.format(time))"
        for (name, v) in zip(AcousticFrame.columnNames, values) { s += ",\"\(name)\":\(AcousticFrame.format(v))" }
        return s + "}"
    }

    static func format(_ v: Float) -> String {
        guard v.isFinite else { return "0" }
        if v == v.rounded() && abs(v) < 1e7 { return String(Int(v)) }
        return String(format: "%.6g", Double(v))
    }
}

public enum AcousticFormat: String, Sendable, CaseIterable {
    case csv, jsonl

    /// Header line (CSV only) followed by one line per frame, each ending in "\n".
    public func render(_ frames: [AcousticFrame], header: Bool = true) -> String {
        var out = ""
        switch self {
        case .csv:
            if header { out += AcousticFrame.csvHeader + "\n" }
            for f in frames { out += f.csvRow + "\n" }
        case .jsonl:
            for f in frames { out += f.jsonLine + "\n" }
        }
        return out
    }
}

public struct AcousticsError: Error, CustomStringConvertible, Sendable {
    public let input: String
    public let problem: String
    public init(input: String, problem: String) { self.input = input; self.problem = problem }
    public var description: String { "\(input): \(problem)" }
}
