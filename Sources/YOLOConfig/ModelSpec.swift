/// A model YAML as written: top-level settings and the `backbone` + `head` rows, each with its
/// source position. Nothing is scaled or resolved here; that is the model compiler's work.
public struct ModelSpec: Sendable {
    /// Where a row takes its input from: one index or a list (negative = relative to the row).
    public enum From: Sendable, Equatable, CustomStringConvertible {
        case single(Int)
        case list([Int])

        public var indices: [Int] {
            switch self {
            case .single(let i): return [i]
            case .list(let l): return l
            }
        }

        /// Python's repr, as Ultralytics prints the `from` column.
        public var description: String {
            switch self {
            case .single(let i): return String(i)
            case .list(let l): return "[" + l.map(String.init).joined(separator: ", ") + "]"
            }
        }
    }

    /// One `[from, number, module, args]` row.
    public struct Row: Sendable {
        public var index: Int
        public var from: From
        public var fromMark: SourceMark
        public var number: Int
        public var numberMark: SourceMark
        public var module: String
        public var moduleMark: SourceMark
        /// Arguments as written; the words `nc` and `anchors` are still strings (see `resolvedArguments`).
        public var arguments: [MarkedArgument]
        public var argumentsMark: SourceMark
        public var mark: SourceMark
    }

    /// `anchors:` is either explicit per-level pixel sizes or the number of anchors per level.
    public enum Anchors: Sendable, Equatable {
        case perLevel([[Double]], written: ModuleArgument)
        case count(Int)

        /// The value substituted for the word `anchors` in a row's arguments.
        public var argument: ModuleArgument {
            switch self {
            case .perLevel(_, let written): return written
            case .count(let n): return .int(n)
            }
        }
    }

    public var file: String
    public var nc: Int
    public var ncMark: SourceMark?
    public var depthMultiple: Double
    public var widthMultiple: Double
    public var anchors: Anchors
    public var anchorsMark: SourceMark
    public var activation: ActivationSpec?
    public var channelMultiple: Int
    public var inputChannels: Int
    public var rows: [Row]
    /// How many of `rows` came from `backbone` (the rest from `head`).
    public var backboneRowCount: Int?
    /// Top-level keys nobody reads (typos are the usual cause), reported rather than ignored silently.
    public var unusedKeys: [(key: String, mark: SourceMark)]

    public static let knownKeys: Set<String> = [
        "nc", "depth_multiple", "width_multiple", "anchors", "activation", "channel_multiple",
        "ch", "inplace", "backbone", "head",
    ]

    /// The row's arguments with `nc` and `anchors` replaced by this spec's values, as
    /// Ultralytics' `eval` of those words gives them.
    public func resolvedArguments(of row: Row) -> [MarkedArgument] {
        row.arguments.map { argument in
            switch argument.value {
            case .string("nc"): return MarkedArgument(.int(nc), mark: argument.mark)
            case .string("anchors"): return MarkedArgument(anchors.argument, mark: argument.mark)
            default: return argument
            }
        }
    }

    public static func load(path: String) throws -> ModelSpec {
        try ModelSpec(node: YAMLReader.load(path: path), file: path)
    }

    public static func parse(_ text: String, file: String) throws -> ModelSpec {
        try ModelSpec(node: YAMLReader.parse(text, file: file), file: file)
    }

    public init(node: YAMLNode, file: String) throws {
        guard let pairs = node.mapping else {
            throw ConfigError("a model file must be a mapping of keys (nc, depth_multiple, ...), found \(node.kindDescription)",
                              at: node.mark)
        }
        self.file = file
        var unused: [(String, SourceMark)] = []
        for (key, _) in pairs {
            let name = key.scalar?.text ?? ""
            if !Self.knownKeys.contains(name) { unused.append((name, key.mark)) }
        }
        self.unusedKeys = unused.map { (key: $0.0, mark: $0.1) }

        func required(_ key: String) throws -> YAMLNode {
            guard let value = node[key] else {
                throw ConfigError("missing required key '\(key)'", file: file)
            }
            return value
        }

        let ncNode = try required("nc")
        guard case .int(let nc)? = ncNode.scalar?.value, nc > 0 else {
            throw ConfigError("'nc' must be a positive integer (the number of classes), found \(ncNode.kindDescription)",
                              at: ncNode.mark)
        }
        self.nc = nc
        self.ncMark = ncNode.mark
        self.depthMultiple = try Self.positiveNumber(try required("depth_multiple"), key: "depth_multiple")
        self.widthMultiple = try Self.positiveNumber(try required("width_multiple"), key: "width_multiple")

        let anchorsNode = try required("anchors")
        self.anchorsMark = anchorsNode.mark
        self.anchors = try Self.parseAnchors(anchorsNode)

        if let act = node["activation"], act.scalar?.value != .null {
            guard case .string(let text)? = act.scalar?.value else {
                throw ConfigError("'activation' must be a module such as nn.SiLU(), found \(act.kindDescription)",
                                  at: act.mark)
            }
            self.activation = try ActivationSpec.parse(text, mark: act.mark)
        } else {
            self.activation = nil
        }
        if let mul = node["channel_multiple"], mul.scalar?.value != .null {
            guard case .int(let m)? = mul.scalar?.value, m > 0 else {
                throw ConfigError("'channel_multiple' must be a positive integer, found \(mul.kindDescription)", at: mul.mark)
            }
            self.channelMultiple = m
        } else {
            self.channelMultiple = 8
        }
        if let ch = node["ch"] {
            guard case .int(let c)? = ch.scalar?.value, c > 0 else {
                throw ConfigError("'ch' must be a positive integer (input channels), found \(ch.kindDescription)", at: ch.mark)
            }
            self.inputChannels = c
        } else {
            self.inputChannels = 3
        }

        var rows: [Row] = []
        for section in ["backbone", "head"] {
            let sectionNode = try required(section)
            guard let items = sectionNode.sequence else {
                throw ConfigError("'\(section)' must be a list of rows [from, number, module, args], found \(sectionNode.kindDescription)",
                                  at: sectionNode.mark)
            }
            for item in items {
                rows.append(try Self.parseRow(item, index: rows.count))
            }
            if section == "backbone" { backboneRowCount = rows.count }
        }
        guard !rows.isEmpty else { throw ConfigError("the model has no rows in backbone or head", file: file) }
        self.rows = rows
    }

