import TensorCore
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
        lastConsumer = rows.map { $0.consumers.max() ?? $0.index }
        concatenationFolding = ConcatenationFolding(rows: rows)
        if let detect = rows.last?.module as? Detect {
            detect.strides = strides.map { Float($0) }
            detect.anchors = Tensor(shape: detect.anchors.shape,
                                    values: anchorsInStrideUnits.flatMap { $0.flatMap { [Float($0.width), Float($0.height)] } })
        }
    }

    /// For each row, the last row that reads its output (its own index when none does).
    let lastConsumer: [Int]
    /// Concat and Upsample rows whose reader takes their inputs in place (inference only).
    let concatenationFolding: ConcatenationFolding

    /// Rows the inference forward pass does not run, in the network's current state, each with
    /// the row that takes their inputs in place instead (`ConcatenationFolding`); they report
    /// no output.
    public var foldedRows: [Int: Int] { foldsConcatenations ? concatenationFolding.foldedRows(rows) : [:] }
    /// False runs every row (for per-row comparisons and for timing the rewrite).
    public var foldsConcatenations = true

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

extension Network {
    /// Runs the network on a batch of images `[batch, channels, height, width]` (values in 0...1).
    /// `observe` sees every row's output as it is produced (used by per-layer comparisons).
    /// `includeRaw: false` skips the per-level raw maps that only the loss needs.
    public func forward(_ images: Tensor, includeRaw: Bool = true, observe: ((Int, Tensor) -> Void)? = nil) throws -> DetectOutput {
        AllocatorTuning.configure()
        guard let detect, let detectRow = rows.last else {
            throw ShapeError("the model has no Detect head as its last row")
        }
        guard images.shape.count == 4, images.shape[1] == spec.inputChannels else {
            throw ShapeError("the input must be [batch, \(spec.inputChannels), height, width], got \(images.shape)")
        }
        var outputs = [Tensor?](repeating: nil, count: rows.count)
        let folded = foldedRows
        // a folded row's inputs as its reader will take them
        var parts = [Int: [(map: Tensor, scale: Int)]]()
        for row in rows.dropLast() {
            let inputs = try row.inputRows.map { index -> Tensor in
                if index == -1 { return images }
                if parts[index] != nil { return Tensor(shape: [0]) }  // read through `parts`
                guard let value = outputs[index] else { throw ShapeError("row \(index) output was released early") }
                return value
            }
            if folded[row.index] != nil {
                let scale = (row.module as? Upsample)?.scaleFactor ?? 1
                var rowParts: [(map: Tensor, scale: Int)] = []
                for (index, input) in zip(row.inputRows, inputs) {
                    let inputParts = parts.removeValue(forKey: index) ?? [(map: input, scale: 1)]
                    rowParts += inputParts.map { (map: $0.map, scale: $0.scale * scale) }
                }
                parts[row.index] = rowParts
                for input in row.inputRows where lastConsumer[input] == row.index { outputs[input] = nil }
                continue
            }
            let output: Tensor
            do {
                if let reader = row.module as? ReadsConcatenationInPlace, let source = row.inputRows.first,
                   let concatenated = parts.removeValue(forKey: source) {
                    output = try reader.forward(concatenating: concatenated)
                } else {
                    output = try row.module.forward(inputs)
                }
            } catch let error as ShapeError {
                throw ShapeError("row \(row.index) (\(row.kindName)): \(error.message)")
            }
            observe?(row.index, output)
            outputs[row.index] = output
            // release every output whose last reader has now run
            for input in row.inputRows where input >= 0 && lastConsumer[input] == row.index { outputs[input] = nil }
        }
        let levels = try detectRow.inputRows.map { index -> Tensor in
            guard let value = index == -1 ? images : outputs[index] else { throw ShapeError("row \(index) output missing") }
            return value
        }
        return try detect.run(levels, includeRaw: includeRaw)
    }

    /// Switches every batch norm between training mode (batch statistics, running averages
    /// updated) and evaluation mode, as PyTorch's `model.train()` / `model.eval()`.
    public func setTraining(_ training: Bool) {
        var seen = Set<ObjectIdentifier>()
        for row in rows { row.module.visitModules(&seen) { ($0 as? BatchNorm2d)?.training = training } }
    }

    /// A forward pass in training or evaluation mode (the mode stays set afterwards).
    public func forward(_ images: Tensor, training: Bool, observe: ((Int, Tensor) -> Void)? = nil) throws -> DetectOutput {
        setTraining(training)
        return try forward(images, observe: observe)
    }

    /// True once `fuse()` has folded the batch norms.
    public var isFused: Bool {
        var fused = false
        var seen = Set<ObjectIdentifier>()
        for row in rows { row.module.visitModules(&seen) { if let block = $0 as? ConvBlock, block.isFused { fused = true } } }
        return fused
    }

    /// Folds every Conv block's batch norm into its convolution (Ultralytics' `model.fuse()`).
    public func fuse() {
        var seen = Set<ObjectIdentifier>()
        for row in rows {
            row.module.visitModules(&seen) { module in (module as? ConvBlock)?.fuse() }
        }
    }

    /// Every tensor of the network with its state_dict name and owner.
    public var tensorSlots: [(name: String, spec: TensorSpec, owner: any Module)] {
        rows.flatMap { $0.module.tensorSlots(prefix: "model.\($0.index)") }
    }

    /// The current value of a tensor by its state_dict name.
    public func tensor(named name: String) -> Tensor? {
        guard let slot = tensorSlots.first(where: { $0.name == name }) else { return nil }
        return slot.owner.tensorValue(String(name.split(separator: ".").last!))
    }

    /// The state dict as (name, value) pairs in PyTorch order.
    public var stateDict: [(name: String, value: Tensor)] {
        tensorSlots.compactMap { slot in
            slot.owner.tensorValue(String(slot.name.split(separator: ".").last!)).map { (slot.name, $0) }
        }
    }
}
