import TensorCore
import YOLOConfig

/// Ultralytics' `Concat` along the channel dimension of the rows named in `from`.
public final class Concat: Module {
    public init() {}

    public var typeName: String { "models.common.Concat" }

    public func forward(_ inputs: [Tensor]) throws -> Tensor {
        guard let first = inputs.first else { throw ShapeError("Concat needs inputs") }
        for x in inputs where x.shape[0] != first.shape[0] || x.shape[2] != first.shape[2] || x.shape[3] != first.shape[3] {
            throw ShapeError("cannot concatenate \(inputs.map(\.shape)): sizes differ (input size not a multiple of the stride?)")
        }
        return ChannelOps.concatenate(inputs)
    }

    private var savedChannelCounts: [Int]?

    public func trainingForward(_ inputs: [Tensor]) throws -> Tensor {
        let output = try forward(inputs)
        savedChannelCounts = inputs.map { $0.shape[1] }
        return output
    }

    public func backward(_ outputGradient: Tensor) throws -> [Tensor] {
        let counts = try saved(savedChannelCounts, "input channel counts")
        savedChannelCounts = nil
        return ChannelOps.split(outputGradient, channelCounts: counts)
    }

    public func outputShape(for inputs: [FeatureShape], flops: inout FLOPCounter) throws -> FeatureShape {
        try concatenate(inputs)
    }
}

/// `Concat(dimension=1)`; only the channel dimension makes sense for NCHW feature maps.
public enum ConcatKind: ModuleKind {
    public static let yamlName = "Concat"

    public static func plan(_ row: RowContext) throws -> ModulePlan {
        try row.expectAtMost(1, "[dimension]")
        let dimension = try row.int(0, "dimension", default: 1)
        guard dimension == 1 else {
            throw row.error("only concatenation along channels (dimension 1) is supported, found \(dimension)", argument: 0)
        }
        return ModulePlan(outputChannels: row.inputChannels.reduce(0, +),
                          printedArguments: row.arguments.map(\.value)) { Concat() }
    }
}
