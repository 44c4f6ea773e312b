// Reader of CTranslate2's model.bin (the format of CTranslate2's src/models/model.cc):
//   u32 binary version; (version ≥ 2) string spec name, u32 spec revision;
//   u32 variable count; per variable: string name, u8 rank, u32 × rank shape,
//   (version ≥ 4) u8 dtype and u32 byte count | (older) u8 item size and u32 element count;
//   the raw little-endian values; (version ≥ 3) u32 alias count, then (alias, target) strings.
// Strings are a u16 length (terminating NUL included) and the bytes. Every variable is
// converted to Float32 on load (int8/int16 weights divided by their `<name>_scale`).
import Foundation

public struct CTranslate2Model: Sendable {
    /// CTranslate2's DataType codes (include/ctranslate2/types.h).
    public enum DataType: UInt8, Sendable {
        case float32 = 0, int8 = 1, int16 = 2, int32 = 3, float16 = 4, bfloat16 = 5

        var size: Int {
            switch self {
            case .int8: return 1
            case .int16, .float16, .bfloat16: return 2
            case .float32, .int32: return 4
            }
        }
    }

    public struct Variable: Sendable {
        public var name: String
        public var shape: [Int]
        /// The type stored in the file.
        public var storedType: DataType
        /// Values in row-major order, converted to Float32.
        public var values: [Float]
    }

    /// The newest format this reader understands.
    public static let supportedBinaryVersion = 6
    public var binaryVersion: Int
    public var spec: String
    public var revision: Int
    public var variables: [String: Variable]
    /// alias → variable name (e.g. decoder/projection/weight → decoder/embeddings/weight).
    public var aliases: [String: String]
    /// Names in file order.
    public var names: [String]
    /// The file the model came from, for error messages.
    public var file: String

