// safetensors read (F32, F16, BF16 → Float32) and write (F32).
// Layout: 8-byte little-endian header length N, N bytes of JSON
// {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}, then the data.
import Foundation

/// What went wrong reading or writing a safetensors file; names the file and the tensor.
public enum SafetensorsError: Error, CustomStringConvertible, Equatable {
    case unreadable(file: String, reason: String)
    case badHeader(file: String, reason: String)
    case missingTensor(file: String, tensor: String)
    case unsupportedDtype(file: String, tensor: String, dtype: String)
    case wrongShape(file: String, tensor: String, expected: [Int], found: [Int])
    case sizeMismatch(file: String, tensor: String, dtype: String, shape: [Int], bytes: Int)
    case truncated(file: String, tensor: String, needed: Int, available: Int)

    public var description: String {
        switch self {
        case let .unreadable(f, r): return "cannot read safetensors file \(f): \(r)"
        case let .badHeader(f, r): return "safetensors file \(f) has an invalid header: \(r)"
        case let .missingTensor(f, t): return "safetensors file \(f) has no tensor '\(t)'"
        case let .unsupportedDtype(f, t, d): return "tensor '\(t)' in \(f) has dtype \(d); only F32, F16 and BF16 can be read"
        case let .wrongShape(f, t, e, s): return "tensor '\(t)' in \(f) has shape \(s), expected \(e)"
        case let .sizeMismatch(f, t, d, s, b): return "tensor '\(t)' in \(f): \(b) bytes of data do not fit dtype \(d) with shape \(s)"
        case let .truncated(f, t, n, a): return "safetensors file \(f) is truncated: tensor '\(t)' needs data up to byte \(n) but only \(a) bytes follow the header"
        }
    }
}

/// An opened safetensors file: header parsed and validated, data read on demand.
public struct SafetensorsFile: Sendable {
    public struct Entry: Sendable, Equatable {
        public let dtype: String
        public let shape: [Int]
        public let begin: Int
        public let end: Int
    }

    public let path: String
    public let entries: [String: Entry]
    public let metadata: [String: String]
    private let bytes: Data
    private let dataStart: Int

    public var names: [String] { entries.keys.sorted() }

    static func elementSize(_ dtype: String) -> Int? {
        switch dtype {
        case "F64", "I64", "U64": return 8
        case "F32", "I32", "U32": return 4
        case "F16", "BF16", "I16", "U16": return 2
        case "I8", "U8", "BOOL", "F8_E4M3", "F8_E5M2": return 1
        default: return nil
        }
    }

    public init(contentsOf url: URL) throws {
        let path = url.path
        let data: Data
        do { data = try Data(contentsOf: url, options: .mappedIfSafe) } catch {
            throw SafetensorsError.unreadable(file: path, reason: "\(error.localizedDescription)")
        }
        try self.init(data: data, path: path)
    }

    public init(data: Data, path: String = "<memory>") throws {
        self.path = path
        self.bytes = data
        guard data.count >= 8 else { throw SafetensorsError.badHeader(file: path, reason: "file has \(data.count) bytes, fewer than the 8-byte header length") }
        var n: UInt64 = 0
        for i in 0..<8 { n |= UInt64(data[data.startIndex + i]) << (8 * UInt64(i)) }
        guard n <= UInt64(data.count - 8) else {
            throw SafetensorsError.badHeader(file: path, reason: "header length \(n) exceeds the \(data.count - 8) bytes that follow")
        }
        let headerData = data.subdata(in: (data.startIndex + 8)..<(data.startIndex + 8 + Int(n)))
        guard let json = try? JSONSerialization.jsonObject(with: headerData), let dict = json as? [String: Any] else {
            throw SafetensorsError.badHeader(file: path, reason: "header is not a JSON object")
        }
        dataStart = 8 + Int(n)
        let available = data.count - dataStart
        var entries: [String: Entry] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in dict {
            if name == "__metadata__" {
                if let m = value as? [String: Any] { for (k, v) in m { metadata[k] = "\(v)" } }
                continue
            }
            guard let e = value as? [String: Any], let dtype = e["dtype"] as? String,
                  let shape = (e["shape"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }),
                  let offsets = (e["data_offsets"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }),
                  offsets.count == 2, shape.count == (e["shape"] as? [Any])?.count
            else { throw SafetensorsError.badHeader(file: path, reason: "entry '\(name)' lacks dtype, shape or data_offsets") }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, end >= begin, shape.allSatisfy({ $0 >= 0 }) else {
                throw SafetensorsError.badHeader(file: path, reason: "entry '\(name)' has offsets \(offsets) or shape \(shape) out of range")
            }
            if end > available { throw SafetensorsError.truncated(file: path, tensor: name, needed: end, available: available) }
            if let size = Self.elementSize(dtype), shape.reduce(1, *) * size != end - begin {
                throw SafetensorsError.sizeMismatch(file: path, tensor: name, dtype: dtype, shape: shape, bytes: end - begin)
            }
            entries[name] = Entry(dtype: dtype, shape: shape, begin: begin, end: end)
        }
        self.entries = entries
        self.metadata = metadata
    }

