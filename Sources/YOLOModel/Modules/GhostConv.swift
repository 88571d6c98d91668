import TensorCore
import YOLOConfig

/// Ultralytics' `GhostConv`: a Conv to c2/2 and a cheap 5×5 depthwise Conv of that, concatenated.
public final class GhostConv: Module {
    public let cv1: ConvBlock
    public let cv2: ConvBlock

    public init(_ c1: Int, _ c2: Int, kernelSize: Int = 1, stride: Int = 1, groups: Int = 1,
                activation: (any Module)?) throws {
        let hidden = c2 / 2
        cv1 = try ConvBlock(c1, hidden, kernelSize: kernelSize, stride: stride, groups: groups, activation: activation)
        cv2 = try ConvBlock(hidden, hidden, kernelSize: 5, stride: 1, groups: hidden, activation: activation)
    }

    public var typeName: String { "models.common.GhostConv" }

    public var children: [(name: String, module: any Module)] { [("cv1", cv1), ("cv2", cv2)] }

    public func forward(_ inputs: [Tensor]) throws -> Tensor {
        let y = try cv1.forward(inputs)
        return ChannelOps.concatenate([y, try cv2.forward([y])])
    }

    public func trainingForward(_ inputs: [Tensor]) throws -> Tensor {
        let y = try cv1.trainingForward(inputs)
        return ChannelOps.concatenate([y, try cv2.trainingForward([y])])
    }

    public func backward(_ outputGradient: Tensor) throws -> [Tensor] {
        let half = outputGradient.shape[1] / 2
        let halves = ChannelOps.split(outputGradient, channelCounts: [half, half])
        var dy = halves[0]
        ChannelOps.addInPlace(&dy, try cv2.backward(halves[1])[0])  // y feeds the output and cv2
        return try cv1.backward(dy)
    }

    public func outputShape(for inputs: [FeatureShape], flops: inout FLOPCounter) throws -> FeatureShape {
        let primary = try cv1.outputShape(for: inputs, flops: &flops)
        let cheap = try cv2.outputShape(for: [primary], flops: &flops)
        return try concatenate([primary, cheap])
    }
}

/// `GhostConv(c1, c2, k=1, s=1, g=1, act=True)`.
public enum GhostConvKind: ModuleKind {
    public static let yamlName = "GhostConv"

    public static func plan(_ row: RowContext) throws -> ModulePlan {
        try row.expectAtMost(5, "[c2, k, s, g, act]")
        let (c1, c2, printed) = try row.convFamilyChannels()
        let k = try row.int(1, "kernel size", default: 1)
        let s = try row.int(2, "stride", default: 1)
        let g = try row.int(3, "groups", default: 1)
        let act = try row.bool(4, "act", default: true)
        let shared = row.defaultActivation
        // GhostConv outputs 2·(c2/2) channels, which differs from c2 when c2 is odd.
        return ModulePlan(outputChannels: 2 * (c2 / 2), printedArguments: printed) {
            try GhostConv(c1, c2, kernelSize: k, stride: s, groups: g, activation: act ? shared : nil)
        }
    }
}