    static func positiveNumber(_ node: YAMLNode, key: String) throws -> Double {
        guard let value = node.scalar?.number, value > 0, value.isFinite else {
            throw ConfigError("'\(key)' must be a positive number, found \(node.kindDescription)", at: node.mark)
        }
        return value
    }

    static func parseAnchors(_ node: YAMLNode) throws -> Anchors {
        if case .int(let count)? = node.scalar?.value {
            guard count > 0 else { throw ConfigError("'anchors' as a count must be positive, found \(count)", at: node.mark) }
            return .count(count)
        }
        guard let levels = node.sequence, !levels.isEmpty else {
            throw ConfigError("'anchors' must be a list of per-level lists [w, h, w, h, ...] or an anchor count, found \(node.kindDescription)",
                              at: node.mark)
        }
        var values: [[Double]] = []
        var written: [ModuleArgument] = []
        for level in levels {
            guard let sizes = level.sequence, !sizes.isEmpty, sizes.count % 2 == 0 else {
                throw ConfigError("each anchors level must be a list of an even number of sizes [w, h, ...], found \(level.kindDescription)",
                                  at: level.mark)
            }
            var row: [Double] = []
            var rowWritten: [ModuleArgument] = []
            for size in sizes {
                guard let v = size.scalar?.number, v > 0 else {
                    throw ConfigError("an anchor size must be a positive number, found \(size.kindDescription)", at: size.mark)
                }
                row.append(v)
                if case .int(let i)? = size.scalar?.value { rowWritten.append(.int(i)) } else { rowWritten.append(.float(v)) }
            }
            if let first = values.first, first.count != row.count {
                throw ConfigError("every anchors level must have the same number of anchors (\(first.count / 2)), this one has \(row.count / 2)",
                                  at: level.mark)
            }
            values.append(row)
            written.append(.list(rowWritten))
        }
        return .perLevel(values, written: .list(written))
    }

    static func parseRow(_ node: YAMLNode, index: Int) throws -> Row {
        guard let fields = node.sequence else {
            throw ConfigError("row \(index): expected [from, number, module, args], found \(node.kindDescription)", at: node.mark)
        }
        guard fields.count == 4 else {
            throw ConfigError("row \(index): expected 4 fields [from, number, module, args], found \(fields.count)", at: node.mark)
        }
        let fromNode = fields[0], numberNode = fields[1], moduleNode = fields[2], argsNode = fields[3]

        let from: From
        if case .int(let i)? = fromNode.scalar?.value {
            from = .single(i)
        } else if let list = fromNode.sequence, !list.isEmpty {
            var indices: [Int] = []
            for entry in list {
                guard case .int(let i)? = entry.scalar?.value else {
                    throw ConfigError("row \(index): every 'from' index must be an integer, found \(entry.kindDescription)", at: entry.mark)
                }
                indices.append(i)
            }
            from = .list(indices)
        } else {
            throw ConfigError("row \(index): 'from' must be an integer or a list of integers, found \(fromNode.kindDescription)",
                              at: fromNode.mark)
        }

        guard case .int(let number)? = numberNode.scalar?.value else {
            throw ConfigError("row \(index): the repeat count must be an integer, found \(numberNode.kindDescription)",
                              at: numberNode.mark)
        }
        guard number >= 1 else {
            throw ConfigError("row \(index): the repeat count must be at least 1, found \(number)", at: numberNode.mark)
        }

        guard case .string(let module)? = moduleNode.scalar?.value, !module.isEmpty else {
            throw ConfigError("row \(index): the module must be a name such as Conv or nn.Upsample, found \(moduleNode.kindDescription)",
                              at: moduleNode.mark)
        }

        guard let argNodes = argsNode.sequence else {
            throw ConfigError("row \(index): 'args' must be a list, found \(argsNode.kindDescription)", at: argsNode.mark)
        }
        let arguments = try argNodes.map { MarkedArgument(try argument(from: $0), mark: $0.mark) }
        return Row(index: index, from: from, fromMark: fromNode.mark, number: number, numberMark: numberNode.mark,
                   module: module, moduleMark: moduleNode.mark, arguments: arguments, argumentsMark: argsNode.mark,
                   mark: node.mark)
    }

    /// Converts an argument node; `None` (a string to PyYAML) becomes Python's None as eval would make it.
    static func argument(from node: YAMLNode) throws -> ModuleArgument {
        switch node.content {
        case .sequence(let items):
            return .list(try items.map(argument(from:)))
        case .mapping:
            throw ConfigError("a module argument cannot be a mapping", at: node.mark)
        case .scalar(let scalar):
            switch scalar.value {
            case .null: return .none
            case .bool(let b): return .bool(b)
            case .int(let i): return .int(i)
            case .float(let d): return .float(d)
            case .string(let s):
                if !scalar.isQuoted && s == "None" { return .none }
                return .string(s)
            }
        }
    }
}