    /// The tensor `name` as Float32; checks `shape` when given.
    public func tensor(_ name: String, shape expected: [Int]? = nil) throws -> Tensor {
        guard let e = entries[name] else { throw SafetensorsError.missingTensor(file: path, tensor: name) }
        if let expected, expected != e.shape {
            throw SafetensorsError.wrongShape(file: path, tensor: name, expected: expected, found: e.shape)
        }
        let count = e.shape.reduce(1, *)
        var out = [Float](repeating: 0, count: count)
        let start = bytes.startIndex + dataStart + e.begin
        try bytes.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let src = UnsafeRawBufferPointer(rebasing: raw[(start - bytes.startIndex)..<(start - bytes.startIndex + e.end - e.begin)])
            try out.withUnsafeMutableBufferPointer { o in
                switch e.dtype {
                case "F32":
                    for i in 0..<count { o[i] = Float(bitPattern: UInt32(littleEndian: src.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
                case "F16":
                    for i in 0..<count { o[i] = Float(Float16Bits.toFloat(UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))) }
                case "BF16":
                    for i in 0..<count { o[i] = Float(bitPattern: UInt32(UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) << 16) }
                default:
                    throw SafetensorsError.unsupportedDtype(file: path, tensor: name, dtype: e.dtype)
                }
            }
        }
        return Tensor(shape: e.shape, data: out)
    }

    /// Serialises `tensors` as F32 safetensors (names sorted, as the reference writer does).
    public static func encode(_ tensors: [String: Tensor], metadata: [String: String] = [:]) throws -> Data {
        var header = "{"
        var parts: [String] = []
        if !metadata.isEmpty {
            let m = metadata.sorted { $0.key < $1.key }.map { "\(jsonString($0.key)):\(jsonString($0.value))" }
            parts.append("\"__metadata__\":{\(m.joined(separator: ","))}")
        }
        var offset = 0
        let names = tensors.keys.sorted()
        for name in names {
            let t = tensors[name]!
            let size = t.count * 4
            parts.append("\(jsonString(name)):{\"dtype\":\"F32\",\"shape\":[\(t.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(offset + size)]}")
            offset += size
        }
        header += parts.joined(separator: ",") + "}"
        var headerBytes = Array(header.utf8)
        while headerBytes.count % 8 != 0 { headerBytes.append(0x20) }
        var out = Data()
        var n = UInt64(headerBytes.count).littleEndian
        withUnsafeBytes(of: &n) { out.append(contentsOf: $0) }
        out.append(contentsOf: headerBytes)
        for name in names {
            tensors[name]!.data.withUnsafeBufferPointer { p in
                for v in p { var b = v.bitPattern.littleEndian; withUnsafeBytes(of: &b) { out.append(contentsOf: $0) } }
            }
        }
        return out
    }

    public static func write(_ tensors: [String: Tensor], metadata: [String: String] = [:], to url: URL) throws {
        let data = try encode(tensors, metadata: metadata)
        do { try data.write(to: url) } catch {
            throw SafetensorsError.unreadable(file: url.path, reason: "cannot write: \(error.localizedDescription)")
        }
    }

    static func jsonString(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where u.value < 0x20: out += String(format: "\\u%04x", u.value)
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }
}

/// IEEE half → float, by bits (no dependence on platform Float16 support).
enum Float16Bits {
    static func toFloat(_ h: UInt16) -> Float {
        let sign = UInt32(h >> 15) << 31
        let exp = Int((h >> 10) & 0x1F)
        let mant = UInt32(h & 0x3FF)
        if exp == 0 {
            if mant == 0 { return Float(bitPattern: sign) }
            let v = Float(mant) * 5.960464477539063e-8  // 2^-24
            return sign != 0 ? -v : v
        }
        if exp == 31 { return Float(bitPattern: sign | 0x7F80_0000 | (mant << 13)) }
        return Float(bitPattern: sign | UInt32(exp - 15 + 127) << 23 | (mant << 13))
    }
}
