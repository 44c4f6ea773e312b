import Foundation
import Tensor

/// A value of the restricted unpickler.
public indirect enum PickleValue: Sendable, Equatable {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case list([PickleValue])
    case tuple([PickleValue])
    case dict([(PickleValue, PickleValue)])
    /// A numpy array: numeric arrays as Float32 values, object arrays as `objects`.
    case array(shape: [Int], values: [Float], objects: [PickleValue]?)
    /// A global reference (only numpy's array machinery is allowed).
    case global(String)
    /// numpy dtype under construction.
    case dtype(String)

    public static func == (a: PickleValue, b: PickleValue) -> Bool { String(describing: a) == String(describing: b) }

    public subscript(_ key: String) -> PickleValue? {
        guard case let .dict(items) = self else { return nil }
        return items.first { $0.0 == .string(key) }?.1
    }
}

/// A restricted unpickler for MMSA's dataset pickles (protocols 2–5): dicts, lists, tuples,
/// strings, numbers, bytes and numpy arrays rebuilt through
/// `numpy.core.multiarray._reconstruct` (dtypes f4, f8, i4, i8, u1, bool, object). Any
/// other global is refused, so a pickle cannot run code.
public struct Unpickler {
    let bytes: [UInt8]
    let source: String
    var pos = 0
    var stack: [PickleValue] = []
    var origins: [Int?] = []
    var marks: [Int] = []
    var memo: [Int: PickleValue] = [:]

    static let allowedGlobals: Set<String> = ["numpy.core.multiarray._reconstruct", "numpy._core.multiarray._reconstruct",
                                              "numpy.ndarray", "numpy.dtype", "numpy.core.multiarray.scalar", "numpy._core.multiarray.scalar",
                                              "_codecs.encode"]

    public init(data: Data, source: String) { bytes = [UInt8](data); self.source = source }

    func fail(_ r: String) -> ModelError { .badData(source: source, reason: "pickle: \(r) at byte \(pos)") }

    mutating func read(_ n: Int) throws -> ArraySlice<UInt8> {
        guard n >= 0, pos + n <= bytes.count else { throw fail("truncated") }
        defer { pos += n }
        return bytes[pos..<(pos + n)]
    }
    mutating func u8() throws -> Int { Int(try read(1).first!) }
    mutating func le(_ n: Int) throws -> Int {
        var v: UInt64 = 0
        for (i, b) in try read(n).enumerated() { v |= UInt64(b) << (8 * UInt64(i)) }
        return n == 4 ? Int(Int32(bitPattern: UInt32(v))) : Int(bitPattern: UInt(v))
    }
    mutating func line() throws -> String {
        guard let end = bytes[pos...].firstIndex(of: 10) else { throw fail("unterminated line") }
        defer { pos = end + 1 }
        return String(decoding: bytes[pos..<end], as: UTF8.self)
    }
    mutating func pop() throws -> PickleValue { guard let v = stack.popLast() else { throw fail("stack underflow") }; lastOrigin = origins.popLast() ?? nil; return v }
    var lastOrigin: Int?
    mutating func push(_ v: PickleValue, origin: Int? = nil) { stack.append(v); origins.append(origin) }
    mutating func popMark() throws -> [PickleValue] {
        guard let m = marks.popLast(), m <= stack.count else { throw fail("missing mark") }
        defer { stack.removeSubrange(m...); origins.removeSubrange(m...) }
        return Array(stack[m...])
    }
    mutating func str(_ n: Int) throws -> PickleValue { .string(String(decoding: try read(n), as: UTF8.self)) }

