import TensorCore
import YOLOConfig

/// Ultralytics' `GhostBottleneck` (GhostNet): GhostConv → (depthwise Conv when strided) →
/// GhostConv without activation, plus a shortcut (identity, or depthwise + 1×1 Conv when strided).
public final class GhostBottleneck: Module {
    public let conv: Sequential
    public let shortcut: any Module

    public init(_ c1: Int, _ c2: Int, kernelSize: Int = 3, stride: Int = 1, activation: any Module) throws {
        let hidden = c2 / 2
        let strided = stride == 2
        conv = Sequential([
            try GhostConv(c1, hidden, kernelSize: 1, stride: 1, activation: activation),
            strided ? try makeDWConv(hidden, hidden, kernelSize: kernelSize, stride: stride, activation: nil) : Identity(),
            try GhostConv(hidden, c2, kernelSize: 1, stride: 1, activation: nil),
        ])
        shortcut = strided
            ? Sequential([
                try makeDWConv(c1, c1, kernelSize: kernelSize, stride: stride, activation: nil),
                try ConvBlock(c1, c2, kernelSize: 1, stride: 1, activation: nil),
            ])
            : Identity()
    }

    public var typeName: String { "models.common.GhostBottleneck" }

    public var children: [(name: String, module: any Module)] { [("conv", conv), ("shortcut", shortcut)] }

    public func forward(_ inputs: [Tensor]) throws -> Tensor {
        var main = try conv.forward(inputs)
        ChannelOps.addInPlace(&main, try shortcut.forward(inputs))
        return main
    }

    public func trainingForward(_ inputs: [Tensor]) throws -> Tensor {
        var main = try conv.trainingForward(inputs)
        ChannelOps.addInPlace(&main, try shortcut.trainingForward(inputs))
        return main
    }

    public func backward(_ outputGradient: Tensor) throws -> [Tensor] {
        var dx = try conv.backward(outputGradient)[0]
        ChannelOps.addInPlace(&dx, try shortcut.backward(outputGradient)[0])
        return [dx]
    }

    public func outputShape(for inputs: [FeatureShape], flops: inout FLOPCounter) throws -> FeatureShape {
        let main = try conv.outputShape(for: inputs, flops: &flops)
        let side = try shortcut.outputShape(for: inputs, flops: &flops)
        guard main == side else {
            throw ShapeError("GhostBottleneck adds branches of different shapes \(main) and \(side); "
                             + "with stride 1 the input and output channels must be equal")
        }
        return main
    }
}

/// `GhostBottleneck(c1, c2, k=3, s=1)`.
public enum GhostBottleneckKind: ModuleKind {
    public static let yamlName = "GhostBottleneck"

    public static func plan(_ row: RowContext) throws -> ModulePlan {
        try row.expectAtMost(3, "[c2, k, s]")
        let (c1, c2, printed) = try row.convFamilyChannels()
        let k = try row.int(1, "kernel size", default: 3)
        let s = try row.int(2, "stride", default: 1)
        let shared = row.defaultActivation
        return ModulePlan(outputChannels: c2, printedArguments: printed) {
            try GhostBottleneck(c1, c2, kernelSize: k, stride: s, activation: shared)
        }
    }
}
