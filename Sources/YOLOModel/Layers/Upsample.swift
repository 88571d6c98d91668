import YOLOConfig
import TensorCore

/// `torch.nn.Upsample` by an integer scale factor, nearest neighbour.
public final class Upsample: Module {
    public let scaleFactor: Int

    public init(scaleFactor: Int) throws {
        guard scaleFactor > 0 else { throw ShapeError("upsampling scale factor must be a positive integer, got \(scaleFactor)") }
        self.scaleFactor = scaleFactor
    }

    public var typeName: String { "torch.nn.modules.upsampling.Upsample" }

    public func forward(_ inputs: [Tensor]) throws -> Tensor {
        NearestUpsample.forward(try singleTensor(inputs), factor: scaleFactor)
    }

    public func trainingForward(_ inputs: [Tensor]) throws -> Tensor { try forward(inputs) }

    public func backward(_ outputGradient: Tensor) throws -> [Tensor] {
        [NearestUpsample.backward(outputGradient, factor: scaleFactor)]
    }

    public func outputShape(for inputs: [FeatureShape], flops: inout FLOPCounter) throws -> FeatureShape {
        let input = try singleInput(inputs)
        // Ultralytics' profiler (ultralytics-thop) counts no operations for upsampling.
        return FeatureShape(channels: input.channels, height: input.height * scaleFactor,
                            width: input.width * scaleFactor)
    }
}

/// `nn.Upsample(size=None, scale_factor=None, mode='nearest')`; nearest with an integer factor.
public enum UpsampleKind: ModuleKind {
    public static let yamlName = "nn.Upsample"

    public static func plan(_ row: RowContext) throws -> ModulePlan {
        try row.expectAtMost(3, "[size, scale_factor, mode]")
        let c1 = try row.singleInputChannels()
        if row.hasArgument(0) {
            throw row.error("a fixed output size is not supported; use size None and a scale factor", argument: 0)
        }
        let factor = try row.number(1, "scale_factor", default: .nan)
        guard factor.isFinite, factor > 0, factor == factor.rounded() else {
            throw row.error("scale_factor must be a positive integer", argument: 1)
        }
        if row.arguments.count > 2 {
            guard case .string("nearest") = row.arguments[2].value else {
                throw row.error("only mode 'nearest' is supported, found \(row.arguments[2].value)", argument: 2)
            }
        }
        return ModulePlan(outputChannels: c1, printedArguments: row.arguments.map(\.value)) {
            try Upsample(scaleFactor: Int(factor))
        }
    }
}
