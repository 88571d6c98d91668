import YOLOConfig

/// A compiled model: its rows in order, the Detect head's strides and anchors, and the
/// bookkeeping that model summaries and weight loading need.
public final class Network {
    public let spec: ModelSpec
    public let rows: [CompiledRow]
    /// The activation object all Conv blocks share.
    public let defaultActivation: Activation
    /// Detect's per-level strides, measured as Ultralytics does with a 256×256 forward pass;
    /// empty when the last row is not a Detect head.
    public let strides: [Double]
    /// Detect's anchors in units of each level's stride ([level][anchor] = (w, h)), after
    /// Ultralytics' order check; this is the `anchors` buffer's content.
    public let anchorsInStrideUnits: [[(width: Double, height: Double)]]
    /// True when the order check had to reverse the anchor levels.
    public let anchorsReversed: Bool

    /// The input side Ultralytics measures strides with (256: twice the largest usual stride).
    public static let strideProbeSize = 256

    init(spec: ModelSpec, rows: [CompiledRow], activation: Activation) throws {
        self.spec = spec
        self.rows = rows
        self.defaultActivation = activation
        if let detect = rows.last?.module as? Detect, let last = rows.last {
            var flops = FLOPCounter()
            let probe = try Self.inferShapes(rows: rows, spec: spec, side: Self.strideProbeSize, flops: &flops)
            let heights = last.inputRows.map { probe[$0].height }
            let strides = heights.map { Double(Self.strideProbeSize) / Double($0) }
            // Ultralytics' check_anchor_order: mean anchor area must grow with stride, else flip the levels.
            let meanAreas = detect.anchorPixels.map { level in level.reduce(0) { $0 + $1.width * $1.height } / Double(level.count) }
            let areaChange = meanAreas[meanAreas.count - 1] - meanAreas[0]
            let strideChange = strides[strides.count - 1] - strides[0]
            let reversed = areaChange != 0 && (areaChange > 0) != (strideChange > 0)
            let ordered = reversed ? Array(detect.anchorPixels.reversed()) : detect.anchorPixels
            self.strides = strides
            self.anchorsReversed = reversed
            self.anchorsInStrideUnits = zip(ordered, strides).map { level, stride in
                level.map { (width: $0.width / stride, height: $0.height / stride) }
            }
        } else {
            self.strides = []
            self.anchorsInStrideUnits = []
            self.anchorsReversed = false
        }
    }

    public var detect: Detect? { rows.last?.module as? Detect }

    /// Every tensor in PyTorch state_dict order with its `model.N.…` name.
    public var namedTensors: [NamedTensorSpec] { rows.flatMap(\.namedTensors) }

    public var parameterCount: Int { rows.reduce(0) { $0 + $1.parameterCount } }

    /// Leaf modules counted once each (a shared activation once), the layer count that
    /// Ultralytics' current model summary prints.
    public var layerCount: Int {
        var seen = Set<ObjectIdentifier>()
        var leaves = 0
        for row in rows {
            row.module.visitModules(&seen) { module in
                if module.children.isEmpty { leaves += 1 }
            }
        }
        return leaves
    }

    /// Output shape of every row for a square `side`×`side` input (Detect rows give their first level).
    public func shapes(side: Int) throws -> [FeatureShape] {
        var flops = FLOPCounter()
        return try Self.inferShapes(rows: rows, spec: spec, side: side, flops: &flops)
    }

    /// GFLOPs of one forward pass at `imageSize`, as Ultralytics reports it: measured at the
    /// largest stride (at least 32) and scaled by area, i.e. 2 × MACs.
    public func gigaFLOPs(imageSize: Int) throws -> Double {
        let probeSide = max(Int(strides.max() ?? 32), 32)
        var flops = FLOPCounter()
        _ = try Self.inferShapes(rows: rows, spec: spec, side: probeSide, flops: &flops)
        let scale = Double(imageSize) / Double(probeSide)
        return flops.gigaFLOPs * scale * scale
    }

    /// Per-row MACs for a square input, in row order.
    public func multiplyAccumulatesPerRow(side: Int) throws -> [Double] {
        var perRow: [Double] = []
        var flops = FLOPCounter()
        var previous = 0.0
        _ = try Self.inferShapes(rows: rows, spec: spec, side: side, flops: &flops) { _, total in
            perRow.append(total - previous)
            previous = total
        }
        return perRow
    }

    static func inferShapes(rows: [CompiledRow], spec: ModelSpec, side: Int, flops: inout FLOPCounter,
                            afterRow: (_ row: Int, _ macsSoFar: Double) -> Void = { _, _ in }) throws -> [FeatureShape] {
        let image = FeatureShape(channels: spec.inputChannels, height: side, width: side)
        var outputs: [FeatureShape] = []
        for row in rows {
            let inputs = row.inputRows.map { $0 == -1 ? image : outputs[$0] }
            do {
                outputs.append(try row.module.outputShape(for: inputs, flops: &flops))
            } catch let error as ShapeError {
                throw ConfigError("row \(row.index) (\(row.kindName)): \(error.message) (input \(side)×\(side))", at: row.mark)
            }
            afterRow(row.index, flops.multiplyAccumulates)
        }
        return outputs
    }
}
