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

    public func outputShape(for inputs: [FeatureShape], flops: inout FLOPCounter) throws -> FeatureShape {
        let input = try singleInput(inputs)
        // Ultralytics' profiler (ultralytics-thop) counts no operations for upsampling.
        return FeatureShape(channels: input.channels, height: input.height * scaleFactor,
                            width: input.width * scaleFactor)
    }
}
