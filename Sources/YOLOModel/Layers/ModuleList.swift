import TensorCore

/// `torch.nn.ModuleList`: a named holder of children that its owner applies itself.
public final class ModuleList: Module {
    public let items: [any Module]

    public init(_ items: [any Module]) { self.items = items }

    public var typeName: String { "torch.nn.modules.container.ModuleList" }

    public var children: [(name: String, module: any Module)] {
        items.enumerated().map { (name: String($0.offset), module: $0.element) }
    }

    public func forward(_ inputs: [Tensor]) throws -> Tensor {
        throw ShapeError("a ModuleList is not called directly")
    }

    public func outputShape(for inputs: [FeatureShape], flops: inout FLOPCounter) throws -> FeatureShape {
        throw ShapeError("a ModuleList is not called directly")
    }
}