    public mutating func load() throws -> PickleValue {
        while true {
            let op = try u8()
            switch op {
            case 0x80: _ = try u8()                                   // PROTO
            case 0x95: _ = try read(8)                                // FRAME
            case 0x2e: return try pop()                               // STOP
            case 0x28: marks.append(stack.count)                      // MARK
            case 0x7d: push(.dict([]))                        // EMPTY_DICT
            case 0x5d: push(.list([]))                        // EMPTY_LIST
            case 0x29: push(.tuple([]))                       // EMPTY_TUPLE
            case 0x4e: push(.none)
            case 0x88: push(.bool(true))
            case 0x89: push(.bool(false))
            case 0x4b: push(.int(try u8()))                   // BININT1
            case 0x4d: push(.int(try le(2)))                  // BININT2
            case 0x4a: push(.int(try le(4)))                  // BININT
            case 0x8a:                                                // LONG1
                let n = try u8()
                let b = Array(try read(n))
                guard n <= 8 else { throw fail("integer too long") }
                var v: Int64 = 0
                for (i, x) in b.enumerated() { v |= Int64(x) << (8 * Int64(i)) }
                if n > 0 && n < 8 && b[n - 1] & 0x80 != 0 { v -= Int64(1) << (8 * Int64(n)) }
                push(.int(Int(v)))
            case 0x47:                                                // BINFLOAT (big-endian)
                var v: UInt64 = 0
                for b in try read(8) { v = v << 8 | UInt64(b) }
                push(.float(Double(bitPattern: v)))
            case 0x8c: push(try str(try u8()))                // SHORT_BINUNICODE
            case 0x58: push(try str(try le(4)))               // BINUNICODE
            case 0x8d: push(try str(try le(8)))               // BINUNICODE8
            case 0x43: push(.bytes(Array(try read(try u8()))))   // SHORT_BINBYTES
            case 0x42: push(.bytes(Array(try read(try le(4)))))  // BINBYTES
            case 0x8e: push(.bytes(Array(try read(try le(8)))))  // BINBYTES8
            case 0x94: memo[memo.count] = stack.last; origins[origins.count - 1] = memo.count - 1  // MEMOIZE
            case 0x71: let k = try u8(); memo[k] = stack.last; origins[origins.count - 1] = k  // BINPUT
            case 0x72: let k = try le(4); memo[k] = stack.last; origins[origins.count - 1] = k  // LONG_BINPUT
            case 0x68, 0x6a:                                          // BINGET, LONG_BINGET
                let k = op == 0x68 ? try u8() : try le(4)
                guard let v = memo[k] else { throw fail("memo \(k) missing") }
                push(v, origin: k)
            case 0x85: push(.tuple([try pop()]))              // TUPLE1
            case 0x86: let b = try pop(); let a = try pop(); push(.tuple([a, b]))
            case 0x87: let c = try pop(); let b = try pop(); let a = try pop(); push(.tuple([a, b, c]))
            case 0x74: push(.tuple(try popMark()))            // TUPLE
            case 0x6c: push(.list(try popMark()))             // LIST
            case 0x61:                                                // APPEND
                let v = try pop()
                guard case var .list(l) = try pop() else { throw fail("APPEND to a non-list") }
                l.append(v); push(.list(l), origin: lastOrigin)
            case 0x65:                                                // APPENDS
                let items = try popMark()
                guard case var .list(l) = try pop() else { throw fail("APPENDS to a non-list") }
                l += items; push(.list(l), origin: lastOrigin)
            case 0x73:                                                // SETITEM
                let v = try pop(), k = try pop()
                guard case var .dict(d) = try pop() else { throw fail("SETITEM on a non-dict") }
                d.append((k, v)); push(.dict(d), origin: lastOrigin)
            case 0x75:                                                // SETITEMS
                let items = try popMark()
                guard items.count % 2 == 0, case var .dict(d) = try pop() else { throw fail("bad SETITEMS") }
                for i in stride(from: 0, to: items.count, by: 2) { d.append((items[i], items[i + 1])) }
                push(.dict(d), origin: lastOrigin)
            case 0x63:                                                // GLOBAL
                let name = "\(try line()).\(try line())"
                guard Self.allowedGlobals.contains(name) else { throw fail("refused global \(name)") }
                push(.global(name))
            case 0x93:                                                // STACK_GLOBAL
                guard case let .string(n) = try pop(), case let .string(m) = try pop() else { throw fail("bad STACK_GLOBAL") }
                guard Self.allowedGlobals.contains("\(m).\(n)") else { throw fail("refused global \(m).\(n)") }
                push(.global("\(m).\(n)"))
            case 0x52:                                                // REDUCE
                let args = try pop(), f = try pop()
                push(try reduce(f, args))
            case 0x62:                                                // BUILD
                let state = try pop(), obj = try pop()
                push(try build(obj, state), origin: lastOrigin)
            default:
                throw fail(String(format: "unsupported opcode 0x%02x", op))
            }
            // Python mutates containers in place: refresh the memo entry of a mutated container.
            if [0x61, 0x65, 0x73, 0x75, 0x62].contains(op), let k = origins.last ?? nil { memo[k] = stack.last }
        }
    }

