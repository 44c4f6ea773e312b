import Foundation

// Reverse-mode automatic differentiation on a tape.
//
// A `Tape` records, for every differentiable result, the ids of its inputs and a closure
// that maps the result's gradient to its inputs' gradients. Values are `Tensor`s (value
// types), so closures capture immutable copies and nothing is shared mutably. A `Var`
// without a tape is a plain value: every op on it only computes (the no-grad path used for
// inference), so the same layer code serves training and fast inference.
//
// A tape belongs to one training step on one task; it is deliberately not Sendable.

/// A trainable tensor with its accumulated gradient. Shared by reference between a model,
/// tapes and an optimiser; a lock guards its two fields, so models built from parameters
/// are Sendable (inference may run from any task). Reads return value copies (copy on write).
public final class Parameter: @unchecked Sendable {
    public let name: String
    private let lock = NSLock()
    private var _value: Tensor
    private var _grad: Tensor?
    /// `value` of a rank-2 weight transposed, made on first use by inference and dropped
    /// whenever `value` changes.
    private var _transposed: Tensor?

    public init(_ name: String, _ value: Tensor) {
        self.name = name
        self._value = value
    }

    public var value: Tensor {
        get { lock.withLock { _value } }
        set { lock.withLock { _value = newValue; _transposed = nil } }
    }

    /// The rank-2 value [rows, columns] as [columns, rows], cached until the value changes.
    /// Inference multiplies by it untransposed: OpenBLAS packs an untransposed right-hand
    /// matrix faster than a transposed one (the encoder's linear layers run 1.1–1.8× faster).
    public var transposedValue: Tensor {
        lock.withLock {
            if let t = _transposed { return t }
            precondition(_value.rank == 2, "transposedValue of \(name): rank \(_value.rank), needs 2")
            let (r, c) = (_value.shape[0], _value.shape[1])
            var out = [Float](repeating: 0, count: r * c)
            _value.data.withUnsafeBufferPointer { p in
                out.withUnsafeMutableBufferPointer { o in
                    for i in 0..<r { for j in 0..<c { o[j * r + i] = p[i * c + j] } }
                }
            }
            let t = Tensor(shape: [c, r], data: out)
            _transposed = t
            return t
        }
    }

    /// Sum of gradients from `Tape.backward` calls since the last `zeroGrad()`.
    public var grad: Tensor? {
        get { lock.withLock { _grad } }
        set { lock.withLock { _grad = newValue } }
    }

    public func zeroGrad() { grad = nil }

    /// Mutates value and gradient in place under the lock (used by optimisers).
    public func update(_ body: (inout Tensor, Tensor?) -> Void) {
        lock.withLock { body(&_value, _grad); _transposed = nil }
    }

    func accumulate(_ g: Tensor) {
        lock.withLock {
            if var acc = _grad {
                _grad = nil
                acc.data.withUnsafeMutableBufferPointer { a in
                    g.data.withUnsafeBufferPointer { b in
                        for i in 0..<a.count { a[i] += b[i] }
                    }
                }
                _grad = acc
            } else {
                _grad = g
            }
        }
    }
}

/// Records operations for one backward pass.
public final class Tape {
    struct Node {
        let inputs: [Int]
        let backward: (Tensor) -> [Tensor?]
    }

    var nodes: [Node?] = []
    var shapes: [[Int]] = []
    var leafParameters: [Int: Parameter] = [:]
    var parameterNodes: [ObjectIdentifier: Int] = [:]

    public init() {}

    /// Number of recorded values (leaves and results).
    public var count: Int { nodes.count }

    /// A differentiable leaf for `parameter`; reused if the parameter was already watched.
    public func watch(_ parameter: Parameter) -> Var {
        let key = ObjectIdentifier(parameter)
        if let id = parameterNodes[key] { return Var(parameter.value, id: id, tape: self) }
        let id = appendLeaf(shape: parameter.value.shape)
        leafParameters[id] = parameter
        parameterNodes[key] = id
        return Var(parameter.value, id: id, tape: self)
    }

    /// A differentiable leaf that is not a parameter (its gradient is returned by `gradients`).
    public func input(_ value: Tensor) -> Var {
        Var(value, id: appendLeaf(shape: value.shape), tape: self)
    }

    func appendLeaf(shape: [Int]) -> Int {
        nodes.append(nil)
        shapes.append(shape)
        return nodes.count - 1
    }

    func record(_ value: Tensor, inputs: [Int], backward: @escaping (Tensor) -> [Tensor?]) -> Var {
        nodes.append(Node(inputs: inputs, backward: backward))
        shapes.append(value.shape)
        return Var(value, id: nodes.count - 1, tape: self)
    }

    /// Back-propagates from `output` (seed gradient: ones, or `seed`), adds the gradients of
    /// watched parameters to their `grad`, and returns the gradients indexed by `Var.id`: kept
    /// for leaves (`input`, `watch`) and `output`, nil for intermediate results (freed as soon
    /// as they have been propagated) and where no gradient flows.
    @discardableResult
    public func backward(_ output: Var, seed: Tensor? = nil) -> [Tensor?] {
        precondition(output.tape === self && output.id >= 0, "backward on a value not recorded on this tape")
        var grads = [Tensor?](repeating: nil, count: nodes.count)
        grads[output.id] = seed ?? Tensor.ones(output.value.shape)
        for i in stride(from: output.id, through: 0, by: -1) {
            guard let g = grads[i], let node = nodes[i] else { continue }
            let gs = node.backward(g)
            for (k, inputID) in node.inputs.enumerated() where inputID >= 0 {
                guard let gi = gs[k] else { continue }
                if let prev = grads[inputID] {
                    grads[inputID] = Kernels.add(prev, gi)
                } else {
                    grads[inputID] = gi
                }
            }
            if i != output.id { grads[i] = nil }  // free intermediate gradients early
        }
        for (id, p) in leafParameters { if let g = grads[id] { p.accumulate(g) } }
        return grads
    }
}

/// A tensor value, optionally recorded on a tape. Without a tape (or with `id < 0`) it is a
/// constant and ops on it do no bookkeeping.
public struct Var {
    public let value: Tensor
    public let id: Int
    public let tape: Tape?

    init(_ value: Tensor, id: Int, tape: Tape?) {
        self.value = value
        self.id = id
        self.tape = tape
    }

    /// A constant (never differentiated).
    public init(_ value: Tensor) { self.init(value, id: -1, tape: nil) }

    public var shape: [Int] { value.shape }
    public var requiresGrad: Bool { tape != nil && id >= 0 }
}

extension Parameter {
    /// The parameter as a value on `tape`, or as a constant when `tape` is nil (inference).
    public func on(_ tape: Tape?) -> Var {
        if let tape { return tape.watch(self) }
        return Var(value)
    }
}

/// Records `value` as a result of `inputs` if any of them is differentiable.
@inline(__always)
func makeResult(_ value: Tensor, _ inputs: [Var], backward: @escaping (Tensor) -> [Tensor?]) -> Var {
    var tape: Tape?
    for x in inputs where x.requiresGrad {
        if let t = tape { precondition(t === x.tape!, "values from two different tapes combined") }
        tape = x.tape
    }
    guard let tape else { return Var(value) }
    return tape.record(value, inputs: inputs.map { $0.requiresGrad ? $0.id : -1 }, backward: backward)
}
