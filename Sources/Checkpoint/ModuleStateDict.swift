/// PyTorch's `Module.state_dict()` order, computed from a pickled nn.Module's BUILD state
/// (its `__dict__`): per module, the non-None `_parameters`, then the `_buffers` that are not
/// in `_non_persistent_buffers_set`, then each child of `_modules` recursively, with
/// dot-joined names. A module shared by two parents appears under both names, as in torch.
enum ModuleStateDict {
    /// Guards against pickles whose shared sub-modules would multiply into absurdly many entries.
    static let maximumEntries = 1_000_000

    static func entries(of module: PickleObject, source: String) throws -> [(name: String, tensor: StoredTensor)] {
        var entries: [(name: String, tensor: StoredTensor)] = []
        try collect(module, prefix: "", into: &entries, source: source)
        return entries
    }

    private static func collect(_ module: PickleObject, prefix: String,
                                into entries: inout [(name: String, tensor: StoredTensor)], source: String) throws {
        let path = prefix.isEmpty ? "the root module" : "module '\(String(prefix.dropLast()))'"
        guard case .dict? = module.state else {
            throw CheckpointError("\(path) (\(module.className)) has no attribute dict to read tensors from "
                + "(BUILD state is \(module.state?.kindName ?? "missing"))", file: source)
        }
        let nonPersistent = Set((module.attribute("_non_persistent_buffers_set")?.elements ?? []).compactMap(\.stringValue))
        for (attribute, skipped) in [("_parameters", Set<String>()), ("_buffers", nonPersistent)] {
            guard let table = module.attribute(attribute), !table.isNone else { continue }
            guard let pairs = table.dictPairs else {
                throw CheckpointError("\(path) has a \(attribute) that is a \(table.kindName), not a dict", file: source)
            }
            for (key, value) in pairs {
                guard let name = key.stringValue else {
                    throw CheckpointError("\(path) has a \(attribute) key that is a \(key.kindName), not a string",
                                          file: source)
                }
                if value.isNone || skipped.contains(name) { continue }
                guard let tensor = value.tensorValue else {
                    throw CheckpointError("\(path): \(attribute)['\(name)'] is a \(value.kindName), not a tensor",
                                          file: source)
                }
                guard entries.count < maximumEntries else {
                    throw CheckpointError("more than \(maximumEntries) state_dict entries", file: source)
                }
                entries.append((name: prefix + name, tensor: tensor))
            }
        }
        guard let children = module.attribute("_modules"), !children.isNone else { return }
        guard let pairs = children.dictPairs else {
            throw CheckpointError("\(path) has _modules that is a \(children.kindName), not a dict", file: source)
        }
        for (key, value) in pairs {
            guard let name = key.stringValue else {
                throw CheckpointError("\(path) has a child module key that is a \(key.kindName)", file: source)
            }
            if value.isNone { continue }
            guard let child = value.objectValue else {
                throw CheckpointError("\(path): child '\(name)' is a \(value.kindName), not a module", file: source)
            }
            try collect(child, prefix: prefix + name + ".", into: &entries, source: source)
        }
    }
}
