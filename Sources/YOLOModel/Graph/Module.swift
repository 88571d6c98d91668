import TensorCore

/// A node of a compiled network, mirroring one PyTorch `nn.Module`: it owns named tensors,
/// has named children, and knows the output shape it produces (counting its FLOPs on the way).
///
/// Composite modules infer shapes by walking their children in forward order, so the same
/// structure later carries the forward and backward passes.
public protocol Module: AnyObject {
    /// PyTorch's qualified class name, as model tables print it (`models.common.C3`).
    var typeName: String { get }
    /// Children in PyTorch registration order, with their attribute names (`cv1`, `m`, `0`).
    var children: [(name: String, module: any Module)] { get }
    /// Tensors owned directly, in registration order: parameters, then buffers.
    var ownTensors: [TensorSpec] { get }
    /// The output shape for these inputs; adds the module's MACs to `flops`.
    func outputShape(for inputs: [FeatureShape], flops: inout FLOPCounter) throws -> FeatureShape
    /// Inference forward pass over NCHW batches.
    func forward(_ inputs: [Tensor]) throws -> Tensor
    /// The current value of an owned tensor (a name from `ownTensors`).
    func tensorValue(_ name: String) -> Tensor?
    /// Replaces an owned tensor; the shape has been checked against `ownTensors` by the caller.
    func setTensorValue(_ name: String, _ value: Tensor)

    /// The forward pass of a training step: the same output as `forward`, and the module keeps
    /// what its `backward` needs until that runs. Each module instance is called once per step.
    func trainingForward(_ inputs: [Tensor]) throws -> Tensor
    /// dL/d(each input) from dL/d(output) of the last `trainingForward`; parameter gradients are
    /// added to the module's gradient buffers (PyTorch's `.grad` accumulation), and what the
    /// forward kept is released.
    func backward(_ outputGradient: Tensor) throws -> [Tensor]
    /// The accumulated gradient of an owned parameter (a name from `ownTensors`), nil before any backward.
    func gradientValue(_ name: String) -> Tensor?
    /// Sets the owned parameters' gradients to zero (`optimizer.zero_grad()`).
    func zeroOwnGradients()
    /// Called on a module that reads the network's images: its backward may skip the input
    /// gradient (nothing reads it) and return an empty tensor for it.
    func skipInputGradient()
}

extension Module {
    public var children: [(name: String, module: any Module)] { [] }
    public var ownTensors: [TensorSpec] { [] }
    public func tensorValue(_ name: String) -> Tensor? { nil }
    public func setTensorValue(_ name: String, _ value: Tensor) {}
    public func gradientValue(_ name: String) -> Tensor? { nil }
    public func zeroOwnGradients() {}
    public func skipInputGradient() {}

    public func trainingForward(_ inputs: [Tensor]) throws -> Tensor {
        throw ShapeError("\(typeName) has no training pass")
    }

    public func backward(_ outputGradient: Tensor) throws -> [Tensor] {
        throw ShapeError("\(typeName) has no backward pass")
    }

    /// The value a backward pass needs, or a clear error when no training forward kept it.
    func saved<Value>(_ value: Value?, _ what: String) throws -> Value {
        guard let value else { throw ShapeError("\(typeName): backward without a training forward (\(what) missing)") }
        return value
    }

    /// Every owned tensor of the subtree with its dotted name and owner, in state_dict order.
    public func tensorSlots(prefix: String) -> [(name: String, spec: TensorSpec, owner: any Module)] {
        var result = ownTensors.map { (name: prefix + "." + $0.name, spec: $0, owner: self as any Module) }
        for (name, child) in children {
            result += child.tensorSlots(prefix: prefix + "." + name)
        }
        return result
    }

    /// The only input of a single-input module's forward pass.
    func singleTensor(_ inputs: [Tensor]) throws -> Tensor {
        guard inputs.count == 1 else { throw ShapeError("\(typeName) takes one input, got \(inputs.count)") }
        return inputs[0]
    }

    /// Every tensor of this subtree with its dotted path, in state_dict order.
    public func namedTensors(prefix: String) -> [NamedTensorSpec] {
        var result = ownTensors.map { NamedTensorSpec(name: prefix + "." + $0.name, spec: $0) }
        for (name, child) in children {
            result += child.namedTensors(prefix: prefix + "." + name)
        }
        return result
    }

    /// Trainable parameter count of this subtree.
    public var parameterCount: Int {
        namedTensors(prefix: "").filter { $0.spec.role.isParameter }.reduce(0) { $0 + $1.spec.elementCount }
    }

    /// Calls `visit` on every module of the subtree once, parents first; a module reachable
    /// along two paths (the shared default activation) is visited once, as `nn.Module.modules()` does.
    public func visitModules(_ seen: inout Set<ObjectIdentifier>, _ visit: (any Module) -> Void) {
        guard seen.insert(ObjectIdentifier(self)).inserted else { return }
        visit(self)
        for (_, child) in children { child.visitModules(&seen, visit) }
    }

    /// The output shape of a module that takes exactly one input.
    func singleInput(_ inputs: [FeatureShape]) throws -> FeatureShape {
        guard inputs.count == 1 else {
            throw ShapeError("\(typeName) takes one input, got \(inputs.count)")
        }
        return inputs[0]
    }
}
