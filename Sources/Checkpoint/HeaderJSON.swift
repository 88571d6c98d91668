/// The JSON used by safetensors headers, parsed by hand so that object members keep their
/// file order and every malformed byte becomes a `CheckpointError` with its offset.
enum HeaderJSON: Equatable {
    case null
    case bool(Bool)
    /// Integers that fit in Int64 are kept exact (offsets and shapes must not pass through Double).
    case int(Int)
    case double(Double)
    case string(String)
    case array([HeaderJSON])
    case object([(key: String, value: HeaderJSON)])

    static let maximumNesting = 64

    static func == (lhs: HeaderJSON, rhs: HeaderJSON) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.int(a), .int(b)): return a == b
        case let (.double(a), .double(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.array(a), .array(b)): return a == b
        case let (.object(a), .object(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    var kindName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .int, .double: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    // MARK: - Parsing

    static func parse(_ bytes: ArraySlice<UInt8>, source: String) throws -> HeaderJSON {
        var parser = Parser(reader: ByteReader(bytes, source: source))
        parser.skipWhitespace()
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.reader.isAtEnd else { throw parser.failure("unexpected text after the JSON value") }
        return value
    }

    private struct Parser {
        var reader: ByteReader

        func failure(_ message: String) -> CheckpointError {
            reader.error("malformed JSON header at byte \(reader.offset): \(message)")
        }

        private var peek: UInt8? {
            reader.isAtEnd ? nil : reader.bytes[reader.position]
        }

        mutating func skipWhitespace() {
            while let byte = peek, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 {
                _ = try? reader.readUInt8("whitespace")
            }
        }

        private mutating func expect(_ byte: UInt8, _ what: String) throws {
            guard peek == byte else { throw failure("expected \(what)") }
            _ = try reader.readUInt8("JSON punctuation")
        }

        private mutating func literal(_ word: String, _ value: HeaderJSON) throws -> HeaderJSON {
            for expected in word.utf8 {
                guard peek == expected else { throw failure("expected '\(word)'") }
                _ = try reader.readUInt8("JSON literal")
            }
            return value
        }

        mutating func value(depth: Int) throws -> HeaderJSON {
            guard depth < HeaderJSON.maximumNesting else { throw failure("nested too deeply") }
            guard let byte = peek else { throw failure("unexpected end of header") }
            switch byte {
            case UInt8(ascii: "{"): return try object(depth: depth)
            case UInt8(ascii: "["): return try array(depth: depth)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): return try literal("true", .bool(true))
            case UInt8(ascii: "f"): return try literal("false", .bool(false))
            case UInt8(ascii: "n"): return try literal("null", .null)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
            default: throw failure("unexpected character '\(Character(Unicode.Scalar(byte)))'")
            }
        }

        private mutating func object(depth: Int) throws -> HeaderJSON {
            try expect(UInt8(ascii: "{"), "'{'")
            var members: [(key: String, value: HeaderJSON)] = []
            skipWhitespace()
            if peek == UInt8(ascii: "}") {
                _ = try reader.readUInt8("JSON punctuation")
                return .object(members)
            }
            while true {
                skipWhitespace()
                guard peek == UInt8(ascii: "\"") else { throw failure("expected a member name") }
                let key = try string()
                skipWhitespace()
                try expect(UInt8(ascii: ":"), "':'")
                skipWhitespace()
                members.append((key: key, value: try value(depth: depth + 1)))
                skipWhitespace()
                if peek == UInt8(ascii: ",") {
                    _ = try reader.readUInt8("JSON punctuation")
                    continue
                }
                try expect(UInt8(ascii: "}"), "',' or '}'")
                return .object(members)
            }
        }

        private mutating func array(depth: Int) throws -> HeaderJSON {
            try expect(UInt8(ascii: "["), "'['")
            var items: [HeaderJSON] = []
            skipWhitespace()
            if peek == UInt8(ascii: "]") {
                _ = try reader.readUInt8("JSON punctuation")
                return .array(items)
            }
            while true {
                skipWhitespace()
                items.append(try value(depth: depth + 1))
                skipWhitespace()
                if peek == UInt8(ascii: ",") {
                    _ = try reader.readUInt8("JSON punctuation")
                    continue
                }
                try expect(UInt8(ascii: "]"), "',' or ']'")
                return .array(items)
            }
        }

        private mutating func number() throws -> HeaderJSON {
            var text = ""
            while let byte = peek, byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: ".")
                || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") || (0x30...0x39).contains(byte) {
                text.unicodeScalars.append(Unicode.Scalar(try reader.readUInt8("JSON number")))
            }
            if let integer = Int(text) { return .int(integer) }
            if let real = Double(text), real.isFinite { return .double(real) }
            throw failure("bad number '\(text)'")
        }

        private mutating func hexQuad() throws -> UInt32 {
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = try reader.readUInt8("\\u escape")
                guard let digit = Character(Unicode.Scalar(byte)).hexDigitValue else {
                    throw failure("bad \\u escape")
                }
                value = value << 4 | UInt32(digit)
            }
            return value
        }

        mutating func string() throws -> String {
            try expect(UInt8(ascii: "\""), "'\"'")
            var utf8: [UInt8] = []
            while true {
                let byte = try reader.readUInt8("JSON string")
                switch byte {
                case UInt8(ascii: "\""):
                    guard let text = String(validating: utf8, as: UTF8.self) else {
                        throw failure("string is not valid UTF-8")
                    }
                    return text
                case UInt8(ascii: "\\"):
                    let escape = try reader.readUInt8("JSON escape")
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(escape)
                    case UInt8(ascii: "b"): utf8.append(0x08)
                    case UInt8(ascii: "f"): utf8.append(0x0C)
                    case UInt8(ascii: "n"): utf8.append(0x0A)
                    case UInt8(ascii: "r"): utf8.append(0x0D)
                    case UInt8(ascii: "t"): utf8.append(0x09)
                    case UInt8(ascii: "u"):
                        var code = try hexQuad()
                        if (0xD800..<0xDC00).contains(code) {
                            guard try reader.readUInt8("surrogate pair") == UInt8(ascii: "\\"),
                                  try reader.readUInt8("surrogate pair") == UInt8(ascii: "u") else {
                                throw failure("unpaired UTF-16 surrogate")
                            }
                            let low = try hexQuad()
                            guard (0xDC00..<0xE000).contains(low) else { throw failure("unpaired UTF-16 surrogate") }
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        }
                        guard let scalar = Unicode.Scalar(code) else { throw failure("invalid \\u escape") }
                        utf8.append(contentsOf: Array(String(Character(scalar)).utf8))
                    default:
                        throw failure("invalid escape '\\\(Character(Unicode.Scalar(escape)))'")
                    }
                case 0x00..<0x20:
                    throw failure("control character in a string")
                default:
                    utf8.append(byte)
                }
            }
        }
    }

    // MARK: - Writing

    /// Compact JSON text, members in the given order.
    var serialized: String {
        switch self {
        case .null: return "null"
        case let .bool(flag): return flag ? "true" : "false"
        case let .int(number): return String(number)
        case let .double(number): return "\(number)"
        case let .string(text): return Self.quoted(text)
        case let .array(items): return "[" + items.map(\.serialized).joined(separator: ",") + "]"
        case let .object(members):
            return "{" + members.map { Self.quoted($0.key) + ":" + $0.value.serialized }.joined(separator: ",") + "}"
        }
    }

    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case "\u{00}"..."\u{1F}":
                let digits = Array("0123456789abcdef")
                result += "\\u00" + String(digits[Int(scalar.value >> 4)]) + String(digits[Int(scalar.value & 0xF)])
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
