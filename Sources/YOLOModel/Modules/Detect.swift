import TensorCore
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
    /// The `anchors` buffer: [levels, anchors, 2] in units of each level's stride.
    public var anchors: Tensor
    /// Each level's stride in input pixels (set by the network once measured).
    public var strides: [Float] = []

    public init(classCount: Int, anchors: [[Double]], inputChannels: [Int]) throws {
        self.classCount = classCount
        self.anchorsPerLevel = anchors[0].count / 2
        self.anchorPixels = anchors.map { level in
            stride(from: 0, to: level.count, by: 2).map { (width: level[$0], height: level[$0 + 1]) }
        }
        self.inputChannels = inputChannels
        let outputs = anchorsPerLevel * (classCount + 5)
        m = ModuleList(try inputChannels.map { try Conv2d($0, outputs, kernelSize: 1, bias: true) })
        self.anchors = Tensor(shape: [inputChannels.count, anchorsPerLevel, 2])
    }

    public var heads: [Conv2d] { m.items.map { $0 as! Conv2d } }

    public func tensorValue(_ name: String) -> Tensor? { name == "anchors" ? anchors : nil }

    public func setTensorValue(_ name: String, _ value: Tensor) {
        if name == "anchors" { anchors = value }
    }

    public func forward(_ inputs: [Tensor]) throws -> Tensor {
        try run(inputs).decoded
    }

    /// Runs the heads on each level's features: the raw maps `[batch, anchors, ny, nx, classes + 5]`
    /// (before sigmoid, what the loss uses) and the decoded boxes `[batch, Σ anchors·ny·nx, classes + 5]`
    /// with xy = (2σ − 0.5 + grid)·stride, wh = (2σ)²·anchor·stride, then objectness and class
    /// probabilities — Ultralytics' inference output, rows level by level, anchor-major.
    public func run(_ inputs: [Tensor], includeRaw: Bool = true) throws -> DetectOutput {
        guard inputs.count == levelCount else {
            throw ShapeError("Detect has \(levelCount) levels but receives \(inputs.count) inputs")
        }
        guard strides.count == levelCount else { throw ShapeError("Detect strides are not set") }
        let batch = inputs[0].shape[0]
        let no = outputsPerAnchor, na = anchorsPerLevel
        if !includeRaw { return DetectOutput(decoded: try decodedRows(inputs), raw: []) }
        let maps = try zip(heads, inputs).map { try $0.forward([$1]) }  // [batch, na·no, ny, nx] each
        let cellsPerLevel = maps.map { $0.shape[2] * $0.shape[3] }
        let totalRows = cellsPerLevel.reduce(0) { $0 + na * $1 }
        var decoded = Tensor(uninitializedShape: [batch, totalRows, no])
        var raw: [Tensor] = []
        var rowOffset = 0
        for (level, map) in maps.enumerated() {
            let (ny, nx) = (map.shape[2], map.shape[3])
            let cells = ny * nx
            let stride = strides[level]
            var permuted = Tensor(uninitializedShape: [batch, na, ny, nx, no])
            let offset = rowOffset
            map.storage.withUnsafeBufferPointer { src in
                permuted.storage.withUnsafeMutableBufferPointer { rawOut in
                    decoded.storage.withUnsafeMutableBufferPointer { out in
                        // Tasks are (image, anchor, tile of cells): the tile's no planes are read
                        // into a small buffer, transposed into rows while it sits in L1, then σ-ed.
                        // (Without raw maps, `decodedRows` computes the rows directly.)
                        let tile = 64
                        let tiles = (cells + tile - 1) / tile
                        Parallel.forEach(batch * na * tiles) { tasks in
                            var buffer = [Float](repeating: 0, count: no * tile)
                            buffer.withUnsafeMutableBufferPointer { tileBuffer in
                                let t = tileBuffer.baseAddress!
                                for task in tasks {
                                    let (pair, tileIndex) = (task / tiles, task % tiles)
                                    let (b, a) = (pair / na, pair % na)
                                    let first = tileIndex * tile
                                    let count = min(tile, cells - first)
                                    for k in 0..<no {
                                        (t + k * tile).update(from: src.baseAddress! + ((b * na + a) * no + k) * cells + first, count: count)
                                    }
                                    let rawRows = rawOut.baseAddress! + ((b * na + a) * cells + first) * no
                                    for c in 0..<count {
                                        for k in 0..<no { rawRows[c * no + k] = t[k * tile + c] }
                                    }
                                    ActivationFunction.sigmoid.apply(tileBuffer)
                                    let anchor = self.anchorSize(level: level, anchor: a)
                                    let rows = out.baseAddress! + (b * totalRows + offset + a * cells + first) * no
                                    for c in 0..<count {
                                        let row = rows + c * no
                                        for k in 0..<no { row[k] = t[k * tile + c] }
                                        Self.decodeBox(row, cell: first + c, gridWidth: nx, stride: stride,
                                                       anchorWidth: anchor.width, anchorHeight: anchor.height)
                                    }
                                }
                            }
                        }
                    }
                }
            }
            raw.append(permuted)
            rowOffset += na * cells
        }
        return DetectOutput(decoded: decoded, raw: raw)
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

/// One level of Detect's sparse training pass: the objectness logits of every (image, anchor,
/// cell), in the raw map's cell order, and the whole row of outputs of the cells asked for.
public struct SparseHeadOutput: Sendable {
    public let objectness: [Float]
    public let rows: [Int: [Float]]
    /// The raw map's shape [batch, anchors, ny, nx, classes + 5].
    public let shape: [Int]

    public init(objectness: [Float], rows: [Int: [Float]], shape: [Int]) {
        precondition(shape.count == 5 && objectness.count == shape[0] * shape[1] * shape[2] * shape[3]
                     && rows.values.allSatisfy { $0.count == shape[4] }, "sparse head output does not fit \(shape)")
        (self.objectness, self.rows, self.shape) = (objectness, rows, shape)
    }
}

/// How Detect's training maps are laid out: PyTorch's raw maps `[batch, anchors, ny, nx,
/// classes + 5]` (what Ultralytics' loss reads), or the heads' own outputs `[batch,
/// anchors·(classes + 5), ny, nx]`, which the loss can read as well and which spare the
/// training step a transpose of every map each way.
public enum DetectMapLayout: Sendable {
    case raw, head
}

extension Detect {
    /// The training pass: each level's head output (no decoding), as raw maps or as it is.
    public func trainingForward(levels inputs: [Tensor], layout: DetectMapLayout = .raw) throws -> [Tensor] {
        guard inputs.count == levelCount else {
            throw ShapeError("Detect has \(levelCount) levels but receives \(inputs.count) inputs")
        }
        return try zip(heads, inputs).map { head, input in
            let map = try head.trainingForward([input])
            return layout == .head ? map : Self.headToRaw(map, anchors: anchorsPerLevel, outputs: outputsPerAnchor)
        }
    }

    /// dL/d(level input) for dL/d(map) of each level, maps in `layout`; the heads' weight and
    /// bias gradients accumulate.
    public func backward(mapGradients: [Tensor], layout: DetectMapLayout = .raw) throws -> [Tensor] {
        guard mapGradients.count == levelCount else {
            throw ShapeError("Detect has \(levelCount) levels but receives \(mapGradients.count) gradients")
        }
        return try zip(heads, mapGradients).map { head, gradient in
            try head.backward(layout == .head ? gradient : Self.rawToHead(gradient, outputs: outputsPerAnchor))[0]
        }
    }

    /// The training pass computed only where the loss reads it: per level, every anchor's
    /// objectness at every cell ([batch][anchor][cell]) and all outputs of the given cells
    /// (indices (image·na + anchor)·cells + cell, as in the raw map's cell order).
    public func sparseTrainingForward(levels inputs: [Tensor], cells: [[Int]]) throws -> [SparseHeadOutput] {
        guard inputs.count == levelCount, cells.count == levelCount else {
            throw ShapeError("Detect has \(levelCount) levels but receives \(inputs.count) inputs and \(cells.count) cell lists")
        }
        let (na, no) = (anchorsPerLevel, outputsPerAnchor)
        return try zip(heads, zip(inputs, cells)).map { head, level in
            let (input, levelCells) = level
            guard input.shape.count == 4 else { throw ShapeError("Detect expects [batch, channels, h, w], got \(input.shape)") }
            let pixels = input.shape[2] * input.shape[3]
            let requests = levelCells.map { cell in
                Conv2D.SparseCell(image: cell / pixels / na, pixel: cell % pixels,
                                  channels: ((cell / pixels) % na * no)..<((cell / pixels) % na * no + no))
            }
            let (objectness, values) = try head.sparseTrainingForward(input, denseChannels: (0..<na).map { $0 * no + 4 },
                                                                      cells: requests)
            return SparseHeadOutput(objectness: objectness, rows: Dictionary(uniqueKeysWithValues: zip(levelCells, values)),
                                    shape: [input.shape[0], na, input.shape[2], input.shape[3], no])
        }
    }

    /// `backward(mapGradients:layout: .head)` for gradients given sparsely: each level's is
    /// nonzero in its objectness channels and at the assigned cells only (what the loss gives).
    public func backward(sparseGradients: [SparseChannelGradient]) throws -> [Tensor] {
        guard sparseGradients.count == levelCount else {
            throw ShapeError("Detect has \(levelCount) levels but receives \(sparseGradients.count) gradients")
        }
        return try zip(heads, sparseGradients).map { head, gradient in try head.backward(sparse: gradient)[0] }
    }

    /// [b, na·no, ny, nx] → [b, na, ny, nx, no].
    static func headToRaw(_ map: Tensor, anchors na: Int, outputs no: Int) -> Tensor {
        let (batch, ny, nx) = (map.shape[0], map.shape[2], map.shape[3])
        let cells = ny * nx
        var raw = Tensor(uninitializedShape: [batch, na, ny, nx, no])
        map.storage.withUnsafeBufferPointer { src in
            raw.storage.withUnsafeMutableBufferPointer { dst in
                Parallel.forEach(batch * na) { pairs in
                    for pair in pairs {
                        let planes = src.baseAddress! + pair * no * cells
                        let rows = dst.baseAddress! + pair * cells * no
                        Self.transpose(planes, rowCount: no, rowLength: cells, into: rows)
                    }
                }
            }
        }
        return raw
    }

    /// target[j·rowCount + i] = source[i·rowLength + j]: eight source rows at a time, so each
    /// column is read from eight rows in L1 and written as one eight-float vector.
    static func transpose(_ source: UnsafePointer<Float>, rowCount: Int, rowLength: Int,
                          into target: UnsafeMutablePointer<Float>) {
        var first = 0
        while first + 8 <= rowCount {
            let block = source + first * rowLength
            for j in 0..<rowLength {
                var column = SIMD8<Float>()
                for lane in 0..<8 { column[lane] = block[lane * rowLength + j] }
                UnsafeMutableRawPointer(target + j * rowCount + first).storeBytes(of: column, as: SIMD8<Float>.self)
            }
            first += 8
        }
        for i in first..<rowCount {
            for j in 0..<rowLength { target[j * rowCount + i] = source[i * rowLength + j] }
        }
    }

    /// [b, na, ny, nx, no] → [b, na·no, ny, nx], the inverse of `headToRaw`.
    static func rawToHead(_ raw: Tensor, outputs no: Int) -> Tensor {
        let (batch, na, ny, nx) = (raw.shape[0], raw.shape[1], raw.shape[2], raw.shape[3])
        let cells = ny * nx
        var map = Tensor(uninitializedShape: [batch, na * no, ny, nx])
        raw.storage.withUnsafeBufferPointer { src in
            map.storage.withUnsafeMutableBufferPointer { dst in
                Parallel.forEach(batch * na) { pairs in
                    for pair in pairs {
                        let rows = src.baseAddress! + pair * cells * no
                        let planes = dst.baseAddress! + pair * no * cells
                        Self.transpose(rows, rowCount: cells, rowLength: no, into: planes)
                    }
                }
            }
        }
        return map
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

/// What the Detect head returns for a batch.
public struct DetectOutput {
    /// `[batch, Σ anchors·ny·nx, classes + 5]`: box centre and size in input pixels, objectness, class probabilities.
    public var decoded: Tensor
    /// Per level `[batch, anchors, ny, nx, classes + 5]` before the sigmoid (for the loss); empty
    /// when the forward pass was asked for inference output only.
    public var raw: [Tensor]
}
