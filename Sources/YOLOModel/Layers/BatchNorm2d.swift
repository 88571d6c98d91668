/// `torch.nn.BatchNorm2d`; YOLOv5 uses eps 1e-3 and momentum 0.03 (set by its weight initialiser).
public final class BatchNorm2d: Module {
    public let channels: Int
    public static let epsilon: Float = 1e-3
    public static let momentum: Float = 0.03

    public init(_ channels: Int) { self.channels = channels }

    public var typeName: String { "torch.nn.modules.batchnorm.BatchNorm2d" }

    public var ownTensors: [TensorSpec] {
        [
            TensorSpec("weight", shape: [channels], role: .normWeight),
            TensorSpec("bias", shape: [channels], role: .normBias),
            TensorSpec("running_mean", shape: [channels], role: .runningMean),
            TensorSpec("running_var", shape: [channels], role: .runningVariance),
            TensorSpec("num_batches_tracked", shape: [], role: .batchesTracked),
        ]
    }

    public func outputShape(for inputs: [FeatureShape], flops: inout FLOPCounter) throws -> FeatureShape {
        let input = try singleInput(inputs)
        guard input.channels == channels else {
            throw ShapeError("batch norm expects \(channels) channels, got \(input.channels)")
        }
        // thop: normalisation 2·n, doubled for the affine scale and shift
        flops.add(4 * Double(input.elementCount))
        return input
    }
}
