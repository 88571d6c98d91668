import TensorCore

/// `torch.nn.Identity`: the placeholder Ultralytics uses where a branch does nothing.
public final class Identity: Module {
    public init() {}

    public var typeName: String { "torch.nn.modules.linear.Identity" }

    public func forward(_ inputs: [Tensor]) throws -> Tensor { try singleTensor(inputs) }

    public func trainingForward(_ inputs: [Tensor]) throws -> Tensor { try singleTensor(inputs) }

    public func backward(_ outputGradient: Tensor) throws -> [Tensor] { [outputGradient] }

    public func outputShape(for inputs: [FeatureShape], flops: inout FLOPCounter) throws -> FeatureShape {
        try singleInput(inputs)
    }
}
