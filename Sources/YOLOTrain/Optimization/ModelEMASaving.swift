import TensorCore

/// An EMA's state for a checkpoint: every entry as tensor `<prefix>.<name>` and the update count.
extension ModelEMA {
    public static let savedPrefix = "ema"

    public func savedState(prefix: String = savedPrefix) -> SavedTrainingState {
        SavedTrainingState(tensors: zip(names, values).map { ("\(prefix).\($0.0)", $0.1) },
                           scalars: ["\(prefix).updates": String(updates)])
    }

    /// Loads a saved EMA into one with the same entries.
    public mutating func restore(from saved: SavedTrainingState, prefix: String = savedPrefix) throws {
        let restoredUpdates = try saved.integer("\(prefix).updates")
        var tensors = try saved.tensors(under: prefix)
        var restored = self
        for (index, name) in names.enumerated() {
            guard let value = tensors.removeValue(forKey: "\(prefix).\(name)") else {
                throw OptimizationError("saved EMA has no '\(prefix).\(name)'")
            }
            guard value.shape == values[index].shape else {
                throw OptimizationError("saved EMA '\(prefix).\(name)' has shape \(value.shape), expected \(values[index].shape)")
            }
            restored.setValue(value, at: index)
        }
        if let unused = tensors.keys.sorted().first {
            throw OptimizationError("saved EMA tensor '\(unused)' is not an entry of this model")
        }
        restored.updates = restoredUpdates
        self = restored
    }
}
