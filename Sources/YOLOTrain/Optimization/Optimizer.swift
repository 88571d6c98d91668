import TensorCore

/// A torch.optim optimizer over named float32 parameters: the parameter groups (whose
/// hyperparameters warm-up and the LR schedule change between steps) and each parameter's state.
///
/// A value type: copying it copies the state, which is how a training state is snapshotted.
public struct Optimizer: Sendable, Equatable {
    public let kind: OptimizerKind
    /// In torch's `param_groups` order. Set `learningRate`, `momentum`, `weightDecay` freely;
    /// the parameter lists are fixed at creation.
    public var groups: [ParameterGroup]
    /// State per parameter, aligned with `groups[g].names`.
    public internal(set) var states: [[ParameterState]]

    public init(kind: OptimizerKind, groups: [ParameterGroup]) throws {
        var seen = Set<String>()
        for group in groups {
            for name in group.names where !seen.insert(name).inserted {
                throw OptimizationError("parameter '\(name)' is in more than one parameter group")
            }
        }
        self.kind = kind
        self.groups = groups
        self.states = groups.map { [ParameterState](repeating: ParameterState(), count: $0.names.count) }
    }

    /// Every parameter name, group by group.
    public var parameterNames: [String] { groups.flatMap(\.names) }

    /// One `optimizer.step()`: updates every parameter of every group in place from its gradient.
    /// Each parameter must be present with a gradient of its own shape.
    public mutating func step(parameters: inout [String: Tensor], gradients: [String: Tensor]) throws {
        // Check everything first so a bad input leaves parameters and state untouched.
        for (g, group) in groups.enumerated() {
            for (index, name) in group.names.enumerated() {
                guard let parameter = parameters[name] else {
                    throw OptimizationError("the optimizer's parameter '\(name)' is missing from the parameters")
                }
                guard let gradient = gradients[name] else {
                    throw OptimizationError("parameter '\(name)' has no gradient")
                }
                guard gradient.shape == parameter.shape else {
                    throw OptimizationError("the gradient of '\(name)' has shape \(gradient.shape), "
                        + "the parameter \(parameter.shape)")
                }
                try checkState(states[g][index], name: name, count: parameter.elementCount)
            }
        }
        for g in groups.indices {
            let group = groups[g]
            for (index, name) in group.names.enumerated() {
                // Taken out of the dictionary so the update writes the only reference in place.
                var parameter = parameters.removeValue(forKey: name)!
                update(&parameter.storage, gradient: gradients[name]!.storage, state: &states[g][index], group: group)
                parameters[name] = parameter
            }
        }
    }

    private func update(_ parameter: inout [Float], gradient: [Float], state: inout ParameterState, group: ParameterGroup) {
        switch kind {
        case .sgd: SGDUpdate.apply(parameter: &parameter, gradient: gradient, state: &state, group: group)
        case .adam: AdamUpdate.apply(parameter: &parameter, gradient: gradient, state: &state, group: group,
                                     decoupledWeightDecay: false)
        case .adamW: AdamUpdate.apply(parameter: &parameter, gradient: gradient, state: &state, group: group,
                                      decoupledWeightDecay: true)
        case .rmsProp: RMSPropUpdate.apply(parameter: &parameter, gradient: gradient, state: &state, group: group)
        }
    }

    /// A restored buffer of the wrong length would be read out of bounds; refuse it by name.
    private func checkState(_ state: ParameterState, name: String, count: Int) throws {
        for (key, values) in state.buffers where values.count != count {
            throw OptimizationError("optimizer state '\(key)' of '\(name)' has \(values.count) values, "
                + "the parameter \(count)")
        }
    }

    /// The state of a parameter by name (nil for a name no group holds).
    public func state(of name: String) -> ParameterState? {
        for (g, group) in groups.enumerated() {
            if let index = group.names.firstIndex(of: name) { return states[g][index] }
        }
        return nil
    }
}
