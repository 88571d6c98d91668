import Foundation
import YOLOConfig

/// Writes YAML text as PyYAML's `yaml.safe_dump(data, sort_keys=False)` does with its defaults
/// (block style, two-space mapping indent, sequences not indented under their key, no unicode).
///
/// Scalars follow PyYAML's representer and emitter: `null`, `true`/`false`, Python's `str(int)`,
/// floats as `repr(x).lower()` with `.0` put before a bare exponent (`1.0e-05`) and `.inf`/`.nan`;
/// a string is written plain unless PyYAML would read it back as another type (`'true'`, `'1.5'`,
/// `''`) or its characters forbid it (indicators, leading/trailing spaces), then single-quoted,
/// or double-quoted with escapes when it holds control or non-ASCII characters.
///
/// Not reproduced: PyYAML folds scalars longer than 80 columns at spaces; run options are paths
/// and names, which have none.
public enum PyYAMLWriter {
    /// The document for a top-level mapping.
    public static func document(_ entries: [PyYAMLValue.Entry]) -> String {
        if entries.isEmpty { return "{}\n" }
        return mappingLines(entries, indent: 0).joined(separator: "\n") + "\n"
    }

    /// One scalar as PyYAML writes it (lists and mappings are `[]`/`{}` only when empty).
    public static func scalar(_ value: PyYAMLValue) -> String {
        switch value {
        case .string(let text): return string(text)
        case .int(let number): return String(number)
        case .double(let number): return float(number)
        case .bool(let flag): return flag ? "true" : "false"
        case .null: return "null"
        case .list(let items):
            precondition(items.isEmpty, "a non-empty list is not a scalar")
            return "[]"
        case .mapping(let entries):
            precondition(entries.isEmpty, "a non-empty mapping is not a scalar")
            return "{}"
        }
    }

    /// PyYAML's `represent_float`.
    public static func float(_ value: Double) -> String {
        if value.isNaN { return ".nan" }
        if value.isInfinite { return value > 0 ? ".inf" : "-.inf" }
        var text = pythonFloatRepr(value).lowercased()
        if !text.contains("."), let e = text.firstIndex(of: "e") { text.replaceSubrange(e ... e, with: ".0e") }
        return text
    }

    // MARK: - Blocks

    private static func isBlock(_ value: PyYAMLValue) -> Bool {
        switch value {
        case .list(let items): return !items.isEmpty
        case .mapping(let entries): return !entries.isEmpty
        default: return false
        }
    }

    private static func mappingLines(_ entries: [PyYAMLValue.Entry], indent: Int) -> [String] {
        let pad = String(repeating: " ", count: indent)
        var lines: [String] = []
        for entry in entries {
            let key = string(entry.key)
            switch entry.value {
            case .list(let items) where !items.isEmpty:
                lines.append(pad + key + ":")
                lines += sequenceLines(items, indent: indent)   // PyYAML does not indent a sequence under its key
            case .mapping(let nested) where !nested.isEmpty:
                lines.append(pad + key + ":")
                lines += mappingLines(nested, indent: indent + 2)
            default:
                lines.append(pad + key + ": " + scalar(entry.value))
            }
        }
        return lines
    }

    private static func sequenceLines(_ items: [PyYAMLValue], indent: Int) -> [String] {
        let pad = String(repeating: " ", count: indent)
        var lines: [String] = []
        for item in items {
            guard isBlock(item) else {
                lines.append(pad + "- " + scalar(item))
                continue
            }
            // A nested block starts on the dash's line, the rest indented past the dash.
            var nested: [String]
            if case .list(let inner) = item { nested = sequenceLines(inner, indent: indent + 2) }
            else if case .mapping(let inner) = item { nested = mappingLines(inner, indent: indent + 2) }
            else { nested = [] }
            nested[0] = pad + "- " + nested[0].dropFirst(indent + 2)
            lines += nested
        }
        return lines
    }

    // MARK: - Strings

    private static func string(_ text: String) -> String {
        let analysis = StringAnalysis(text)
        // PyYAML writes a plain scalar only when it would read back as a string.
        if analysis.allowPlain && PlainScalarResolver.resolvesToString(text) { return text }
        // Quoted line breaks are folded by PyYAML; double quotes with \n say the same thing.
        if analysis.allowSingleQuoted && !text.contains("\n") {
            return "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
        }
        return doubleQuoted(text)
    }