    func reduce(_ f: PickleValue, _ args: PickleValue) throws -> PickleValue {
        guard case let .global(name) = f, case let .tuple(a) = args else { throw fail("REDUCE of a non-global") }
        switch name {
        case let n where n.hasSuffix("._reconstruct"): return .array(shape: [0], values: [], objects: nil)
        case "numpy.dtype":
            guard case let .string(t)? = a.first else { throw fail("dtype without a type string") }
            return .dtype(t)
        case "_codecs.encode":
            guard case let .string(s)? = a.first else { throw fail("bad _codecs.encode") }
            return .bytes(s.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) })  // latin1
        default: throw fail("cannot call \(name)")
        }
    }

    func build(_ obj: PickleValue, _ state: PickleValue) throws -> PickleValue {
        switch obj {
        case .dtype: return obj
        case .array:
            // state = (version, shape, dtype, is_fortran, data)
            guard case let .tuple(s) = state, s.count == 5, case let .tuple(shapeV) = s[1], case let .dtype(dt) = s[2] else {
                throw fail("unexpected ndarray state")
            }
            let shape = try shapeV.map { v -> Int in guard case let .int(i) = v else { throw fail("bad shape") }; return i }
            let n = shape.reduce(1, *)
            if case .bool(true) = s[3], shape.count > 1 { throw fail("Fortran-ordered arrays are not supported") }
            if dt.hasPrefix("O") {
                guard case let .list(items) = s[4], items.count == n else { throw fail("object array without its \(n) items") }
                return .array(shape: shape, values: [], objects: items)
            }
            guard case let .bytes(raw) = s[4] else { throw fail("array data is not bytes") }
            let size: Int
            switch dt { case "f4", "i4": size = 4; case "f8", "i8": size = 8; case "u1", "b1", "i1": size = 1; case "f2": size = 2
            default: throw fail("unsupported dtype \(dt)") }
            guard raw.count == n * size else { throw fail("array of shape \(shape) dtype \(dt) has \(raw.count) bytes") }
            var v = [Float](repeating: 0, count: n)
            raw.withUnsafeBytes { p in
                for i in 0..<n {
                    switch dt {
                    case "f4": v[i] = p.loadUnaligned(fromByteOffset: i * 4, as: Float.self)
                    case "f8": v[i] = Float(p.loadUnaligned(fromByteOffset: i * 8, as: Double.self))
                    case "i4": v[i] = Float(p.loadUnaligned(fromByteOffset: i * 4, as: Int32.self))
                    case "i8": v[i] = Float(p.loadUnaligned(fromByteOffset: i * 8, as: Int64.self))
                    case "i1": v[i] = Float(Int8(bitPattern: p[i]))
                    case "f2": v[i] = Float(p.loadUnaligned(fromByteOffset: i * 2, as: Float16.self))
                    default: v[i] = Float(p[i])
                    }
                }
            }
            return .array(shape: shape, values: v, objects: nil)
        default: throw fail("BUILD on an unsupported object")
        }
    }
}

