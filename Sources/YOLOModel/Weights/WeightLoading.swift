import Checkpoint
import TensorCore

/// Tensors that do not fit the compiled network, each named, with both shapes where they differ.
public struct WeightLoadingError: Error, CustomStringConvertible {
    public var source: String
    public var missing: [String]
    public var unexpected: [String]
    public var mismatched: [(name: String, expected: [Int], found: [Int])]

    public var description: String {
        var lines = ["\(source): the weights do not fit the model"]
        if !missing.isEmpty { lines.append("  missing (\(missing.count)): " + missing.joined(separator: ", ")) }
        if !unexpected.isEmpty { lines.append("  unexpected (\(unexpected.count)): " + unexpected.joined(separator: ", ")) }
        for m in mismatched {
            lines.append("  shape mismatch: \(m.name) is \(m.expected) in the model but \(m.found) in the file")
        }
        return lines.joined(separator: "\n")
    }
}

/// How weights are matched to the network.
public enum WeightMatching {
    /// Every tensor must be present with the right shape and nothing extra (inference, resume).
    case strict
    /// Tensors whose name and shape both match are taken; the rest keep their values (transfer learning).
    case intersect
}

extension Network {
    /// Loads tensors by their `model.N.…` names. Returns the names that were loaded.
    @discardableResult
    public func load(_ entries: [(name: String, tensor: StoredTensor)], source: String,
                     matching: WeightMatching = .strict) throws -> [String] {
        let slots = tensorSlots
        var byName: [String: StoredTensor] = [:]
        for entry in entries { byName[entry.name] = entry.tensor }
        let known = Set(slots.map(\.name))
        var error = WeightLoadingError(source: source, missing: [], unexpected: [], mismatched: [])
        var accepted: [(slot: (name: String, spec: TensorSpec, owner: any Module), tensor: StoredTensor)] = []
        for slot in slots {
            guard let stored = byName[slot.name] else { error.missing.append(slot.name); continue }
            // a scalar stored as [1] (as some exporters write 0-d tensors) is the same value
            let sameScalar = slot.spec.shape.isEmpty && stored.shape == [1]
            guard stored.shape == slot.spec.shape || sameScalar else {
                error.mismatched.append((slot.name, slot.spec.shape, stored.shape))
                continue
            }
            accepted.append((slot, stored))
        }
        error.unexpected = entries.map(\.name).filter { !known.contains($0) }
        if matching == .strict && !(error.missing.isEmpty && error.unexpected.isEmpty && error.mismatched.isEmpty) {
            throw error
        }
        for (slot, stored) in accepted {
            let local = String(slot.name.split(separator: ".").last!)
            slot.owner.setTensorValue(local, Tensor(shape: slot.spec.shape, values: stored.floats()))
        }
        return accepted.map(\.slot.name)
    }
}
