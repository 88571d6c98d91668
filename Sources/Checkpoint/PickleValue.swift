/// The data a pickle describes, with every class reduced to an opaque token: the unpickler
/// never imports or runs anything. Only the few torch constructs a checkpoint needs become
/// real values (tensors, storages, ordered dicts, sets).
public indirect enum PickleValue: Sendable, Equatable {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case list([PickleValue])
    case tuple([PickleValue])
    /// A dict or OrderedDict, in insertion order. Keys may be any value (usually strings or ints).
    case dict([(key: PickleValue, value: PickleValue)])
    case set([PickleValue])
    /// A `module name` reference from GLOBAL / STACK_GLOBAL, never resolved.
    case global(module: String, name: String)
    case object(PickleObject)
    case tensor(StoredTensor)
    case storage(StorageReference)

    // MARK: - Reading values

    /// The value for a string key of a dict.
    public subscript(key: String) -> PickleValue? {
        guard case let .dict(pairs) = self else { return nil }
        for pair in pairs {
            if case let .string(text) = pair.key, text == key { return pair.value }
        }
        return nil
    }

    public var intValue: Int? {
        switch self {
        case let .int(value): return value
        case let .bool(value): return value ? 1 : 0
        default: return nil
        }
    }

    /// Ints and floats as a Double (YAML-style numbers are either).
    public var doubleValue: Double? {
        switch self {
        case let .float(value): return value
        case let .int(value): return Double(value)
        default: return nil
        }
    }

    public var stringValue: String? {
        if case let .string(value) = self { return value }
        return nil
    }

    /// The elements of a list, tuple or set.
    public var elements: [PickleValue]? {
        switch self {
        case let .list(items), let .tuple(items), let .set(items): return items
        default: return nil
        }
    }

    public var dictPairs: [(key: PickleValue, value: PickleValue)]? {
        if case let .dict(pairs) = self { return pairs }
        return nil
    }

    public var tensorValue: StoredTensor? {
        if case let .tensor(tensor) = self { return tensor }
        return nil
    }

    public var objectValue: PickleObject? {
        if case let .object(object) = self { return object }
        return nil
    }

    public var isNone: Bool {
        if case .none = self { return true }
        return false
    }

    /// A short name of the case, for error messages.
    public var kindName: String {
        switch self {
        case .none: return "None"
        case .bool: return "bool"
        case .int: return "int"
        case .float: return "float"
        case .string: return "str"
        case .bytes: return "bytes"
        case .list: return "list"
        case .tuple: return "tuple"
        case .dict: return "dict"
        case .set: return "set"
        case let .global(module, name): return "global \(module).\(name)"
        case let .object(object): return "\(object.className) object"
        case .tensor: return "tensor"
        case .storage: return "storage"
        }
    }

    public static func == (lhs: PickleValue, rhs: PickleValue) -> Bool {
        switch (lhs, rhs) {
        case (.none, .none): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.int(a), .int(b)): return a == b
        case let (.float(a), .float(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.bytes(a), .bytes(b)): return a == b
        case let (.list(a), .list(b)), let (.tuple(a), .tuple(b)), let (.set(a), .set(b)): return a == b
        case let (.dict(a), .dict(b)): return pairsEqual(a, b)
        case let (.global(m1, n1), .global(m2, n2)): return m1 == m2 && n1 == n2
        case let (.object(a), .object(b)): return a == b
        case let (.tensor(a), .tensor(b)): return a == b
        case let (.storage(a), .storage(b)): return a == b
        default: return false
        }
    }
}
