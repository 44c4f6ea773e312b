import Foundation
import Testing
@testable import Tensor

let tensorFixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

@Suite("Layers and optimisers against PyTorch")
struct ReferenceTests {
    @Test("LSTM over padded sequences matches torch.nn.LSTM with packed sequences")
    func lstmMatchesTorch() throws {
        let st = try SafetensorsFile(contentsOf: tensorFixtures.appendingPathComponent("lstm_reference.safetensors"))
        var rng = SeededRNG(seed: 0)
        let lstm = LSTM("lstm", inputSize: 3, hiddenSize: 4, rng: &rng)
        lstm.weightIH.value = try st.tensor("weight_ih", shape: [16, 3])
        lstm.weightHH.value = try st.tensor("weight_hh", shape: [16, 4])
        lstm.biasIH.value = try st.tensor("bias_ih", shape: [16])
        lstm.biasHH.value = try st.tensor("bias_hh", shape: [16])
        let lengths = try st.tensor("lengths").data.map { Int($0) }
        #expect(lengths == [5, 2, 3])
        let (last, outputs) = lstm(Var(try st.tensor("x")), lengths: lengths)
        let e1 = last.value.maxAbsDifference(try st.tensor("h_n", shape: [3, 4]))
        let e2 = outputs.value.maxAbsDifference(try st.tensor("outputs", shape: [3, 5, 4]))
        print("LSTM vs torch: h_n max abs \(e1), outputs max abs \(e2)")
        #expect(e1 < 1e-6)
        #expect(e2 < 1e-6)
    }

    @Test("Adam, AdamW and gradient clipping match torch.optim")
    func optimisersMatchTorch() throws {
        let st = try SafetensorsFile(contentsOf: tensorFixtures.appendingPathComponent("adam_reference.safetensors"))
        let p0 = try st.tensor("p0"), grads = try st.tensor("grads", shape: [3, 6])
        for (name, decoupled, wd) in [("adam", false, Float(0.01)), ("adamw", true, Float(0.1))] {
            let p = Parameter("p", p0)
            let opt = Adam(groups: [ParameterGroup([p], learningRate: 0.05, weightDecay: wd)], decoupled: decoupled)
            for s in 0..<3 {
                p.grad = Tensor(shape: [6], data: Array(grads.data[(s * 6)..<(s * 6 + 6)]))
                opt.update()
            }
            let err = p.value.maxAbsDifference(try st.tensor(name))
            print("\(name) vs torch after 3 steps: max abs \(err)")
            #expect(err < 1e-6, "\(name)")
        }
        let a = Parameter("a", .zeros([6])), b = Parameter("b", .zeros([6]))
        a.grad = Tensor(shape: [6], data: Array(grads.data[0..<6]))
        b.grad = Tensor(shape: [6], data: Array(grads.data[6..<12]))
        let norm = clipGradientNorm([a, b], maxNorm: 1)
        #expect(abs(norm - (try st.tensor("clip_norm")).scalar) < 1e-5)
        #expect(a.grad!.maxAbsDifference(try st.tensor("clipped_a")) < 1e-6)
        #expect(b.grad!.maxAbsDifference(try st.tensor("clipped_b")) < 1e-6)
    }

    @Test("Parameter groups use their own learning rates; parameters without gradient stay put")
    func parameterGroups() {
        let a = Parameter("a", .ones([2])), b = Parameter("b", .ones([2])), c = Parameter("c", .ones([2]))
        let opt = Adam(groups: [ParameterGroup([a], learningRate: 0.1), ParameterGroup([b, c], learningRate: 0.001)])
        a.grad = .ones([2]); b.grad = .ones([2])
        opt.update()
        // First Adam step moves by lr·sign(g) (up to eps).
        #expect(abs(a.value.data[0] - 0.9) < 1e-6)
        #expect(abs(b.value.data[0] - 0.999) < 1e-6)
        #expect(c.value.data == [1, 1])
    }

    @Test("Training a Linear layer with Adam reduces a regression loss")
    func training() {
        var rng = SeededRNG(seed: 5)
        let lin = Linear("fit", inFeatures: 3, outFeatures: 1, rng: &rng)
        let x = Tensor.randomNormal([16, 3], using: &rng)
        let y = Kernels.matmul(x, Tensor(shape: [3, 1], data: [1, -2, 0.5]))
        let opt = Adam(groups: [ParameterGroup(lin.parameters, learningRate: 0.1)])
        var losses: [Float] = []
        for _ in 0..<100 {
            let tape = Tape()
            let loss = (lin(Var(x), tape: tape) - Var(y)).squared().mean()
            losses.append(loss.value.scalar)
            opt.zeroGrad()
            tape.backward(loss)
            opt.update()
        }
        #expect(losses.last! < losses.first! * 0.01)
    }

    @Test("Seeded RNG is reproducible and roughly standard normal")
    func rng() {
        var a = SeededRNG(seed: 42), b = SeededRNG(seed: 42), c = SeededRNG(seed: 43)
        let x = (0..<4).map { _ in a.next() }
        #expect(x == (0..<4).map { _ in b.next() })
        #expect(x != (0..<4).map { _ in c.next() })
        let n = Tensor.randomNormal([20_000], using: &a)
        let mean = n.data.reduce(0, +) / Float(n.count)
        let variance = n.data.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(n.count)
        #expect(abs(mean) < 0.03)
        #expect(abs(variance - 1) < 0.05)
    }

    @Test("Broadcasting, softmax and reductions give known values")
    func forwardValues() {
        let a = Var(Tensor(shape: [2, 2], data: [1, 2, 3, 4]))
        #expect((a + Var(Tensor(shape: [2], data: [10, 20]))).value.data == [11, 22, 13, 24])
        #expect((a * Var(Tensor(shape: [2, 1], data: [2, 3]))).value.data == [2, 4, 9, 12])
        #expect(a.sum(axis: 0).value.data == [4, 6])
        #expect(a.mean(axis: 1).value.data == [1.5, 3.5])
        let s = Var(Tensor(shape: [1, 3], data: [0, 0, log(2)])).softmax().value.data
        #expect(abs(s[0] - 0.25) < 1e-6 && abs(s[2] - 0.5) < 1e-6)
        #expect(matmul(a, a).value.data == [7, 10, 15, 22])
        #expect(concat([a, a], axis: 1).value.data == [1, 2, 1, 2, 3, 4, 3, 4])
        #expect(a.transposed().value.data == [1, 3, 2, 4])
        #expect(abs(Var(Tensor(1)).gelu().value.scalar - 0.8413447) < 1e-6)
    }
}
