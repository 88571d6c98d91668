import TensorCore
import YOLOConfig

/// Ultralytics' `Focus`: space-to-depth (four pixel phases stacked as channels) then a Conv.
public final class Focus: Module {
    public let conv: ConvBlock

    public init(_ c1: Int, _ c2: Int, kernelSize: Int, stride: Int, padding: Int?, groups: Int,
                activation: (any Module)?) throws {
        conv = try ConvBlock(4 * c1, c2, kernelSize: kernelSize, stride: stride, padding: padding, groups: groups,
                             activation: activation)
    }

    public var typeName: String { "models.common.Focus" }

    public var children: [(name: String, module: any Module)] { [("conv", conv)] }

    public func forward(_ inputs: [Tensor]) throws -> Tensor {
        let x = try singleTensor(inputs)
        guard x.shape[2] % 2 == 0, x.shape[3] % 2 == 0 else {
            throw ShapeError("Focus needs an even height and width, got \(x.shape[2])×\(x.shape[3])")
        }
        return try conv.forward([ChannelOps.focusSlices(x)])
    }

    public func trainingForward(_ inputs: [Tensor]) throws -> Tensor {
        let x = try singleTensor(inputs)
        guard x.shape[2] % 2 == 0, x.shape[3] % 2 == 0 else {
            throw ShapeError("Focus needs an even height and width, got \(x.shape[2])×\(x.shape[3])")
        }
        return try conv.trainingForward([ChannelOps.focusSlices(x)])
    }

    public func skipInputGradient() { conv.skipInputGradient() }

    public func backward(_ outputGradient: Tensor) throws -> [Tensor] {
        let stacked = try conv.backward(outputGradient)[0]
        // the first layer's input is the image batch, whose gradient nobody reads
        guard conv.conv.computesInputGradient else { return [stacked] }
        return [ChannelOps.focusSlicesBackward(stacked)]
    }

    public func outputShape(for inputs: [FeatureShape], flops: inout FLOPCounter) throws -> FeatureShape {
        let input = try singleInput(inputs)
        guard input.height % 2 == 0, input.width % 2 == 0 else {
            throw ShapeError("Focus needs an even height and width, got \(input.height)×\(input.width)")
        }
        let stacked = FeatureShape(channels: 4 * input.channels, height: input.height / 2, width: input.width / 2)
        return try conv.outputShape(for: [stacked], flops: &flops)
    }
}

/// `Focus(c1, c2, k=1, s=1, p=None, g=1, act=True)`.
public enum FocusKind: ModuleKind {
    public static let yamlName = "Focus"

    public static func plan(_ row: RowContext) throws -> ModulePlan {
        try row.expectAtMost(6, "[c2, k, s, p, g, act]")
        let (c1, c2, printed) = try row.convFamilyChannels()
        let k = try row.int(1, "kernel size", default: 1)
        let s = try row.int(2, "stride", default: 1)
        let p = try row.optionalInt(3, "padding")
        let g = try row.int(4, "groups", default: 1)
        let act = try row.bool(5, "act", default: true)
        let shared = row.defaultActivation
        return ModulePlan(outputChannels: c2, printedArguments: printed) {
            try Focus(c1, c2, kernelSize: k, stride: s, padding: p, groups: g, activation: act ? shared : nil)
        }
    }
}
