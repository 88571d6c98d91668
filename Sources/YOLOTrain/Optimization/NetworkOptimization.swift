import TensorCore
import YOLOModel

/// The optimizer and the EMA applied to a compiled network's own tensors.
extension Network {
    /// The attribute name a module knows a tensor by (`weight` in `model.0.conv.weight`).
    static func localName(_ name: String) -> String {
        String(name.split(separator: ".").last ?? Substring(name))
    }
}

extension Optimizer {
    /// An optimizer over `network`'s parameters in smart_optimizer's groups; `weightDecay` is the
    /// decayed group's, already scaled to the nominal batch (`NominalBatch.weightDecay`).
    public init(kind: OptimizerKind, network: Network, learningRate: Double, momentum: Double,
                weightDecay: Double) throws {
        try self.init(kind: kind, groups: ParameterGrouping.groups(
            network: network, learningRate: learningRate, momentum: momentum, weightDecay: weightDecay))
    }

    /// One step on the network's parameters, from gradients as `Network.parameterGradients` gives them.
    public mutating func step(network: Network, gradients: [(name: String, gradient: Tensor)]) throws {
        var byName: [String: Tensor] = [:]
        for (name, gradient) in gradients where byName.updateValue(gradient, forKey: name) != nil {
            throw OptimizationError("parameter '\(name)' has two gradients")
        }
        let slots = network.tensorSlots.filter { $0.spec.role.isParameter }
        var parameters = network.parameterValues
        try step(parameters: &parameters, gradients: byName)
        for slot in slots {
            if let value = parameters[slot.name] { slot.owner.setTensorValue(Network.localName(slot.name), value) }
        }
    }
}

extension ModelEMA {
    /// An EMA of `network`'s state: every tensor but num_batches_tracked is averaged.
    public init(network: Network, updates: Int = 0) throws {
        var entries: [(name: String, value: Tensor, isFloatingPoint: Bool)] = []
        for slot in network.tensorSlots {
            guard let value = slot.owner.tensorValue(Network.localName(slot.name)) else {
                throw OptimizationError("the network has no value for '\(slot.name)'")
            }
            entries.append((slot.name, value, slot.spec.role != .batchesTracked))
        }
        try self.init(entries: entries, updates: updates)
    }

    /// One update from the network's current state (after an optimizer step).
    public mutating func update(network: Network) throws {
        try update(model: network.stateDict)
    }
}