    public init(contentsOf url: URL) throws(SpeechError) {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw SpeechError(.unreadable, input: url.path, reason: "\(error.localizedDescription)")
        }
        try self.init(bytes: [UInt8](data), file: url.path)
    }

    public init(bytes: [UInt8], file: String) throws(SpeechError) {
        var r = ByteReader(bytes: bytes, file: file)
        self.file = file
        binaryVersion = Int(try r.u32("binary version"))
        guard binaryVersion >= 1 && binaryVersion <= CTranslate2Model.supportedBinaryVersion else {
            throw SpeechError(.corrupt, input: "\(file) header",
                              reason: "binary version \(binaryVersion) (this reader supports 1…\(CTranslate2Model.supportedBinaryVersion))")
        }
        if binaryVersion >= 2 {
            spec = try r.string("spec name")
            revision = Int(try r.u32("spec revision"))
        } else {
            spec = ""; revision = 1
        }
        let count = Int(try r.u32("variable count"))
        var variables: [String: Variable] = [:]
        var names: [String] = []
        for index in 0..<count {
            let name = try r.string("name of variable #\(index)")
            let label = "variable \(name)"
            let rank = Int(try r.u8("rank of \(label)"))
            var shape: [Int] = []
            for _ in 0..<rank { shape.append(Int(try r.u32("shape of \(label)"))) }
            let type: DataType
            let byteCount: Int
            if binaryVersion >= 4 {
                let code = try r.u8("type of \(label)")
                guard let t = DataType(rawValue: code) else {
                    throw SpeechError(.corrupt, input: label, reason: "unknown data type code \(code)")
                }
                type = t
                byteCount = Int(try r.u32("byte count of \(label)"))
            } else {
                let itemSize = Int(try r.u8("item size of \(label)"))
                switch itemSize {
                case 4: type = .float32
                case 2: type = .int16
                case 1: type = .int8
                default: throw SpeechError(.corrupt, input: label, reason: "unknown item size \(itemSize)")
                }
                byteCount = Int(try r.u32("element count of \(label)")) * itemSize
            }
            // Overflow-checked: a corrupt shape must give an error, not a trap.
            var elements = 1, overflow = false
            for extent in shape + [type.size] where !overflow {
                (elements, overflow) = elements.multipliedReportingOverflow(by: extent)
            }
            if !overflow { elements /= type.size }
            guard !overflow, elements * type.size == byteCount else {
                throw SpeechError(.corrupt, input: label,
                                  reason: "shape \(shape) of \(type) needs \(elements * type.size) bytes, the file says \(byteCount)")
            }
            let start = try r.skip(byteCount, "values of \(label) (\(byteCount) bytes)")
            let values = CTranslate2Model.decode(bytes, from: start, count: elements, type: type)
            variables[name] = Variable(name: name, shape: shape, storedType: type, values: values)
            names.append(name)
        }
        var aliases: [String: String] = [:]
        if binaryVersion >= 3 {
            let aliasCount = Int(try r.u32("alias count"))
            for i in 0..<aliasCount {
                let alias = try r.string("alias #\(i)")
                let target = try r.string("target of alias \(alias)")
                guard variables[target] != nil else {
                    throw SpeechError(.corrupt, input: "alias \(alias)", reason: "names the absent variable \(target)")
                }
                aliases[alias] = target
            }
        }
        // Quantized weights → Float32: CTranslate2 stores q = round(x · scale).
        for (name, v) in variables where (v.storedType == .int8 || v.storedType == .int16) && !v.shape.isEmpty
            && name.hasSuffix("weight") {
            guard let scale = variables[name + "_scale"] else {
                throw SpeechError(.missingVariable, input: name + "_scale", reason: "the quantization scale of \(name)")
            }
            var values = v.values
            let rows = v.shape[0], perRow = rows > 0 ? values.count / rows : 0
            if scale.values.count == 1 {
                let s = scale.values[0]
                for i in 0..<values.count { values[i] /= s }
            } else if scale.values.count == rows {
                for r in 0..<rows { let s = scale.values[r]; for i in 0..<perRow { values[r * perRow + i] /= s } }
            } else {
                throw SpeechError(.wrongShape, input: name + "_scale", reason: "\(scale.values.count) scales for \(rows) rows")
            }
            variables[name]?.values = values
        }
        guard r.offset == bytes.count else {
            throw SpeechError(.corrupt, input: "\(file) end", reason: "\(bytes.count - r.offset) bytes follow the last alias")
        }
        self.variables = variables
        self.aliases = aliases
        self.names = names
    }

    /// The variable `name` (aliases resolved).
    public func variable(_ name: String) throws(SpeechError) -> Variable {
        if let v = variables[name] ?? aliases[name].flatMap({ variables[$0] }) { return v }
        throw SpeechError(.missingVariable, input: name, reason: "not in \(file)")
    }

    /// The values of `name`, checked against `shape`.
    public func values(_ name: String, shape: [Int]) throws(SpeechError) -> [Float] {
        let v = try variable(name)
        guard v.shape == shape else {
            throw SpeechError(.wrongShape, input: name, reason: "\(v.shape) in \(file), expected \(shape)")
        }
        return v.values
    }

    /// A scalar variable (rank 0) as an integer.
    public func integer(_ name: String) throws(SpeechError) -> Int {
        let v = try variable(name)
        guard v.values.count == 1 else {
            throw SpeechError(.wrongShape, input: name, reason: "\(v.shape) in \(file), expected a scalar")
        }
        guard v.values[0].isFinite, abs(v.values[0]) < 1e9 else {
            throw SpeechError(.corrupt, input: name, reason: "\(v.values[0]) is not an integer setting")
        }
        return Int(v.values[0])
    }

    static func decode(_ bytes: [UInt8], from start: Int, count: Int, type: DataType) -> [Float] {
        var out = [Float](repeating: 0, count: count)
        switch type {
        case .float32:
            for i in 0..<count {
                let o = start + 4 * i
                let bits = UInt32(bytes[o]) | UInt32(bytes[o + 1]) << 8 | UInt32(bytes[o + 2]) << 16 | UInt32(bytes[o + 3]) << 24
                out[i] = Float(bitPattern: bits)
            }
        case .int32:
            for i in 0..<count {
                let o = start + 4 * i
                let bits = UInt32(bytes[o]) | UInt32(bytes[o + 1]) << 8 | UInt32(bytes[o + 2]) << 16 | UInt32(bytes[o + 3]) << 24
                out[i] = Float(Int32(bitPattern: bits))
            }
        case .float16:
            for i in 0..<count {
                let o = start + 2 * i
                out[i] = Float(Float16(bitPattern: UInt16(bytes[o]) | UInt16(bytes[o + 1]) << 8))
            }
        case .bfloat16:
            for i in 0..<count {
                let o = start + 2 * i
                out[i] = Float(bitPattern: (UInt32(bytes[o]) | UInt32(bytes[o + 1]) << 8) << 16)
            }
        case .int16:
            for i in 0..<count {
                let o = start + 2 * i
                out[i] = Float(Int16(bitPattern: UInt16(bytes[o]) | UInt16(bytes[o + 1]) << 8))
            }
        case .int8:
            for i in 0..<count { out[i] = Float(Int8(bitPattern: bytes[start + i])) }
        }
        return out
    }
}

/// Little-endian cursor over model.bin; every read names what it was reading when the file ends.
struct ByteReader {
    let bytes: [UInt8]
    let file: String
    var offset = 0

    init(bytes: [UInt8], file: String) { self.bytes = bytes; self.file = file }

    mutating func skip(_ n: Int, _ what: String) throws(SpeechError) -> Int {
        guard n >= 0, bytes.count - offset >= n else {
            throw SpeechError(.truncated, input: what,
                              reason: "needs \(n) bytes at offset \(offset) of \(file), which has \(bytes.count)")
        }
        let start = offset
        offset += n
        return start
    }

    mutating func u8(_ what: String) throws(SpeechError) -> UInt8 {
        let o = try skip(1, what)
        return bytes[o]
    }

    mutating func u16(_ what: String) throws(SpeechError) -> UInt16 {
        let o = try skip(2, what)
        return UInt16(bytes[o]) | UInt16(bytes[o + 1]) << 8
    }

    mutating func u32(_ what: String) throws(SpeechError) -> UInt32 {
        let o = try skip(4, what)
        return UInt32(bytes[o]) | UInt32(bytes[o + 1]) << 8 | UInt32(bytes[o + 2]) << 16 | UInt32(bytes[o + 3]) << 24
    }

    /// u16 length (NUL included) + bytes.
    mutating func string(_ what: String) throws(SpeechError) -> String {
        let n = Int(try u16(what))
        let o = try skip(n, what)
        var end = o + n
        if n > 0 && bytes[end - 1] == 0 { end -= 1 }
        guard let s = String(validating: bytes[o..<end], as: UTF8.self) else {
            throw SpeechError(.corrupt, input: what, reason: "not UTF-8 at offset \(o) of \(file)")
        }
        return s
    }
}
