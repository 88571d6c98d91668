/// Types plain (unquoted) scalars the way PyYAML's safe loader does for YAML 1.1:
/// `~`/`null`/empty → null; `true/false/yes/no/on/off` in their three casings → bool;
/// decimal, `0x`, `0o`/leading-zero octal, `0b` integers with `_` separators → int;
/// `1.5`, `.5`, `0.00`, `1.e-3`, `.inf`, `.nan` → float; everything else → string.
///
/// One deliberate difference: PyYAML reads `1e-5` (an exponent with no dot) as a string, a
/// well-known trap; hyperparameter files mean a number there, so it is a float here.
/// The Python words Ultralytics writes in `args` (`None`, `True`, `False`) come out as
/// the string `None` and booleans respectively, exactly as PyYAML gives them.
public enum ScalarResolver {
    public static func resolve(_ text: String) -> YAMLScalar.Value {
        if isNull(text) { return .null }
        if let b = bool(text) { return .bool(b) }
        if let i = integer(text) { return .int(i) }
        if let d = float(text) { return .float(d) }
        return .string(text)
    }

    static func isNull(_ text: String) -> Bool {
        ["", "~", "null", "Null", "NULL"].contains(text)
    }

    static func bool(_ text: String) -> Bool? {
        switch text {
        case "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON": return true
        case "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF": return false
        default: return nil
        }
    }

    /// Splits an optional leading sign off the text.
    private static func sign(_ text: Substring) -> (negative: Bool, rest: Substring) {
        if text.first == "-" { return (true, text.dropFirst()) }
        if text.first == "+" { return (false, text.dropFirst()) }
        return (false, text)
    }

    static func integer(_ text: String) -> Int? {
        let (negative, body) = sign(Substring(text))
        guard let first = body.first, first.isASCII, first.isNumber else { return nil }
        var radix = 10
        var digits = body
        if body.hasPrefix("0x") { radix = 16; digits = body.dropFirst(2) }
        else if body.hasPrefix("0b") { radix = 2; digits = body.dropFirst(2) }
        else if body.hasPrefix("0o") { radix = 8; digits = body.dropFirst(2) }
        else if body.count > 1 && body.hasPrefix("0") { radix = 8; digits = body.dropFirst(1) }
        let cleaned = digits.filter { $0 != "_" }
        guard !cleaned.isEmpty, let magnitude = Int(cleaned, radix: radix) else { return nil }
        return negative ? -magnitude : magnitude
    }

    static func float(_ text: String) -> Double? {
        switch text {
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .infinity
        case "-.inf", "-.Inf", "-.INF": return -.infinity
        case ".nan", ".NaN", ".NAN": return .nan
        default: break
        }
        let (negative, body) = sign(Substring(text))
        // mantissa: digits with an optional dot, or a dot followed by digits; then [eE][+-]?digits
        var mantissa = Substring("")
        var exponent: Substring? = nil
        if let e = body.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = body[..<e]
            exponent = body[body.index(after: e)...]
        } else {
            mantissa = body
        }
        let cleanedMantissa = mantissa.filter { $0 != "_" }
        let parts = cleanedMantissa.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { return nil }
        let whole = parts[0]
        let fraction = parts.count == 2 ? parts[1] : ""
        let allDigits: (Substring) -> Bool = { $0.allSatisfy { $0.isASCII && $0.isNumber } }
        guard allDigits(whole), allDigits(fraction), !(whole.isEmpty && fraction.isEmpty) else { return nil }
        if parts.count == 1 && exponent == nil { return nil }  // a bare integer is handled elsewhere
        if let exponent {
            let (_, expDigits) = sign(exponent)
            guard !expDigits.isEmpty, allDigits(expDigits) else { return nil }
        }
        var literal = String(whole.isEmpty ? "0" : whole) + "." + String(fraction.isEmpty ? "0" : fraction)
        if let exponent { literal += "e" + exponent }
        guard let magnitude = Double(literal) else { return nil }
        return negative ? -magnitude : magnitude
    }
}
