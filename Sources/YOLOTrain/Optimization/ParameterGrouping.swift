import YOLOModel

/// Ultralytics' `smart_optimizer` grouping: walking the modules in `model.modules()` order, a
/// parameter named `bias` goes to the bias group, a normalisation layer's `weight` to the
/// no-decay group, every other weight to the decayed group.
public enum ParameterGrouping {
    /// The group of a tensor with this role; nil for buffers, which no optimizer sees.
    public static func kind(of role: TensorSpec.Role) -> ParameterGroup.Kind? {
        switch role {
        case .convolutionBias, .normBias: return .bias
        case .normWeight: return .normWeight
        case .convolutionWeight: return .decayedWeight
        case .runningMean, .runningVariance, .batchesTracked, .anchors: return nil
        }
    }

    /// The three groups in `param_groups` order (biases, decayed weights, batch-norm weights),
    /// each listing its parameters in the order given, which must be `model.modules()` order
    /// (a network's `tensorSlots` order is). All groups start at `learningRate` and `momentum`;
    /// only the decayed-weight group gets `weightDecay` (already scaled by the nominal batch).
    public static func groups(parameters: [(name: String, role: TensorSpec.Role)], learningRate: Double,
                              momentum: Double, weightDecay: Double) -> [ParameterGroup] {
        var names: [[String]] = Array(repeating: [], count: ParameterGroup.Kind.allCases.count)
        for parameter in parameters {
            if let kind = kind(of: parameter.role) { names[kind.rawValue].append(parameter.name) }
        }
        return ParameterGroup.Kind.allCases.map { kind in
            ParameterGroup(kind: kind, names: names[kind.rawValue], learningRate: learningRate, momentum: momentum,
                           weightDecay: kind == .decayedWeight ? weightDecay : 0)
        }
    }

    /// The groups of a compiled network's parameters.
    public static func groups(network: Network, learningRate: Double, momentum: Double,
                              weightDecay: Double) -> [ParameterGroup] {
        groups(parameters: network.tensorSlots.map { ($0.name, $0.spec.role) }, learningRate: learningRate,
               momentum: momentum, weightDecay: weightDecay)
    }
}
