import TensorCore
import YOLOConfig

/// An elementwise activation module (`nn.SiLU`, `nn.LeakyReLU`, ...).
///
/// Ultralytics' `Conv` shares one activation object between all its instances; the compiler
/// does the same, which matters only for counting modules.
public final class Activation: Module {
    public let kind: ActivationSpec

    public init(_ kind: ActivationSpec) { self.kind = kind }

    public var typeName: String {
        switch kind {
        case .silu: return "torch.nn.modules.activation.SiLU"
        case .leakyReLU: return "torch.nn.modules.activation.LeakyReLU"
        case .relu: return "torch.nn.modules.activation.ReLU"
        case .hardswish: return "torch.nn.modules.activation.Hardswish"
        case .sigmoid: return "torch.nn.modules.activation.Sigmoid"
        case .identity: return "torch.nn.modules.linear.Identity"
        }
    }

    /// The kernel-level function this module computes.
    public var function: ActivationFunction {
        switch kind {
        case .silu: return .silu
        case .leakyReLU(let slope): return .leakyReLU(negativeSlope: Float(slope))
        case .relu: return .relu
        case .hardswish: return .hardswish
        case .sigmoid: return .sigmoid
        case .identity: return .identity
        }
    }

    public func forward(_ inputs: [Tensor]) throws -> Tensor {
        var output = try singleTensor(inputs)
        function.apply(to: &output)
        return output
    }

    /// A standalone activation keeps its input; Conv blocks apply the shared one inline and
    /// keep their own pre-activation, so sharing this instance never mixes two saved inputs.
    private var savedInput: Tensor?

    public func trainingForward(_ inputs: [Tensor]) throws -> Tensor {
        savedInput = try singleTensor(inputs)
        return try forward(inputs)
    }

    public func backward(_ outputGradient: Tensor) throws -> [Tensor] {
        let input = try saved(savedInput, "input")
        savedInput = nil
        return [function.backward(outputGradient, input: input)]
    }

    public func outputShape(for inputs: [FeatureShape], flops: inout FLOPCounter) throws -> FeatureShape {
        try singleInput(inputs)
    }
}
