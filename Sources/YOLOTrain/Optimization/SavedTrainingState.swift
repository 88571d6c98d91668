import TensorCore

/// Training state as a checkpoint stores it: named float32 tensors and a small dictionary of
/// scalars as text (safetensors keeps string metadata). Doubles are written in Swift's shortest
/// round-trip form, so a restored state continues bit for bit.
public struct SavedTrainingState: Sendable, Equatable {
    public var tensors: [(name: String, value: Tensor)]
    public var scalars: [String: String]

    public init(tensors: [(name: String, value: Tensor)] = [], scalars: [String: String] = [:]) {
        self.tensors = tensors
        self.scalars = scalars
    }

    /// Both states together (an optimizer's and an EMA's under different prefixes); a name or key
    /// present in both is an error.
    public func merging(_ other: SavedTrainingState) throws -> SavedTrainingState {
        let names = Set(tensors.map(\.name))
        if let clash = other.tensors.first(where: { names.contains($0.name) }) {
            throw OptimizationError("saved tensor '\(clash.name)' would be written twice")
        }
        if let clash = other.scalars.keys.first(where: { scalars[$0] != nil }) {
            throw OptimizationError("saved value '\(clash)' would be written twice")
        }
        return SavedTrainingState(tensors: tensors + other.tensors, scalars: scalars.merging(other.scalars) { a, _ in a })
    }

    public static func == (lhs: SavedTrainingState, rhs: SavedTrainingState) -> Bool {
        lhs.scalars == rhs.scalars && lhs.tensors.map(\.name) == rhs.tensors.map(\.name)
            && lhs.tensors.map(\.value) == rhs.tensors.map(\.value)
    }

    // MARK: - Reading, with errors that name the key

    func text(_ key: String) throws -> String {
        guard let value = scalars[key] else { throw OptimizationError("saved training state has no '\(key)'") }
        return value
    }

    func double(_ key: String) throws -> Double {
        let value = try text(key)
        guard let number = Double(value) else {
            throw OptimizationError("saved '\(key)' is '\(value)', expected a number")
        }
        return number
    }

    func integer(_ key: String) throws -> Int {
        let value = try text(key)
        guard let number = Int(value) else {
            throw OptimizationError("saved '\(key)' is '\(value)', expected a whole number")
        }
        return number
    }

    /// Tensors whose names start with `prefix` + ".", by name.
    func tensors(under prefix: String) throws -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        for (name, value) in tensors where name.hasPrefix(prefix + ".") {
            guard result.updateValue(value, forKey: name) == nil else {
                throw OptimizationError("saved training state names tensor '\(name)' twice")
            }
        }
        return result
    }
}
