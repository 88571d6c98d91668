/// An instance of a class the unpickler does not know (an nn.Module, a numpy scalar, ...),
/// recorded as data: which class token created it, with which arguments, and what BUILD,
/// SETITEM(S) and APPEND(S) later gave it. Nothing is ever instantiated or executed.
public struct PickleObject: Sendable, Equatable {
    /// Usually `.global(module:name:)`, the operand of NEWOBJ or REDUCE.
    public var classToken: PickleValue
    public var args: [PickleValue]
    /// The BUILD state: for an nn.Module its `__dict__` as a `.dict`; nil when there was no BUILD.
    public var state: PickleValue?
    public var dictItems: [(key: PickleValue, value: PickleValue)]
    public var listItems: [PickleValue]

    public init(classToken: PickleValue, args: [PickleValue], state: PickleValue? = nil,
                dictItems: [(key: PickleValue, value: PickleValue)] = [], listItems: [PickleValue] = []) {
        self.classToken = classToken
        self.args = args
        self.state = state
        self.dictItems = dictItems
        self.listItems = listItems
    }

    /// `module.name` of the class token, e.g. `models.yolo.Model`.
    public var className: String {
        if case let .global(module, name) = classToken { return "\(module).\(name)" }
        return "<\(classToken.kindName)>"
    }

    /// An attribute from the BUILD state (`__dict__[name]`), when the state is a string-keyed dict.
    /// States of the form `(dict, slots)` are searched in both parts.
    public func attribute(_ name: String) -> PickleValue? {
        switch state {
        case .dict?:
            return state?[name]
        case let .tuple(parts)?:
            for part in parts { if let value = part[name] { return value } }
            return nil
        default:
            return nil
        }
    }

    public static func == (lhs: PickleObject, rhs: PickleObject) -> Bool {
        lhs.classToken == rhs.classToken && lhs.args == rhs.args && lhs.state == rhs.state
            && lhs.listItems == rhs.listItems && pairsEqual(lhs.dictItems, rhs.dictItems)
    }
}

func pairsEqual(_ lhs: [(key: PickleValue, value: PickleValue)], _ rhs: [(key: PickleValue, value: PickleValue)]) -> Bool {
    lhs.count == rhs.count && zip(lhs, rhs).allSatisfy { $0.key == $1.key && $0.value == $1.value }
}
