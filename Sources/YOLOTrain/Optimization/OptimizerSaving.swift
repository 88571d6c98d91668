import TensorCore

/// An optimizer's state for a checkpoint, like torch's `optimizer.state_dict()`: per group the
/// hyperparameters and parameter names; per parameter its buffers (tensors
/// `<prefix>.<torch key>.<parameter>`, e.g. `optimizer.momentum_buffer.model.0.conv.weight`)
/// and its step count.
extension Optimizer {
    public static let savedPrefix = "optimizer"

    public func savedState(prefix: String = savedPrefix) -> SavedTrainingState {
        var saved = SavedTrainingState()
        saved.scalars["\(prefix).kind"] = kind.rawValue
        saved.scalars["\(prefix).groups"] = String(groups.count)
        for (g, group) in groups.enumerated() {
            let key = "\(prefix).group.\(g)"
            saved.scalars["\(key).lr"] = String(group.learningRate)
            saved.scalars["\(key).momentum"] = String(group.momentum)
            saved.scalars["\(key).weight_decay"] = String(group.weightDecay)
            saved.scalars["\(key).initial_lr"] = String(group.initialLearningRate)
            saved.scalars["\(key).params"] = group.names.joined(separator: ",")
            for (index, name) in group.names.enumerated() {
                let state = states[g][index]
                if state.step != 0 { saved.scalars["\(prefix).step.\(name)"] = String(state.step) }
                for (bufferKey, values) in state.buffers {
                    saved.tensors.append(("\(prefix).\(bufferKey).\(name)", Tensor(shape: [values.count], values: values)))
                }
            }
        }
        return saved
    }

    /// Loads a saved state into an optimizer built the same way (same kind, same groups of the
    /// same parameters), as `optimizer.load_state_dict` does; everything the saved state holds
    /// under `prefix` must be used.
    public mutating func restore(from saved: SavedTrainingState, prefix: String = savedPrefix) throws {
        let savedKind = try saved.text("\(prefix).kind")
        guard savedKind == kind.rawValue else {
            throw OptimizationError("saved optimizer is \(savedKind), this one \(kind.rawValue)")
        }
        let groupCount = try saved.integer("\(prefix).groups")
        guard groupCount == groups.count else {
            throw OptimizationError("saved optimizer has \(groupCount) parameter groups, this one \(groups.count)")
        }
        var restoredGroups = groups
        var restoredStates = groups.map { [ParameterState](repeating: ParameterState(), count: $0.names.count) }
        var buffers = try saved.tensors(under: prefix)
        for (g, group) in groups.enumerated() {
            let key = "\(prefix).group.\(g)"
            let savedNames = try saved.text("\(key).params").split(separator: ",", omittingEmptySubsequences: true).map(String.init)
            guard savedNames == group.names else {
                let mismatch = zip(savedNames, group.names).first { $0 != $1 }
                throw OptimizationError("saved parameter group \(g) holds \(savedNames.count) parameters, this one "
                    + "\(group.names.count)" + (mismatch.map { " (first difference: '\($0.0)' vs '\($0.1)')" } ?? ""))
            }
            restoredGroups[g].learningRate = try saved.double("\(key).lr")
            restoredGroups[g].momentum = try saved.double("\(key).momentum")
            restoredGroups[g].weightDecay = try saved.double("\(key).weight_decay")
            restoredGroups[g].initialLearningRate = try saved.double("\(key).initial_lr")
            for (index, name) in group.names.enumerated() {
                if saved.scalars["\(prefix).step.\(name)"] != nil {
                    restoredStates[g][index].step = try saved.integer("\(prefix).step.\(name)")
                }
                for bufferKey in ParameterState.bufferKeys {
                    if let tensor = buffers.removeValue(forKey: "\(prefix).\(bufferKey).\(name)") {
                        _ = restoredStates[g][index].setBuffer(bufferKey, tensor.storage)
                    }
                }
            }
        }
        if let unused = buffers.keys.sorted().first {
            throw OptimizationError("saved optimizer tensor '\(unused)' belongs to no parameter of this optimizer")
        }
        let known = Set(groups.flatMap(\.names))
        if let stray = saved.scalars.keys.sorted().first(where: {
            $0.hasPrefix("\(prefix).step.") && !known.contains(String($0.dropFirst(prefix.count + 6)))
        }) {
            throw OptimizationError("saved optimizer value '\(stray)' belongs to no parameter of this optimizer")
        }
        groups = restoredGroups
        states = restoredStates
    }
}
