/// One node of a YAML document: a scalar, a sequence or a mapping, with the place it starts.
public struct YAMLNode: Sendable {
    public enum Content: Sendable {
        case scalar(YAMLScalar)
        case sequence([YAMLNode])
        /// Keys in file order; duplicate keys are rejected by the reader.
        case mapping([(key: YAMLNode, value: YAMLNode)])
    }

    public var content: Content
    public var mark: SourceMark

    public init(_ content: Content, mark: SourceMark) {
        self.content = content
        self.mark = mark
    }

    public var scalar: YAMLScalar? {
        if case .scalar(let s) = content { return s }
        return nil
    }

    public var sequence: [YAMLNode]? {
        if case .sequence(let items) = content { return items }
        return nil
    }

    public var mapping: [(key: YAMLNode, value: YAMLNode)]? {
        if case .mapping(let pairs) = content { return pairs }
        return nil
    }

    /// The value under a string key of a mapping, or nil when the node is no mapping or lacks the key.
    public subscript(key: String) -> YAMLNode? {
        mapping?.first(where: { $0.key.scalar?.text == key })?.value
    }

    /// What this node is, as words for error messages ("a mapping", "the integer 3", ...).
    public var kindDescription: String {
        switch content {
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        case .scalar(let s): return s.kindDescription
        }
    }
}

/// A scalar with the type PyYAML's safe loader would give it.
public struct YAMLScalar: Sendable, Equatable {
    public enum Value: Sendable, Equatable {
        case null
        case bool(Bool)
        case int(Int)
        case float(Double)
        case string(String)
    }

    /// The text as written in the file, without quotes.
    public var text: String
    /// True when the scalar was quoted or a block literal, which always makes it a string.
    public var isQuoted: Bool
    public var value: Value

    public init(text: String, isQuoted: Bool) {
        self.text = text
        self.isQuoted = isQuoted
        self.value = isQuoted ? .string(text) : ScalarResolver.resolve(text)
    }

    /// A scalar whose type is already known (built from data that was typed elsewhere, such as
    /// the model description pickled inside a checkpoint).
    public init(value: Value) {
        self.value = value
        self.isQuoted = false
        switch value {
        case .null: text = ""
        case .bool(let b): text = b ? "true" : "false"
        case .int(let i): text = String(i)
        case .float(let d): text = pythonFloatRepr(d)
        case .string(let s): text = s
        }
    }

    public var kindDescription: String {
        switch value {
        case .null: return "null"
        case .bool(let b): return "the boolean \(b)"
        case .int(let i): return "the integer \(i)"
        case .float(let d): return "the number \(d)"
        case .string(let s): return "the string '\(s)'"
        }
    }

    /// The number this scalar holds, if it is an integer or a float.
    public var number: Double? {
        switch value {
        case .int(let i): return Double(i)
        case .float(let d): return d
        default: return nil
        }
    }
}
