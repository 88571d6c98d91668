import TensorCore

/// `torch.nn.Sequential`: children named `0`, `1`, ... applied in order.
public final class Sequential: Module {
    public let layers: [any Module]

    public init(_ layers: [any Module]) { self.layers = layers }

    public var typeName: String { "torch.nn.modules.container.Sequential" }

    public var children: [(name: String, module: any Module)] {
        layers.enumerated().map { (name: String($0.offset), module: $0.element) }
    }

    public func forward(_ inputs: [Tensor]) throws -> Tensor {
        var x = try singleTensor(inputs)
        for layer in layers { x = try layer.forward([x]) }
        return x
    }

    public func trainingForward(_ inputs: [Tensor]) throws -> Tensor {
        var x = try singleTensor(inputs)
        for layer in layers { x = try layer.trainingForward([x]) }
        return x
    }

    public func backward(_ outputGradient: Tensor) throws -> [Tensor] {
        var gradient = outputGradient
        for layer in layers.reversed() { gradient = try layer.backward(gradient)[0] }
        return [gradient]
    }

    public func outputShape(for inputs: [FeatureShape], flops: inout FLOPCounter) throws -> FeatureShape {
        var shape = try singleInput(inputs)
        for layer in layers { shape = try layer.outputShape(for: [shape], flops: &flops) }
        return shape
    }
}
