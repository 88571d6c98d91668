import Foundation

/// A dataset YAML (Ultralytics' data format): where the splits are and what the classes are called.
public struct DatasetSpec: Sendable, Equatable {
    /// The dataset root after resolution (absolute).
    public var root: String
    /// Each split as one or more sources (a folder, a list file or an image), absolute paths.
    public var train: [String]
    public var val: [String]
    public var test: [String]
    public var names: [String]
    public var nc: Int { names.count }
    /// Optional `labels:` override: a folder name used instead of `labels` when mapping image paths to labels.
    public var labelsFolder: String?
    public var file: String

    public static let knownKeys: Set<String> = ["path", "train", "val", "test", "nc", "names", "download", "labels"]

    public static func load(path: String, workingDirectory: String = FileManager.default.currentDirectoryPath) throws -> DatasetSpec {
        try DatasetSpec(node: YAMLReader.load(path: path), file: path, workingDirectory: workingDirectory)
    }

    public init(node: YAMLNode, file: String, workingDirectory: String = FileManager.default.currentDirectoryPath) throws {
        guard let pairs = node.mapping else {
            throw ConfigError("a dataset file must be a mapping (path, train, val, names, ...), found \(node.kindDescription)",
                              at: node.mark)
        }
        self.file = file
        for (key, _) in pairs where !Self.knownKeys.contains(key.scalar?.text ?? "") {
            throw ConfigError("unknown dataset key '\(key.scalar?.text ?? "")'; expected one of \(Self.knownKeys.sorted().joined(separator: ", "))",
                              at: key.mark)
        }

        let yamlFolder = Self.absolute((file as NSString).deletingLastPathComponent, base: workingDirectory)
        // A relative `path` is looked up next to the YAML first, then in the working directory.
        var root = yamlFolder
        if let pathNode = node["path"], let scalar = pathNode.scalar, scalar.value != .null {
            guard case .string(let text) = scalar.value else {
                throw ConfigError("'path' must be a folder path, found \(pathNode.kindDescription)", at: pathNode.mark)
            }
            if text.hasPrefix("/") {
                root = text
            } else {
                let besideYAML = Self.absolute(text, base: yamlFolder)
                let inWorkingDirectory = Self.absolute(text, base: workingDirectory)
                root = (!isDirectory(besideYAML) && isDirectory(inWorkingDirectory)) ? inWorkingDirectory : besideYAML
            }
        }
        let resolvedRoot = Self.normalized(root)
        self.root = resolvedRoot

        func split(_ key: String, required: Bool) throws -> [String] {
            guard let splitNode = node[key], splitNode.scalar?.value != .null else {
                if required { throw ConfigError("missing required key '\(key)' (a folder, a list file or a list of them)", file: file) }
                return []
            }
            let entries: [YAMLNode] = splitNode.sequence ?? [splitNode]
            return try entries.map { entry in
                guard case .string(let text)? = entry.scalar?.value, !text.isEmpty else {
                    throw ConfigError("'\(key)' must be a path or a list of paths, found \(entry.kindDescription)", at: entry.mark)
                }
                return Self.normalized(Self.absolute(text, base: resolvedRoot))
            }
        }
        self.train = try split("train", required: true)
        self.val = try split("val", required: true)
        self.test = try split("test", required: false)

        var names: [String]? = nil
        if let namesNode = node["names"] {
            if let list = namesNode.sequence {
                names = try list.map { try Self.className($0) }
            } else if let map = namesNode.mapping {
                var byIndex: [Int: String] = [:]
                for (k, v) in map {
                    guard case .int(let i)? = k.scalar?.value, i >= 0 else {
                        throw ConfigError("class indices in 'names' must be integers from 0, found \(k.kindDescription)", at: k.mark)
                    }
                    byIndex[i] = try Self.className(v)
                }
                guard byIndex.keys.sorted() == Array(0..<byIndex.count) else {
                    throw ConfigError("class indices in 'names' must run 0...\(byIndex.count - 1) without gaps", at: namesNode.mark)
                }
                names = (0..<byIndex.count).map { byIndex[$0]! }
            } else {
                throw ConfigError("'names' must be a list of class names or an index → name mapping, found \(namesNode.kindDescription)",
                                  at: namesNode.mark)
            }
        }
        var nc: Int? = nil
        if let ncNode = node["nc"] {
            guard case .int(let n)? = ncNode.scalar?.value, n > 0 else {
                throw ConfigError("'nc' must be a positive integer, found \(ncNode.kindDescription)", at: ncNode.mark)
            }
            nc = n
            if let names, names.count != n {
                throw ConfigError("'nc' is \(n) but 'names' lists \(names.count) classes; they must agree", at: ncNode.mark)
            }
        }
        switch (names, nc) {
        case (let names?, _): self.names = names
        case (nil, let n?): self.names = (0..<n).map { "class\($0)" }
        case (nil, nil): throw ConfigError("missing 'names' (or at least 'nc')", file: file)
        }

        if let labelsNode = node["labels"], labelsNode.scalar?.value != .null {
            guard case .string(let text)? = labelsNode.scalar?.value, !text.isEmpty else {
                throw ConfigError("'labels' must be a folder name, found \(labelsNode.kindDescription)", at: labelsNode.mark)
            }
            self.labelsFolder = text
        }
    }

    static func className(_ node: YAMLNode) throws -> String {
        guard let scalar = node.scalar, scalar.value != .null else {
            throw ConfigError("a class name must be a single word or string, found \(node.kindDescription)", at: node.mark)
        }
        return scalar.text
    }

    static func absolute(_ path: String, base: String) -> String {
        if path.hasPrefix("/") { return path }
        if path.isEmpty || path == "." { return base }
        return (base as NSString).appendingPathComponent(path)
    }

    /// Removes `.` and `..` components without touching the file system.
    static func normalized(_ path: String) -> String {
        var parts: [Substring] = []
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            if component == "." { continue }
            if component == "..", let last = parts.last, last != ".." { parts.removeLast(); continue }
            parts.append(component)
        }
        return "/" + parts.joined(separator: "/")
    }
}