/// MMSA dataset pickles: {train, valid, test} → {raw_text, id, audio, vision, text, text_bert,
/// audio_lengths, vision_lengths, regression_labels, …}.
public enum MMSAPickle {
    public static func read(_ url: URL, textKey: String = "text") throws -> DatasetSplits {
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw ModelError.badData(source: url.path, reason: "cannot read: \(error.localizedDescription)") }
        var u = Unpickler(data: data, source: url.path)
        return try splits(u.load(), source: url.path, textKey: textKey)
    }

    public static func splits(_ root: PickleValue, source: String, textKey: String = "text") throws -> DatasetSplits {
        func err(_ r: String) -> ModelError { .badData(source: source, reason: r) }
        var d = DatasetSplits()
        for name in ["train", "valid", "test"] {
            guard let s = root[name] else { throw err("missing key '\(name)'") }
            func array(_ k: String) throws -> (shape: [Int], values: [Float], objects: [PickleValue]?) {
                guard let v = s[k] else { throw err("\(name) lacks key '\(k)'") }
                if case let .list(items) = v {  // e.g. lengths stored as a Python list of ints
                    let nums = try items.map { x -> Float in
                        switch x { case let .int(i): return Float(i); case let .float(f): return Float(f)
                        default: throw err("\(name).\(k) is a list of non-numbers") }
                    }
                    return ([nums.count], nums, nil)
                }
                guard case let .array(shape, values, objects) = v else { throw err("\(name).\(k) is not a numpy array") }
                return (shape, values, objects)
            }
            let y = try array("regression_labels")
            let n = y.shape.first ?? 0
            guard y.values.count == n else { throw err("\(name).regression_labels has shape \(y.shape), expected [N] or [N, 1]") }
            var out = SplitData()
            out.labels = y.values
            if let (_, _, ids) = try? array("id"), let ids { out.ids = ids.map { if case let .string(s) = $0 { s } else { "" } } }
            else { out.ids = (0..<n).map { "\(name)-\($0)" } }
            if let (_, _, texts) = try? array("raw_text"), let texts { out.texts = texts.map { if case let .string(s) = $0 { s } else { "" } } }
            func seq(_ k: String, _ lk: String) throws -> [Tensor] {
                let x = try array(k)
                guard x.shape.count == 3, x.shape[0] == n else { throw err("\(name).\(k) has shape \(x.shape), expected [\(n), T, d]") }
                let (T, dd) = (x.shape[1], x.shape[2])
                var lengths = [Int](repeating: T, count: n)
                if s[lk] != nil {
                    let l = try array(lk)
                    guard l.values.count == n else { throw err("\(name).\(lk) has \(l.values.count) entries, expected \(n)") }
                    lengths = l.values.map { max(1, min(T, Int($0))) }
                }
                return (0..<n).map { i in Tensor(shape: [lengths[i], dd], data: Array(x.values[(i * T * dd)..<(i * T * dd + lengths[i] * dd)])) }
            }
            out.audio = try seq("audio", "audio_lengths")
            out.visual = try seq("vision", "vision_lengths")
            // `text` (GloVe, [N, L, 300]) is mean-pooled over its non-zero rows as F_t when asked.
            if textKey == "text", s["text"] != nil {
                let x = try array("text")
                guard x.shape.count == 3, x.shape[0] == n else { throw err("\(name).text has shape \(x.shape), expected [\(n), L, d]") }
                let (L, dd) = (x.shape[1], x.shape[2])
                var f = [Float](repeating: 0, count: n * dd)
                for i in 0..<n {
                    var cnt: Float = 0
                    for t in 0..<L {
                        let row = x.values[(i * L * dd + t * dd)..<(i * L * dd + (t + 1) * dd)]
                        if row.contains(where: { $0 != 0 }) { cnt += 1; for k in 0..<dd { f[i * dd + k] += row[row.startIndex + k] } }
                    }
                    if cnt > 0 { for k in 0..<dd { f[i * dd + k] /= cnt } }
                }
                out.textFeatures = Tensor(shape: [n, dd], data: f)
            }
            switch name { case "train": d.train = out; case "valid": d.valid = out; default: d.test = out }
        }
        return d
    }
}
