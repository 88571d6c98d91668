import CYAML
#if canImport(Glibc)
import Glibc
#endif

/// Reads YAML text through libyaml's event parser into a `YAMLNode` tree.
///
/// Only data is built: tags are ignored, aliases are resolved to copies of their anchored node,
/// and nothing is ever evaluated. Every node keeps the line and column where it starts.
public enum YAMLReader {
    /// Parses the first document of `text`. `file` names the source in marks and errors.
    public static func parse(_ text: String, file: String) throws -> YAMLNode {
        var bytes = Array(text.utf8)
        if bytes.isEmpty { bytes = [0x0A] }
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            throw ConfigError("libyaml could not initialise a parser", file: file)
        }
        defer { yaml_parser_delete(&parser) }
        return try bytes.withUnsafeBufferPointer { buffer -> YAMLNode in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var builder = TreeBuilder(file: file)
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else {
                    throw parserError(parser, file: file)
                }
                defer { yaml_event_delete(&event) }
                if event.type == YAML_STREAM_END_EVENT { break }
                if try builder.consume(event) { break }
            }
            guard let root = builder.root else {
                throw ConfigError("the file holds no YAML document", file: file)
            }
            return root
        }
    }

    /// Reads and parses a file; a missing or unreadable file is a `ConfigError` naming it.
    public static func load(path: String) throws -> YAMLNode {
        try parse(readTextFile(path), file: path)
    }

    static func parserError(_ parser: yaml_parser_t, file: String) -> ConfigError {
        let problem = parser.problem.map { String(cString: $0) } ?? "malformed YAML"
        let context = parser.context.map { String(cString: $0) }
        let mark = SourceMark(
            file: file, line: Int(parser.problem_mark.line) + 1, column: Int(parser.problem_mark.column) + 1)
        let message = context.map { "malformed YAML: \(problem) (\($0))" } ?? "malformed YAML: \(problem)"
        return ConfigError(message, at: mark)
    }
}

/// Assembles nodes from the event stream with an explicit stack of open collections.
private struct TreeBuilder {
    enum Open {
        case sequence(items: [YAMLNode], mark: SourceMark, anchor: String?)
        case mapping(pairs: [(key: YAMLNode, value: YAMLNode)], pendingKey: YAMLNode?, mark: SourceMark, anchor: String?)
    }

    let file: String
    var stack: [Open] = []
    var anchors: [String: YAMLNode] = [:]
    var root: YAMLNode?

    init(file: String) { self.file = file }

    func mark(_ m: yaml_mark_t) -> SourceMark {
        SourceMark(file: file, line: Int(m.line) + 1, column: Int(m.column) + 1)
    }

    static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?, length: Int? = nil) -> String? {
        guard let pointer else { return nil }
        if let length {
            let buffer = UnsafeBufferPointer(start: pointer, count: length)
            return String(decoding: buffer, as: UTF8.self)
        }
        return String(cString: UnsafeRawPointer(pointer).assumingMemoryBound(to: CChar.self))
    }

    /// Handles one event; returns true once the first document is complete.
    mutating func consume(_ event: yaml_event_t) throws -> Bool {
        let start = mark(event.start_mark)
        switch event.type {
        case YAML_DOCUMENT_END_EVENT:
            return root != nil
        case YAML_SCALAR_EVENT:
            let scalar = event.data.scalar
            let text = Self.string(scalar.value, length: Int(scalar.length)) ?? ""
            let node = YAMLNode(
                .scalar(YAMLScalar(text: text, isQuoted: scalar.style != YAML_PLAIN_SCALAR_STYLE)), mark: start)
            if let anchor = Self.string(scalar.anchor) { anchors[anchor] = node }
            try attach(node)
        case YAML_ALIAS_EVENT:
            let name = Self.string(event.data.alias.anchor) ?? ""
            guard let node = anchors[name] else {
                throw ConfigError("alias *\(name) refers to no anchor defined before it", at: start)
            }
            try attach(node)
        case YAML_SEQUENCE_START_EVENT:
            stack.append(.sequence(items: [], mark: start, anchor: Self.string(event.data.sequence_start.anchor)))
        case YAML_MAPPING_START_EVENT:
            stack.append(.mapping(pairs: [], pendingKey: nil, mark: start,
                                  anchor: Self.string(event.data.mapping_start.anchor)))
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            guard let open = stack.popLast() else { return false }
            let node: YAMLNode
            let anchor: String?
            switch open {
            case .sequence(let items, let m, let a):
                node = YAMLNode(.sequence(items), mark: m)
                anchor = a
            case .mapping(let pairs, _, let m, let a):
                node = YAMLNode(.mapping(pairs), mark: m)
                anchor = a
            }
            if let anchor { anchors[anchor] = node }
            try attach(node)
        default:
            break
        }
        return false
    }

    mutating func attach(_ node: YAMLNode) throws {
        guard let top = stack.popLast() else {
            root = node
            return
        }
        switch top {
        case .sequence(var items, let m, let a):
            items.append(node)
            stack.append(.sequence(items: items, mark: m, anchor: a))
        case .mapping(var pairs, let pendingKey, let m, let a):
            if let key = pendingKey {
                pairs.append((key: key, value: node))
                stack.append(.mapping(pairs: pairs, pendingKey: nil, mark: m, anchor: a))
            } else {
                if let text = node.scalar?.text,
                   let previous = pairs.first(where: { $0.key.scalar?.text == text }) {
                    throw ConfigError(
                        "duplicate key '\(text)' (first defined at line \(previous.key.mark.line))", at: node.mark)
                }
                stack.append(.mapping(pairs: pairs, pendingKey: node, mark: m, anchor: a))
            }
        }
    }
}
