/// A value for a YAML file that Ultralytics writes with `yaml.safe_dump(..., sort_keys=False)`
/// (opt.yaml, hyp.yaml): the Python types those files hold.
public indirect enum PyYAMLValue: Sendable, Equatable {
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    /// Python's `None`.
    case null
    case list([PyYAMLValue])
    /// A dict, in insertion order.
    case mapping([Entry])

    public struct Entry: Sendable, Equatable {
        public var key: String
        public var value: PyYAMLValue
        public init(_ key: String, _ value: PyYAMLValue) {
            self.key = key
            self.value = value
        }
    }
}

extension PyYAMLValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByNilLiteral, ExpressibleByArrayLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(nilLiteral: ()) { self = .null }
    public init(arrayLiteral elements: PyYAMLValue...) { self = .list(elements) }
}
