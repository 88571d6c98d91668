/// One entry of a row's `args` list after the YAML words Ultralytics evaluates are resolved.
///
/// Ultralytics runs `eval()` on every string argument; here only the names it can actually
/// mean are recognised (`None`, and the symbols `nc` and `anchors`, which the model spec
/// substitutes). Any other word stays a string, as it does in Ultralytics when eval fails.
public indirect enum ModuleArgument: Sendable, Equatable, CustomStringConvertible {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case list([ModuleArgument])

    /// Python's `repr`, so argument lists print exactly as Ultralytics prints them.
    public var description: String {
        switch self {
        case .none: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .int(let i): return String(i)
        case .float(let d): return pythonFloatRepr(d)
        case .string(let s): return "'\(s)'"
        case .list(let items): return "[" + items.map(\.description).joined(separator: ", ") + "]"
        }
    }

    public var intValue: Int? {
        if case .int(let i) = self { return i }
        return nil
    }

    /// The number held by an int or float argument.
    public var numberValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .float(let d): return d
        default: return nil
        }
    }

    public var listValue: [ModuleArgument]? {
        if case .list(let items) = self { return items }
        return nil
    }

    public var kindDescription: String {
        switch self {
        case .none: return "None"
        case .bool: return "a boolean"
        case .int: return "an integer"
        case .float: return "a float"
        case .string(let s): return "the word '\(s)'"
        case .list: return "a list"
        }
    }
}

/// Python's shortest round-trip float formatting (`repr(0.5)` is `0.5`, `repr(1e-05)` is `1e-05`).
public func pythonFloatRepr(_ value: Double) -> String {
    if value.isNaN { return "nan" }
    if value.isInfinite { return value < 0 ? "-inf" : "inf" }
    // Swift's description is also shortest round-trip; the forms agree except for exponent spelling.
    var text = "\(value)"
    if let e = text.firstIndex(of: "e") {
        let mantissa = text[..<e]
        var exponent = String(text[text.index(after: e)...])
        var sign = "+"
        if exponent.hasPrefix("-") { sign = "-"; exponent.removeFirst() } else if exponent.hasPrefix("+") { exponent.removeFirst() }
        if exponent.count < 2 { exponent = "0" + exponent }
        var m = String(mantissa)
        if m.hasSuffix(".0") { m.removeLast(2) }
        text = m + "e" + sign + exponent
    }
    return text
}

/// An argument together with the place it was written, for error messages.
public struct MarkedArgument: Sendable {
    public var value: ModuleArgument
    public var mark: SourceMark

    public init(_ value: ModuleArgument, mark: SourceMark) {
        self.value = value
        self.mark = mark
    }
}
