/// A cursor over bytes in dlib's serialization format (dlib/serialize.h):
/// integers are a control byte (low 4 bits: byte count, bit 7: negative) followed by that many
/// little-endian magnitude bytes; floats are an int64 mantissa and an int16 exponent
/// (value = mantissa * 2^exponent; exponents 32000/32001/32002 encode +inf, -inf, NaN).
struct DlibReader {
    let bytes: UnsafeRawBufferPointer
    let file: String
    var position = 0

    init(bytes: UnsafeRawBufferPointer, file: String) { self.bytes = bytes; self.file = file }

    func failure(_ what: String) -> VisionError {
        .invalidModel(file: file, reason: "\(what) at byte \(position) of \(bytes.count) (truncated or not a dlib shape_predictor file)")
    }

    @inline(__always) mutating func readInt() throws(VisionError) -> Int64 {
        guard position < bytes.count else { throw failure("file ends early") }
        let control = bytes[position]
        let size = Int(control & 0x0F)
        guard size >= 1, size <= 8, control & 0x70 == 0 else { throw failure("bad integer control byte \(control)") }
        guard position + 1 + size <= bytes.count else { throw failure("file ends inside an integer") }
        var magnitude: UInt64 = 0
        for i in 0..<size { magnitude |= UInt64(bytes[position + 1 + i]) << (8 * UInt64(i)) }
        position += 1 + size
        let value = Int64(bitPattern: magnitude)
        return control & 0x80 != 0 ? -value : value
    }

    mutating func readCount(_ what: String, limit: Int = 50_000_000) throws(VisionError) -> Int {
        let n = try readInt()
        guard n >= 0, n <= Int64(limit) else { throw failure("implausible \(what) \(n)") }
        return Int(n)
    }

    @inline(__always) mutating func readFloat() throws(VisionError) -> Float {
        guard position < bytes.count else { throw failure("file ends early") }
        guard bytes[position] & 0x70 == 0 else { throw failure("old ASCII float encoding is not supported") }
        let mantissa = try readInt()
        let exponent = try readInt()
        switch exponent {
        case 32000: return .infinity
        case 32001: return -.infinity
        case 32002: return .nan
        default:
            guard exponent >= -2000, exponent <= 2000 else { throw failure("bad float exponent \(exponent)") }
            return Float(Double(sign: .plus, exponent: Int(exponent), significand: Double(mantissa)))
        }
    }

    /// A dlib column vector (matrix<float,0,1>): rows and columns (negated in the current format), then values.
    mutating func readColumn(_ what: String) throws(VisionError) -> [Float] {
        let nr = abs(try readInt()), nc = abs(try readInt())
        guard nr * nc <= 10_000_000, nc == 1 || nr == 0 else { throw failure("\(what) is a \(nr)x\(nc) matrix, expected a column") }
        var out = [Float](repeating: 0, count: Int(nr * nc))
        for i in 0..<out.count { out[i] = try readFloat() }
        return out
    }
}
