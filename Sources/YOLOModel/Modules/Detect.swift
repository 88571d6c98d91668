import YOLOConfig

/// Ultralytics' `Detect` head: per output level a 1×1 Conv2d with bias to anchors·(classes + 5)
/// channels, and the `anchors` buffer (levels × anchors × 2, in units of the level's stride once
/// the network is compiled).
public final class Detect: Module {
    public let classCount: Int
    public let anchorsPerLevel: Int
    /// Anchor sizes in pixels as written, per level: [(w, h)].
    public let anchorPixels: [[(width: Double, height: Double)]]
    public let inputChannels: [Int]
    public let m: ModuleList

    public init(classCount: Int, anchors: [[Double]], inputChannels: [Int]) throws {
        self.classCount = classCount
        self.anchorsPerLevel = anchors[0].count / 2
        self.anchorPixels = anchors.map { level in
            stride(from: 0, to: level.count, by: 2).map { (width: level[$0], height: level[$0 + 1]) }
        }
        self.inputChannels = inputChannels
        let outputs = anchorsPerLevel * (classCount + 5)
        m = ModuleList(try inputChannels.map { try Conv2d($0, outputs, kernelSize: 1, bias: true) })
    }

    public var typeName: String { "models.yolo.Detect" }
    public var levelCount: Int { inputChannels.count }
    /// Values per anchor and cell: box (4), objectness (1), class scores.
    public var outputsPerAnchor: Int { classCount + 5 }

    public var ownTensors: [TensorSpec] {
        [TensorSpec("anchors", shape: [levelCount, anchorsPerLevel, 2], role: .anchors)]
    }

    public var children: [(name: String, module: any Module)] { [("m", m)] }

    /// Counts the heads' FLOPs; the returned shape is the first level's raw map (Detect's real
    /// output is the list of levels, see `levelShapes`).
    public func outputShape(for inputs: [FeatureShape], flops: inout FLOPCounter) throws -> FeatureShape {
        try levelShapes(for: inputs, flops: &flops)[0]
    }

    /// The raw output map of each level (anchors·(classes + 5) channels on the level's grid).
    public func levelShapes(for inputs: [FeatureShape], flops: inout FLOPCounter) throws -> [FeatureShape] {
        guard inputs.count == levelCount else {
            throw ShapeError("Detect has \(levelCount) levels but receives \(inputs.count) inputs")
        }
        return try zip(m.items, inputs).map { try $0.outputShape(for: [$1], flops: &flops) }
    }
}

/// `Detect(nc, anchors, ch)`: anchors are per-level pixel lists or a count per level
/// (then placeholder sizes 0, 1, 2, ... as Ultralytics fills them, to be replaced by AutoAnchor).
public enum DetectKind: ModuleKind {
    public static let yamlName = "Detect"

    public static func plan(_ row: RowContext) throws -> ModulePlan {
        try row.expectAtMost(2, "[nc, anchors]")
        let nc = try row.int(0, "nc (number of classes)")
        guard nc > 0 else { throw row.error("the number of classes must be positive, found \(nc)", argument: 0) }
        guard row.arguments.count > 1 else { throw row.error("missing argument 1 (anchors)", argument: 1) }
        let levels = row.inputChannels.count
        var anchorsWritten = row.arguments[1].value
        var anchors: [[Double]] = []
        switch anchorsWritten {
        case .int(let perLevel):
            guard perLevel > 0 else { throw row.error("the anchor count must be positive", argument: 1) }
            let placeholder = (0..<(2 * perLevel)).map { ModuleArgument.int($0) }
            anchorsWritten = .list(Array(repeating: .list(placeholder), count: levels))
            anchors = Array(repeating: (0..<(2 * perLevel)).map(Double.init), count: levels)
        case .list(let levelLists):
            for level in levelLists {
                guard let sizes = level.listValue, !sizes.isEmpty, sizes.count % 2 == 0,
                      let values = Optional(sizes.compactMap(\.numberValue)), values.count == sizes.count else {
                    throw row.error("anchors must be per-level lists of numbers [w, h, w, h, ...]", argument: 1)
                }
                anchors.append(values)
            }
            guard anchors.allSatisfy({ $0.count == anchors[0].count }) else {
                throw row.error("every anchors level must have the same number of anchors", argument: 1)
            }
        default:
            throw row.error("anchors must be per-level lists or a count, found \(anchorsWritten.kindDescription)", argument: 1)
        }
        guard anchors.count == levels else {
            throw ConfigError("row \(row.index) (Detect): \(anchors.count) anchor levels but 'from' lists \(levels) inputs",
                              at: row.row.fromMark)
        }
        let channels = row.inputChannels
        let printed: [ModuleArgument] = [.int(nc), anchorsWritten, .list(channels.map { .int($0) })]
        return ModulePlan(outputChannels: anchors[0].count / 2 * (nc + 5), printedArguments: printed) {
            try Detect(classCount: nc, anchors: anchors, inputChannels: channels)
        }
    }
}
