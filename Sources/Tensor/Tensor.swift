// Tensor: a Float32 array with a shape, stored contiguously in row-major order.
// A value type (copy on write through Swift's Array), so it is Sendable.

/// A dense Float32 tensor in row-major (C) order.
public struct Tensor: Sendable, Equatable, CustomStringConvertible {
    /// Extent of each axis; `[]` is a scalar.
    public private(set) var shape: [Int]
    /// Elements in row-major order; `data.count == shape.reduce(1, *)`.
    public var data: [Float]

    /// A tensor of `shape` holding `data`. Precondition: the counts agree.
    public init(shape: [Int], data: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative extent in shape \(shape)")
        precondition(shape.reduce(1, *) == data.count,
                     "shape \(shape) needs \(shape.reduce(1, *)) elements, got \(data.count)")
        self.shape = shape
        self.data = data
    }

    /// A tensor of `shape` with every element `value`.
    public init(repeating value: Float, shape: [Int]) {
        self.init(shape: shape, data: [Float](repeating: value, count: shape.reduce(1, *)))
    }

    /// A scalar.
    public init(_ value: Float) { self.init(shape: [], data: [value]) }

    public static func zeros(_ shape: [Int]) -> Tensor { Tensor(repeating: 0, shape: shape) }
    public static func ones(_ shape: [Int]) -> Tensor { Tensor(repeating: 1, shape: shape) }

    /// Standard-normal values times `std`, drawn from `rng`.
    public static func randomNormal(_ shape: [Int], std: Float = 1, using rng: inout SeededRNG) -> Tensor {
        let n = shape.reduce(1, *)
        var d = [Float](repeating: 0, count: n)
        for i in 0..<n { d[i] = rng.nextNormal() * std }
        return Tensor(shape: shape, data: d)
    }

    /// Uniform values in `[low, high)` drawn from `rng`.
    public static func randomUniform(_ shape: [Int], low: Float, high: Float, using rng: inout SeededRNG) -> Tensor {
        let n = shape.reduce(1, *)
        var d = [Float](repeating: 0, count: n)
        for i in 0..<n { d[i] = low + (high - low) * rng.nextFloat() }
        return Tensor(shape: shape, data: d)
    }

    public var count: Int { data.count }
    public var rank: Int { shape.count }

    /// The single element of a one-element tensor.
    public var scalar: Float {
        precondition(data.count == 1, "scalar of a tensor of shape \(shape)")
        return data[0]
    }

    /// The same elements viewed with another shape of equal element count.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var s = newShape
        if let i = s.firstIndex(of: -1) {
            let rest = s.enumerated().filter { $0.offset != i }.map(\.element).reduce(1, *)
            s[i] = rest == 0 ? 0 : count / rest
        }
        return Tensor(shape: s, data: data)
    }

    /// Row-major strides of `shape`.
    public static func strides(of shape: [Int]) -> [Int] {
        var s = [Int](repeating: 1, count: shape.count)
        var acc = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) { s[i] = acc; acc *= shape[i] }
        return s
    }

    /// Element at a multi-index.
    public subscript(_ index: Int...) -> Float {
        get { data[flatIndex(index)] }
        set { data[flatIndex(index)] = newValue }
    }

    func flatIndex(_ index: [Int]) -> Int {
        precondition(index.count == shape.count, "index \(index) for shape \(shape)")
        var f = 0
        for (i, v) in index.enumerated() { f = f * shape[i] + v }
        return f
    }

    /// Largest absolute elementwise difference to `other` (same element count).
    public func maxAbsDifference(_ other: Tensor) -> Float {
        precondition(count == other.count, "maxAbsDifference: \(shape) vs \(other.shape)")
        var m: Float = 0
        for i in 0..<count { m = Swift.max(m, abs(data[i] - other.data[i])) }
        return m
    }

    public var description: String {
        let head = data.prefix(8).map { String($0) }.joined(separator: ", ")
        return "Tensor(shape: \(shape), data: [\(head)\(count > 8 ? ", …" : "")])"
    }
}
