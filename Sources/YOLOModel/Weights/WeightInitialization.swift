#if canImport(Glibc)
import Glibc
#endif
import TensorCore

/// A small deterministic generator (SplitMix64) so initial weights depend only on the seed.
public struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension Network {
    /// Fresh weights as PyTorch initialises them (convolutions uniform in ±1/√fan_in, which is
    /// kaiming_uniform with a = √5; BatchNorm γ = 1, β = 0), then Ultralytics' Detect bias prior:
    /// objectness += log(8 / (640/s)²), classes += log(0.6 / (nc − 0.99)).
    public func initializeWeights(seed: UInt64) {
        var generator = SplitMix64(seed: seed)
        for slot in tensorSlots {
            guard let conv = slot.owner as? Conv2d else { continue }
            let fanIn = Float(conv.inputChannels / conv.groups * conv.kernelSize * conv.kernelSize)
            let bound = 1 / fanIn.squareRoot()
            let local = String(slot.name.split(separator: ".").last!)
            let values = (0..<slot.spec.elementCount).map { _ in Float.random(in: -bound...bound, using: &generator) }
            conv.setTensorValue(local, Tensor(shape: slot.spec.shape, values: values))
        }
        guard let detect else { return }
        for (level, head) in detect.heads.enumerated() {
            guard var bias = head.bias else { continue }
            let stride = Float(detect.strides[level])
            let perAnchor = detect.outputsPerAnchor
            for a in 0..<detect.anchorsPerLevel {
                bias.storage[a * perAnchor + 4] += logf(8 / ((640 / stride) * (640 / stride)))
                for c in 0..<detect.classCount {
                    bias.storage[a * perAnchor + 5 + c] += logf(0.6 / (Float(detect.classCount) - 0.99))
                }
            }
            head.bias = bias
        }
    }
}
