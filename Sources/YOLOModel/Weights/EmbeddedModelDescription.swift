import Checkpoint
import YOLOConfig

/// Reads the model description Ultralytics pickles into its checkpoints (the model's `yaml`
/// dict: nc, depth_multiple, width_multiple, anchors, backbone, head) as a `ModelSpec`, by
/// turning the pickled values into the same node tree a YAML file gives.
public enum EmbeddedModelDescription {
    public static func spec(from description: PickleValue, source: String) throws -> ModelSpec {
        let mark = SourceMark(file: source + " (embedded model description)", line: 1, column: 1)
        return try ModelSpec(node: try node(from: description, mark: mark), file: mark.file)
    }

    static func node(from value: PickleValue, mark: SourceMark) throws -> YAMLNode {
        switch value {
        case .none: return YAMLNode(.scalar(YAMLScalar(value: .null)), mark: mark)
        case .bool(let b): return YAMLNode(.scalar(YAMLScalar(value: .bool(b))), mark: mark)
        case .int(let i): return YAMLNode(.scalar(YAMLScalar(value: .int(i))), mark: mark)
        case .float(let d): return YAMLNode(.scalar(YAMLScalar(value: .float(d))), mark: mark)
        case .string(let s): return YAMLNode(.scalar(YAMLScalar(value: .string(s))), mark: mark)
        case .list(let items), .tuple(let items):
            return YAMLNode(.sequence(try items.map { try node(from: $0, mark: mark) }), mark: mark)
        case .dict(let pairs):
            return YAMLNode(.mapping(try pairs.map { (key: try node(from: $0.key, mark: mark), value: try node(from: $0.value, mark: mark)) }),
                            mark: mark)
        default:
            throw ConfigError("the embedded model description holds a value that is not plain data", at: mark)
        }
    }

    /// Class names from the checkpoint's `names` (a list, or an index → name dict).
    public static func classNames(from value: PickleValue?) -> [String]? {
        guard let value else { return nil }
        if let items = value.elements { return items.map { $0.stringValue ?? "\($0)" } }
        if let pairs = value.dictPairs {
            let sorted = pairs.compactMap { pair in pair.key.intValue.map { ($0, pair.value.stringValue ?? "") } }.sorted { $0.0 < $1.0 }
            return sorted.map(\.1)
        }
        return nil
    }
}
