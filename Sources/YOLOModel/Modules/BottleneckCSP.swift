import TensorCore
import YOLOConfig

/// Ultralytics' `BottleneckCSP` (CSPNet): a Conv + bottlenecks + plain 1×1 branch, concatenated,
/// batch-normalised and activated with its own SiLU, then fused by a Conv.
public final class BottleneckCSP: Module {
    public let cv1: ConvBlock
    public let cv2: Conv2d
    public let cv3: Conv2d
    public let cv4: ConvBlock
    public let bn: BatchNorm2d
    /// A SiLU of its own, not the model's default activation (as in Ultralytics).
    public let act: Activation
    public let m: Sequential

    public init(_ c1: Int, _ c2: Int, repeats: Int, shortcut: Bool, groups: Int, expansion: Double,
                activation: any Module) throws {
        let hidden = Int(Double(c2) * expansion)
        cv1 = try ConvBlock(c1, hidden, activation: activation)
        cv2 = try Conv2d(c1, hidden, kernelSize: 1, bias: false)
        cv3 = try Conv2d(hidden, hidden, kernelSize: 1, bias: false)
        cv4 = try ConvBlock(2 * hidden, c2, activation: activation)
        bn = BatchNorm2d(2 * hidden)
        act = Activation(.silu)
        m = Sequential(try (0..<repeats).map { _ in
            try Bottleneck(hidden, hidden, shortcut: shortcut, groups: groups, expansion: 1.0, activation: activation)
        })
    }

    public var typeName: String { "models.common.BottleneckCSP" }

    public var children: [(name: String, module: any Module)] {
        [("cv1", cv1), ("cv2", cv2), ("cv3", cv3), ("cv4", cv4), ("bn", bn), ("act", act), ("m", m)]
    }

    public func forward(_ inputs: [Tensor]) throws -> Tensor {
        let x = try singleTensor(inputs)
        let y1 = try cv3.forward([try m.forward([try cv1.forward([x])])])
        let y2 = try cv2.forward([x])
        return try cv4.forward([try bn.forward(ChannelOps.concatenate([y1, y2]), activation: act.function)])
    }

    public func trainingForward(_ inputs: [Tensor]) throws -> Tensor {
        let x = try singleTensor(inputs)
        let y1 = try cv3.trainingForward([try m.trainingForward([try cv1.trainingForward([x])])])
        let y2 = try cv2.trainingForward([x])
        let normalised = try act.trainingForward([try bn.trainingForward(ChannelOps.concatenate([y1, y2]))])
        return try cv4.trainingForward([normalised])
    }

    public func backward(_ outputGradient: Tensor) throws -> [Tensor] {
        let dJoined = try bn.backward(try act.backward(try cv4.backward(outputGradient)[0])[0])[0]
        let hidden = cv2.outputChannels
        let halves = ChannelOps.split(dJoined, channelCounts: [hidden, hidden])
        var dx = try cv1.backward(try m.backward(try cv3.backward(halves[0])[0])[0])[0]
        ChannelOps.addInPlace(&dx, try cv2.backward(halves[1])[0])
        return [dx]
    }

    public func outputShape(for inputs: [FeatureShape], flops: inout FLOPCounter) throws -> FeatureShape {
        let y1 = try cv3.outputShape(for: [try m.outputShape(for: [try cv1.outputShape(for: inputs, flops: &flops)],
                                                             flops: &flops)], flops: &flops)
        let y2 = try cv2.outputShape(for: inputs, flops: &flops)
        let joined = try concatenate([y1, y2])
        let normalised = try act.outputShape(for: [try bn.outputShape(for: [joined], flops: &flops)], flops: &flops)
        return try cv4.outputShape(for: [normalised], flops: &flops)
    }
}

/// `BottleneckCSP(c1, c2, n=1, shortcut=True, g=1, e=0.5)`.
public enum BottleneckCSPKind: ModuleKind {
    public static let yamlName = "BottleneckCSP"

    public static func plan(_ row: RowContext) throws -> ModulePlan {
        let a = try C3FamilyArguments(row)
        let shared = row.defaultActivation
        return ModulePlan(outputChannels: a.c2, printedArguments: a.printed, consumesRepeats: true) {
            try BottleneckCSP(a.c1, a.c2, repeats: a.repeats, shortcut: a.shortcut, groups: a.groups,
                              expansion: a.expansion, activation: shared)
        }
    }
}
