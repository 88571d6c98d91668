import Foundation
/// The training recipe of a hyperparameter YAML (hyps/hyp.scratch-low.yaml and friends), typed and checked.
///
/// Every key of Ultralytics' stock files is required; an unknown key is an error naming its line,
/// so a typo cannot silently fall back to a default.
public struct Hyperparameters: Sendable, Equatable {
    public var lr0 = 0.01
    public var lrf = 0.01
    public var momentum = 0.937
    public var weightDecay = 0.0005
    public var warmupEpochs = 3.0
    public var warmupMomentum = 0.8
    public var warmupBiasLR = 0.1
    public var box = 0.05
    public var cls = 0.5
    public var clsPositiveWeight = 1.0
    public var obj = 1.0
    public var objPositiveWeight = 1.0
    public var iouThreshold = 0.20
    public var anchorMatchThreshold = 4.0
    /// Optional: anchors per output level for k-means re-estimation (absent or 0 = keep the model's).
    public var anchorsPerLevel: Double? = nil
    public var focalLossGamma = 0.0
    public var hsvHue = 0.015
    public var hsvSaturation = 0.7
    public var hsvValue = 0.4
    public var degrees = 0.0
    public var translate = 0.1
    public var scale = 0.5
    public var shear = 0.0
    public var perspective = 0.0
    public var flipUpDown = 0.0
    public var flipLeftRight = 0.5
    public var mosaic = 1.0
    public var mixup = 0.0
    public var copyPaste = 0.0
    /// Optional `albumentations`: the photometric set (Blur, MedianBlur, ToGray at p = 0.01) that
    /// Ultralytics applies when the albumentations package is installed. Absent = off.
    public var albumentations = false

    /// The values of hyps/hyp.scratch-low.yaml, Ultralytics' default recipe.
    public init() {}

    /// What a value may be; checked when the file is read.
    enum Range {
        case positive, nonNegative, probability, any
        func accepts(_ v: Double) -> Bool {
            guard v.isFinite else { return false }
            switch self {
            case .positive: return v > 0
            case .nonNegative: return v >= 0
            case .probability: return v >= 0 && v <= 1
            case .any: return true
            }
        }
        var expectation: String {
            switch self {
            case .positive: return "a number > 0"
            case .nonNegative: return "a number >= 0"
            case .probability: return "a probability in [0, 1]"
            case .any: return "a number"
            }
        }
    }

    struct Field {
        let key: String
        let path: WritableKeyPath<Hyperparameters, Double>
        let range: Range
    }

    /// The keys in the order of Ultralytics' files; this order is also the order hyp.yaml is written in.
    static let fields: [Field] = [
        Field(key: "lr0", path: \.lr0, range: .positive),
        Field(key: "lrf", path: \.lrf, range: .positive),
        Field(key: "momentum", path: \.momentum, range: .probability),
        Field(key: "weight_decay", path: \.weightDecay, range: .nonNegative),
        Field(key: "warmup_epochs", path: \.warmupEpochs, range: .nonNegative),
        Field(key: "warmup_momentum", path: \.warmupMomentum, range: .probability),
        Field(key: "warmup_bias_lr", path: \.warmupBiasLR, range: .nonNegative),
        Field(key: "box", path: \.box, range: .nonNegative),
        Field(key: "cls", path: \.cls, range: .nonNegative),
        Field(key: "cls_pw", path: \.clsPositiveWeight, range: .positive),
        Field(key: "obj", path: \.obj, range: .nonNegative),
        Field(key: "obj_pw", path: \.objPositiveWeight, range: .positive),
        Field(key: "iou_t", path: \.iouThreshold, range: .probability),
        Field(key: "anchor_t", path: \.anchorMatchThreshold, range: .positive),
        Field(key: "fl_gamma", path: \.focalLossGamma, range: .nonNegative),
        Field(key: "hsv_h", path: \.hsvHue, range: .probability),
        Field(key: "hsv_s", path: \.hsvSaturation, range: .probability),
        Field(key: "hsv_v", path: \.hsvValue, range: .probability),
        Field(key: "degrees", path: \.degrees, range: .nonNegative),
        Field(key: "translate", path: \.translate, range: .probability),
        Field(key: "scale", path: \.scale, range: .nonNegative),
        Field(key: "shear", path: \.shear, range: .nonNegative),
        Field(key: "perspective", path: \.perspective, range: .nonNegative),
        Field(key: "flipud", path: \.flipUpDown, range: .probability),
        Field(key: "fliplr", path: \.flipLeftRight, range: .probability),
        Field(key: "mosaic", path: \.mosaic, range: .probability),
        Field(key: "mixup", path: \.mixup, range: .probability),
        Field(key: "copy_paste", path: \.copyPaste, range: .probability),
    ]
    static let optionalKeys: Set<String> = ["anchors", "albumentations"]