    /// PyYAML's `write_double_quoted` escapes (without its line folding).
    private static func doubleQuoted(_ text: String) -> String {
        let named: [UInt32: String] = [0x00: "0", 0x07: "a", 0x08: "b", 0x09: "t", 0x0A: "n", 0x0B: "v", 0x0C: "f",
                                       0x0D: "r", 0x1B: "e", 0x22: "\"", 0x5C: "\\", 0x85: "N", 0xA0: "_",
                                       0x2028: "L", 0x2029: "P"]
        var out = "\""
        for scalar in text.unicodeScalars {
            let v = scalar.value
            let printableASCII = v >= 0x20 && v <= 0x7E
            if printableASCII && v != 0x22 && v != 0x5C {
                out.unicodeScalars.append(scalar)
            } else if let name = named[v] {
                out += "\\" + name
            } else if v <= 0xFF {
                out += String(format: "\\x%02X", v)
            } else if v <= 0xFFFF {
                out += String(format: "\\u%04X", v)
            } else {
                out += String(format: "\\U%08X", v)
            }
        }
        return out + "\""
    }
}

/// PyYAML's implicit resolvers: a plain scalar that matches one of these reads back as a bool,
/// int, float, null, timestamp, merge key or `=`, so a string with that text must be quoted.
enum PlainScalarResolver {
    private static let patterns: [NSRegularExpression] = [
        #"^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$"#,
        #"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"#,
        #"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$"#,
        #"^(?:<<)$"#,
        #"^(?:~|null|Null|NULL|)$"#,
        #"^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$"#,
        #"^(?:=)$"#,
    ].map { try! NSRegularExpression(pattern: $0) }

    static func resolvesToString(_ text: String) -> Bool {
        let range = NSRange(text.startIndex..., in: text)
        return !patterns.contains { $0.firstMatch(in: text, range: range) != nil }
    }
}

/// PyYAML's `Emitter.analyze_scalar`, reduced to what block-context values need.
struct StringAnalysis {
    var allowPlain = true
    var allowSingleQuoted = true

    init(_ text: String) {
        let chars = Array(text.unicodeScalars)
        if chars.isEmpty {
            // PyYAML allows an empty plain scalar, but the null resolver claims it first.
            return
        }
        var flowIndicators = false, blockIndicators = false, lineBreaks = false, special = false
        var leadingSpace = false, leadingBreak = false, trailingSpace = false, trailingBreak = false
        var breakSpace = false, spaceBreak = false, previousSpace = false, previousBreak = false
        if text.hasPrefix("---") || text.hasPrefix("...") { flowIndicators = true; blockIndicators = true }
        let whitespace: Set<UInt32> = [0, 0x20, 0x09, 0x0D, 0x0A, 0x85, 0x2028, 0x2029]
        let breaks: Set<UInt32> = [0x0A, 0x85, 0x2028, 0x2029]
        var precededByWhitespace = true
        var followedByWhitespace = chars.count == 1 || whitespace.contains(chars[1].value)
        for (index, scalar) in chars.enumerated() {
            let c = Character(scalar), v = scalar.value
            if index == 0 {
                if "#,[]{}&*!|>'\"%@`".contains(c) { flowIndicators = true; blockIndicators = true }
                if c == "?" || c == ":" {
                    flowIndicators = true
                    if followedByWhitespace { blockIndicators = true }
                }
                if c == "-" && followedByWhitespace { flowIndicators = true; blockIndicators = true }
            } else {
                if ",?[]{}".contains(c) { flowIndicators = true }
                if c == ":" {
                    flowIndicators = true
                    if followedByWhitespace { blockIndicators = true }
                }
                if c == "#" && precededByWhitespace { flowIndicators = true; blockIndicators = true }
            }
            if breaks.contains(v) { lineBreaks = true }
            // Without allow_unicode every character outside printable ASCII is special.
            if !(v == 0x0A || (v >= 0x20 && v <= 0x7E)) { special = true }
            if v == 0x20 {
                if index == 0 { leadingSpace = true }
                if index == chars.count - 1 { trailingSpace = true }
                if previousBreak { breakSpace = true }
                previousSpace = true; previousBreak = false
            } else if breaks.contains(v) {
                if index == 0 { leadingBreak = true }
                if index == chars.count - 1 { trailingBreak = true }
                if previousSpace { spaceBreak = true }
                previousSpace = false; previousBreak = true
            } else {
                previousSpace = false; previousBreak = false
            }
            precededByWhitespace = whitespace.contains(v)
            followedByWhitespace = index + 2 >= chars.count || whitespace.contains(chars[index + 2].value)
        }
        if leadingSpace || leadingBreak || trailingSpace || trailingBreak { allowPlain = false }
        if breakSpace { allowPlain = false; allowSingleQuoted = false }
        if spaceBreak || special { allowPlain = false; allowSingleQuoted = false }
        if lineBreaks { allowPlain = false }
        if blockIndicators { allowPlain = false }
        _ = flowIndicators   // matters only inside flow collections, which these files never use
    }
}
