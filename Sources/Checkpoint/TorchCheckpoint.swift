import Foundation

/// A `torch.save` file (the ZIP format of torch ≥ 1.6): a whole pickled model as Ultralytics
/// writes it (`{'model': Model, 'ema': ..., 'epoch': ...}`), a bare pickled nn.Module, or a plain
/// state_dict. The pickle is read as data only; no class is ever instantiated.
public struct TorchCheckpoint: Sendable {
    public enum Kind: Sendable, Equatable {
        /// A pickled nn.Module; the state_dict comes from walking its `_modules`.
        case wholeModel
        /// A name → tensor dict (on its own, or as a checkpoint's `model` entry).
        case stateDict
    }

    public let path: String
    public let kind: Kind
    /// The first path component of every record (`archive`, or the file stem at save time).
    public let recordPrefix: String
    /// The unpickled top-level object (epoch, best_fitness, date, ... for Ultralytics checkpoints).
    public let root: PickleValue
    /// The module the weights come from (`ema` when present, else `model`), for whole-model checkpoints.
    public let model: PickleObject?
    /// Name → tensor in PyTorch `state_dict()` order, dtypes as stored (float16 in release checkpoints).
    public let stateDict: [(name: String, tensor: StoredTensor)]
    /// The model's `yaml` attribute: the model configuration dict (nc, depth_multiple, anchors, backbone, head).
    public let modelDescription: PickleValue?
    /// The model's `names` attribute (a list, or an {index: name} dict) as a list indexed by class.
    public let classNames: [String]?

    public static func load(path: String) throws -> TorchCheckpoint {
        try parse(try FileBytes.read(path: path), file: path)
    }

    public static func parse(_ bytes: [UInt8], file: String) throws -> TorchCheckpoint {
        if bytes.count >= 2, bytes[0] == 0x80, bytes[1] <= 5 {
            throw CheckpointError("this is a legacy (torch < 1.6) non-ZIP checkpoint; re-save it with a current torch",
                                  file: file)
        }
        let archive = try ZipArchive(bytes: bytes, file: file)
        let pickleEntries = archive.entries.filter { entry in
            let parts = entry.name.split(separator: "/", omittingEmptySubsequences: false)
            return parts.count == 2 && parts[1] == "data.pkl" && !parts[0].isEmpty
        }
        guard let pickleEntry = pickleEntries.first else {
            throw CheckpointError("not a torch.save checkpoint: the ZIP archive has no '<name>/data.pkl' record "
                + "(\(archive.entries.count) entries)", file: file)
        }
        let prefix = String(pickleEntry.name.dropLast("/data.pkl".count))
        if let byteOrder = archive.entry(named: prefix + "/byteorder") {
            let text = String(decoding: try archive.contents(of: byteOrder), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            guard text == "little" else {
                throw CheckpointError("byteorder record says '\(text)'; only little-endian checkpoints are supported",
                                      file: file)
            }
        }
        let root = try PickleMachine.unpickle(try archive.contents(of: pickleEntry), source: "\(file) (\(pickleEntry.name))") { key in
            try archive.contents(ofEntryNamed: "\(prefix)/data/\(key)")
        }
        return try TorchCheckpoint(path: file, prefix: prefix, root: root)
    }

    private init(path: String, prefix: String, root: PickleValue) throws {
        self.path = path
        self.recordPrefix = prefix
        self.root = root
        switch Self.interpret(root) {
        case let .module(module):
            kind = .wholeModel
            model = module
            stateDict = try ModuleStateDict.entries(of: module, source: path)
            modelDescription = module.attribute("yaml").flatMap { $0.isNone ? nil : $0 }
            classNames = try Self.classNames(module.attribute("names"), file: path)
        case let .tensors(pairs):
            kind = .stateDict
            model = nil
            stateDict = try Self.plainStateDict(pairs, file: path)
            modelDescription = nil
            classNames = nil
        case let .unrecognised(reason):
            throw CheckpointError("not a model checkpoint: \(reason)", file: path)
        }
    }

    public func tensor(named name: String) -> StoredTensor? {
        stateDict.first { $0.name == name }?.tensor
    }

    // MARK: - What the pickle holds

    private enum Content {
        case module(PickleObject)
        case tensors([(key: PickleValue, value: PickleValue)])
        case unrecognised(String)
    }

    private static func interpret(_ root: PickleValue) -> Content {
        switch root {
        case let .object(module):
            return .module(module)
        case let .dict(pairs):
            // Ultralytics' attempt_load: (ckpt.get('ema') or ckpt['model']).
            for key in ["ema", "model", "state_dict"] {
                // A tensor here means a plain state_dict that happens to have a parameter of that name.
                guard let value = root[key], !value.isNone, value.tensorValue == nil else { continue }
                if let module = value.objectValue { return .module(module) }
                if case let .dict(inner) = value, isStateDict(inner) { return .tensors(inner) }
                return .unrecognised("its '\(key)' entry is a \(value.kindName), neither a module nor a state_dict")
            }
            if isStateDict(pairs) { return .tensors(pairs) }
            let keys = pairs.prefix(8).map { $0.key.stringValue.map { "'\($0)'" } ?? $0.key.kindName }
            return .unrecognised("the top-level dict (keys \(keys.joined(separator: ", "))\(pairs.count > 8 ? ", ..." : "")) "
                + "has no 'model' or 'ema' entry and is not a name → tensor state_dict")
        default:
            return .unrecognised("the pickled top-level object is a \(root.kindName)")
        }
    }

    private static func isStateDict(_ pairs: [(key: PickleValue, value: PickleValue)]) -> Bool {
        !pairs.isEmpty && pairs.allSatisfy { $0.key.stringValue != nil && $0.value.tensorValue != nil }
    }

    private static func plainStateDict(_ pairs: [(key: PickleValue, value: PickleValue)], file: String) throws
        -> [(name: String, tensor: StoredTensor)]
    {
        try pairs.map { pair in
            guard let name = pair.key.stringValue, let tensor = pair.value.tensorValue else {
                throw CheckpointError("state_dict entry \(pair.key.kindName) → \(pair.value.kindName) is not "
                    + "name → tensor", file: file)
            }
            return (name: name, tensor: tensor)
        }
    }

    /// `names` is a list in YOLOv5 checkpoints and an {index: name} dict in newer Ultralytics ones.
    private static func classNames(_ value: PickleValue?, file: String) throws -> [String]? {
        guard let value, !value.isNone else { return nil }
        if let items = value.elements {
            return try items.map { item in
                guard let name = item.stringValue else {
                    throw CheckpointError("the model's class names contain a \(item.kindName)", file: file)
                }
                return name
            }
        }
        if let pairs = value.dictPairs {
            var names = [String?](repeating: nil, count: pairs.count)
            for (key, item) in pairs {
                guard let index = key.intValue, index >= 0, index < pairs.count, names[index] == nil,
                      let name = item.stringValue else {
                    throw CheckpointError("the model's class-name dict must map 0..<\(pairs.count) to strings; "
                        + "found \(key.kindName) → \(item.kindName)", file: file)
                }
                names[index] = name
            }
            return names.compactMap { $0 }
        }
        throw CheckpointError("the model's class names are a \(value.kindName), not a list or dict", file: file)
    }
}
