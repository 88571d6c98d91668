/// The object graph while unpickling. Python containers are shared by reference: the memo
/// holds a dict *before* SETITEMS fills it, and an nn.Module is memoised at NEWOBJ, before
/// BUILD gives it its state. So containers are mutable boxes here, and the finished graph is
/// converted once, at STOP, into immutable `PickleValue`s.
enum PickleNode {
    /// A value with no mutable parts: scalars, strings, globals, tensors, storages.
    case leaf(PickleValue)
    case box(PickleBox)

    var kindName: String {
        switch self {
        case let .leaf(value): return value.kindName
        case let .box(box): return box.kind.rawValue
        }
    }
}

/// A Python container (or an instance of an unknown class) under construction.
final class PickleBox {
    enum Kind: String {
        case list, tuple, dict, set, object
    }

    let kind: Kind
    /// Elements of a list, tuple or set; `listItems` of an object (APPEND on an unknown class).
    var items: [PickleNode] = []
    /// Entries of a dict; `dictItems` of an object (SETITEM on an unknown class).
    private(set) var pairs: [(key: PickleNode, value: PickleNode)] = []
    /// Where each hashable key sits in `pairs`, so that setting an existing key replaces it
    /// (dict semantics) without a linear search per SETITEM.
    private var pairIndex: [PickleDictKey: Int] = [:]
    /// For objects: the NEWOBJ/REDUCE operand, its arguments and the BUILD state.
    var classToken: PickleNode?
    var args: [PickleNode] = []
    var state: PickleNode?

    init(_ kind: Kind, items: [PickleNode] = []) {
        self.kind = kind
        self.items = items
    }

    func setItem(_ key: PickleNode, _ value: PickleNode) {
        if let hashable = PickleDictKey(key) {
            if let existing = pairIndex[hashable] {
                pairs[existing].value = value
                return
            }
            pairIndex[hashable] = pairs.count
        }
        pairs.append((key: key, value: value))
    }

    /// Drops every reference this box holds. Tearing the graph down box by box keeps releases
    /// shallow, so a maliciously deep graph cannot overflow the stack when it is freed.
    func releaseContents() {
        items = []
        pairs = []
        pairIndex = [:]
        classToken = nil
        args = []
        state = nil
    }
}

/// The keys Python would hash: strings, numbers (True == 1 and 1.0 == 1, as in Python), bytes, None.
/// Other keys (tuples, objects) are kept in insertion order without replacement.
enum PickleDictKey: Hashable {
    case string(String)
    case int(Int)
    case float(Double)
    case bytes([UInt8])
    case none

    init?(_ node: PickleNode) {
        guard case let .leaf(value) = node else { return nil }
        switch value {
        case let .string(text): self = .string(text)
        case let .int(number): self = .int(number)
        case let .bool(flag): self = .int(flag ? 1 : 0)
        case let .float(number):
            if let exact = Int(exactly: number) { self = .int(exact) } else { self = .float(number) }
        case let .bytes(data): self = .bytes(data)
        case .none: self = .none
        default: return nil
        }
    }
}

/// Turns the finished box graph into `PickleValue`s. A box reachable along several paths is
/// converted once and shared (so memo-heavy pickles cannot blow up), cycles are reported
/// (a value type cannot hold one), and nesting is bounded so recursion stays shallow.
struct PickleGraphConverter {
    static let maximumNesting = 256

    let source: String
    private var converted: [ObjectIdentifier: (value: PickleValue, height: Int)] = [:]
    private var inProgress: Set<ObjectIdentifier> = []

    init(source: String) {
        self.source = source
    }

    mutating func value(of node: PickleNode) throws -> PickleValue {
        try convert(node, depth: 0).value
    }

    private mutating func convert(_ node: PickleNode, depth: Int) throws -> (value: PickleValue, height: Int) {
        guard case let .box(box) = node else {
            if case let .leaf(value) = node { return (value, 0) }
            return (.none, 0)
        }
        let identity = ObjectIdentifier(box)
        if let done = converted[identity] { return done }
        guard depth < Self.maximumNesting else {
            throw CheckpointError("the pickled data nests deeper than \(Self.maximumNesting) levels", file: source)
        }
        guard inProgress.insert(identity).inserted else {
            throw CheckpointError("the pickled data contains a reference cycle through a \(box.kind.rawValue), "
                + "which cannot be represented as plain data", file: source)
        }
        var height = 0
        func child(_ node: PickleNode) throws -> PickleValue {
            let result = try convert(node, depth: depth + 1)
            height = max(height, result.height + 1)
            return result.value
        }
        let value: PickleValue
        switch box.kind {
        case .list: value = .list(try box.items.map(child))
        case .tuple: value = .tuple(try box.items.map(child))
        case .set: value = .set(try box.items.map(child))
        case .dict: value = .dict(try box.pairs.map { (key: try child($0.key), value: try child($0.value)) })
        case .object:
            value = .object(PickleObject(
                classToken: try box.classToken.map(child) ?? .none,
                args: try box.args.map(child),
                state: try box.state.map(child),
                dictItems: try box.pairs.map { (key: try child($0.key), value: try child($0.value)) },
                listItems: try box.items.map(child)))
        }
        guard height <= Self.maximumNesting else {
            throw CheckpointError("the pickled data nests deeper than \(Self.maximumNesting) levels", file: source)
        }
        inProgress.remove(identity)
        converted[identity] = (value, height)
        return (value, height)
    }
}