    public static func load(path: String) throws -> Hyperparameters {
        try Hyperparameters(node: YAMLReader.load(path: path), file: path)
    }

    public static func parse(_ text: String, file: String) throws -> Hyperparameters {
        try Hyperparameters(node: YAMLReader.parse(text, file: file), file: file)
    }

    public init(node: YAMLNode, file: String) throws {
        guard let pairs = node.mapping else {
            throw ConfigError("a hyperparameter file must be a mapping of keys (lr0, lrf, ...), found \(node.kindDescription)",
                              at: node.mark)
        }
        let known = Dictionary(uniqueKeysWithValues: Self.fields.map { ($0.key, $0) })
        var seen: Set<String> = []
        for (keyNode, valueNode) in pairs {
            let key = keyNode.scalar?.text ?? ""
            if key == "albumentations" {
                switch valueNode.scalar?.value {
                case .bool(let on)?: albumentations = on
                case .int(let v)? where v == 0 || v == 1: albumentations = v == 1
                default:
                    throw ConfigError("'albumentations' must be true or false, found \(valueNode.kindDescription)", at: valueNode.mark)
                }
                continue
            }
            if key == "anchors" {
                guard let v = valueNode.scalar?.number, v >= 0, v == v.rounded() else {
                    throw ConfigError("'anchors' must be a whole number of anchors per level (0 = keep the model's), found \(valueNode.kindDescription)",
                                      at: valueNode.mark)
                }
                anchorsPerLevel = v > 0 ? v : nil
                continue
            }
            guard let field = known[key] else {
                let hint = Self.fields.map(\.key).min(by: { editDistance($0, key) < editDistance($1, key) })
                let suggestion = hint.map { " (did you mean '\($0)'?)" } ?? ""
                throw ConfigError("unknown hyperparameter '\(key)'\(suggestion)", at: keyNode.mark)
            }
            guard let value = valueNode.scalar?.number else {
                throw ConfigError("'\(key)' must be \(field.range.expectation), found \(valueNode.kindDescription)",
                                  at: valueNode.mark)
            }
            guard field.range.accepts(value) else {
                throw ConfigError("'\(key)' must be \(field.range.expectation), found \(pythonFloatRepr(value))",
                                  at: valueNode.mark)
            }
            self[keyPath: field.path] = value
            seen.insert(key)
        }
        let missing = Self.fields.map(\.key).filter { !seen.contains($0) }
        if !missing.isEmpty {
            throw ConfigError("missing hyperparameter\(missing.count > 1 ? "s" : "") \(missing.joined(separator: ", "))",
                              file: file)
        }
    }

    /// The values with one key overridden from `key=value` text (`--hyp-set`, sweep grids),
    /// checked like a value read from a file.
    public func setting(_ assignment: String) throws -> Hyperparameters {
        let parts = assignment.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, !parts[0].isEmpty else {
            throw ConfigError("hyperparameter override '\(assignment)' must be key=value", file: nil)
        }
        guard let field = Self.fields.first(where: { $0.key == parts[0] }) else {
            let hint = Self.fields.map(\.key).min(by: { editDistance($0, parts[0]) < editDistance($1, parts[0]) })
            throw ConfigError("unknown hyperparameter '\(parts[0])'" + (hint.map { " (did you mean '\($0)'?)" } ?? ""), file: nil)
        }
        guard let value = Double(parts[1]), field.range.accepts(value) else {
            throw ConfigError("'\(parts[0])' must be \(field.range.expectation), found '\(parts[1])'", file: nil)
        }
        var copy = self
        copy[keyPath: field.path] = value
        return copy
    }

    /// The values as `key: value` lines in Ultralytics' key order, the form of a run's hyp.yaml.
    public var yamlText: String {
        var lines = Self.fields.map { "\($0.key): \(pythonFloatRepr(self[keyPath: $0.path]))" }
        if let anchorsPerLevel { lines.insert("anchors: \(pythonFloatRepr(anchorsPerLevel))", at: 14) }
        if albumentations { lines.append("albumentations: true") }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// Levenshtein distance, used to suggest the key a typo probably meant.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}
