import Foundation
import TensorCore
import YOLOConfig
import YOLOModel

/// Ultralytics' `ComputeLoss.__call__` (no autobalance, gr = 1, unsorted objectness IoU) over the
/// raw Detect maps `[batch, na, ny, nx, classes + 5]`, with the analytic gradient of the total
/// w.r.t. every raw value. Computed in double precision.
public struct YOLOLoss: Sendable {
    public var assignment: TargetAssignment
    public var classCount: Int
    public var gains: LossGains
    public var classLoss: BCEWithLogits
    public var objectLoss: BCEWithLogits
    public var labelSmoothing: Double
    /// Objectness weight per level: [4, 1, 0.4] for three levels, else [4, 1, 0.25, 0.06, 0.02].
    public var balance: [Double]

    public init(classCount: Int, anchors: [[Float]], gains: LossGains, anchorThreshold: Double = 4.0,
                classPositiveWeight: Double = 1, objectPositiveWeight: Double = 1, focalGamma: Double = 0,
                labelSmoothing: Double = 0) {
        assignment = TargetAssignment(anchors: anchors, anchorThreshold: anchorThreshold)
        self.classCount = classCount
        self.gains = gains
        classLoss = BCEWithLogits(positiveWeight: classPositiveWeight, focalGamma: focalGamma)
        objectLoss = BCEWithLogits(positiveWeight: objectPositiveWeight, focalGamma: focalGamma)
        self.labelSmoothing = labelSmoothing
        balance = anchors.count == 3 ? [4.0, 1.0, 0.4] : [4.0, 1.0, 0.25, 0.06, 0.02]
        precondition(anchors.count <= balance.count, "at most \(balance.count) levels")
    }

    /// As train.py sets it up: gains scaled by levels, classes and image size; anchors from Detect's
    /// buffer `[levels, na, 2]` in grid units.
    public init(hyperparameters h: Hyperparameters, classCount: Int, anchors: Tensor, imageSize: Int,
                labelSmoothing: Double = 0) {
        let levels = TargetAssignment(anchors: anchors).anchors
        self.init(classCount: classCount, anchors: levels,
                  gains: LossGains(hyperparameters: h, levels: levels.count, classes: classCount, imageSize: imageSize),
                  anchorThreshold: h.anchorMatchThreshold, classPositiveWeight: h.clsPositiveWeight,
                  objectPositiveWeight: h.objPositiveWeight, focalGamma: h.focalLossGamma, labelSmoothing: labelSmoothing)
    }

    /// The loss of raw predictions (per level `[batch, na, ny, nx, classes + 5]`, or with
    /// `layout: .head` the heads' maps `[batch, na·(classes + 5), ny, nx]`) against targets
    /// `[n, 6]`; the gradients come in the same layout.
    public func callAsFunction(_ predictions: [Tensor], targets: Tensor, layout: DetectMapLayout = .raw) throws -> LossResult {
        // read in place: the maps are large, and only the assigned rows and the objectness column are used
        let levels = predictions.map(\.storage)
        guard layout == .head else {
            return try evaluate(FloatPredictions(levels: levels), shapes: predictions.map(\.shape), targets: targets)
        }
        let no = classCount + 5, na = assignment.anchorsPerLevel
        let shapes = try predictions.map { map -> [Int] in
            guard map.shape.count == 4, map.shape[1] == na * no else {
                throw ShapeError("a head map must be [batch, \(na * no), ny, nx], got \(map.shape)")
            }
            return [map.shape[0], na, map.shape[2], map.shape[3], no]
        }
        return try evaluate(HeadPredictions(levels: levels, cells: shapes.map { $0[2] * $0[3] }, outputs: no),
                            shapes: shapes, targets: targets, layout: .head)
    }

    /// Per level, the cells the loss reads whole: (image·na + anchor)·ny·nx + cell of every row
    /// assigned to `targets`, each once, in order; what `Detect.sparseTrainingForward` needs.
    /// `grids`: each level's (ny, nx).
    public func assignedCells(targets: Tensor, grids: [(height: Int, width: Int)]) -> [[Int]] {
        assignedCells(assignment.assign(targets: targets, grids: grids), grids: grids)
    }

    private func assignedCells(_ assigned: [LevelTargets], grids: [(height: Int, width: Int)]) -> [[Int]] {
        let na = assignment.anchorsPerLevel
        return zip(assigned, grids).map { rows, grid in
            let cells = (0..<rows.count).map {
                ((rows.image[$0] * na + rows.anchor[$0]) * grid.height + rows.gridY[$0]) * grid.width + rows.gridX[$0]
            }
            return Array(Set(cells)).sorted()
        }
    }

    /// The training forward the loss needs, as the trainer runs it: the network up to Detect,
    /// then Detect only where this loss will read it for `targets` (objectness everywhere, the
    /// assigned cells whole). `observe` as `Network.trainingForward`'s.
    public func trainingForward(_ network: Network, images: Tensor, targets: Tensor,
                                observe: ((Int) -> Void)? = nil) throws -> SparseTrainingForward {
        let levels = try network.trainingFeatures(images, observe: observe)
        guard let detect = network.detect else { throw ShapeError("the model has no Detect head as its last row") }
        let grids = levels.map { (height: $0.shape[2], width: $0.shape[3]) }
        let assigned = assignment.assign(targets: targets, grids: grids)
        let heads = try detect.sparseTrainingForward(levels: levels, cells: assignedCells(assigned, grids: grids))
        observe?(network.rows.count - 1)
        return SparseTrainingForward(heads: heads, targets: targets, assigned: assigned)
    }

    /// The loss of `trainingForward`'s result, on the targets it was computed for (assigned once,
    /// there); the gradients as `sparseHeadGradients`.
    public func callAsFunction(sparse forward: SparseTrainingForward) throws -> LossResult {
        try evaluate(SparseHeadPredictions(levels: forward.heads), shapes: forward.heads.map(\.shape), targets: forward.targets,
                     assigned: forward.assigned, layout: .head)
    }

    /// The loss of Detect's sparse training pass (objectness everywhere, the assigned cells'
    /// rows), which must hold the cells `assignedCells` gives for the same targets; the
    /// gradients as `sparseHeadGradients`.
    public func callAsFunction(sparse heads: [SparseHeadOutput], targets: Tensor) throws -> LossResult {
        try evaluate(SparseHeadPredictions(levels: heads), shapes: heads.map(\.shape), targets: targets, layout: .head)
    }

    /// The loss on double-precision predictions (finite-difference checks).
    func evaluate(_ predictions: [[Double]], shapes: [[Int]], targets: Tensor, frozen: LossResult? = nil) throws -> LossResult {
        try evaluate(DoublePredictions(levels: predictions), shapes: shapes, targets: targets, frozen: frozen)
    }

    /// The loss on double-precision predictions. `frozen` (a previous result on the same targets)
    /// supplies the detached quantities — CIoU alpha and the objectness targets — so that the value is
    /// the function whose gradient PyTorch computes (for finite-difference checks).
    func evaluate<Predictions: LossPredictions>(_ predictions: Predictions, shapes: [[Int]], targets: Tensor,
                                                frozen: LossResult? = nil, assigned given: [LevelTargets]? = nil,
                                                layout: DetectMapLayout = .raw) throws -> LossResult {
        let no = classCount + 5, na = assignment.anchorsPerLevel
        guard shapes.count == assignment.levelCount else {
            throw ShapeError("\(shapes.count) prediction levels for \(assignment.levelCount) anchor levels")
        }
        for (level, shape) in shapes.enumerated() {
            guard shape.count == 5, shape[0] == shapes[0][0], shape[1] == na, shape[4] == no,
                  predictions.count(level) == shape.reduce(1, *) else {
                throw ShapeError("a prediction level must be [batch, \(na), ny, nx, \(no)], got \(shape)")
            }
        }
        let batch = shapes[0][0], scale = Double(batch)
        let assigned = given ?? assignment.assign(targets: targets, grids: shapes.map { (height: $0[2], width: $0[3]) })
        let positive = 1 - 0.5 * labelSmoothing, negative = 0.5 * labelSmoothing
        var lbox = 0.0, lobj = 0.0, lcls = 0.0
        // d total / d raw: the assigned rows' box and class entries (accumulated in row order), and
        // the objectness entry of every cell
        var rowGradients: [RowGradients] = []
        var objectGradients: [[Double]] = []
        var ious: [[Double]] = [], alphas: [[Double]] = []
        for level in shapes.indices {
            let (ny, nx) = (shapes[level][2], shapes[level][3])
            let rows = assigned[level], n = rows.count
            func p(_ index: Int) -> Double { predictions.value(level, index) }
            var tobj = [Double](repeating: 0, count: batch * na * ny * nx)
            var levelIou = [Double](repeating: 0, count: n), levelAlpha = levelIou
            var levelRows = RowGradients(rowLength: no, setColumns: Array(0..<4) + (classCount > 1 ? Array(5..<no) : []))
            if n > 0 {
                var boxSum = 0.0, classSum = 0.0
                let gBox = -gains.box * scale / Double(n)
                let gClass = gains.cls * scale / Double(n * classCount)
                for r in 0..<n {
                    let cell = ((rows.image[r] * na + rows.anchor[r]) * ny + rows.gridY[r]) * nx + rows.gridX[r]
                    let base = cell * no
                    let s = (0..<4).map { 1 / (1 + exp(-p(base + $0))) }
                    let aw = Double(rows.anchorSize[2 * r]), ah = Double(rows.anchorSize[2 * r + 1])
                    let predicted = (x: s[0] * 2 - 0.5, y: s[1] * 2 - 0.5, w: 4 * s[2] * s[2] * aw, h: 4 * s[3] * s[3] * ah)
                    let tb = rows.box[(4 * r)..<(4 * r + 4)].map(Double.init)
                    let ciou = CompleteIoU(predicted: predicted, target: (x: tb[0], y: tb[1], w: tb[2], h: tb[3]),
                                           frozenAlpha: frozen?.alpha[level][r])
                    levelIou[r] = ciou.value
                    levelAlpha[r] = ciou.alpha
                    boxSum += 1 - ciou.value
                    let ds = s.map { $0 * (1 - $0) }
                    let slot = levelRows.slot(for: cell)
                    levelRows.add(gBox * ciou.gradient.x * 2 * ds[0], slot: slot, column: 0)
                    levelRows.add(gBox * ciou.gradient.y * 2 * ds[1], slot: slot, column: 1)
                    levelRows.add(gBox * ciou.gradient.w * 8 * s[2] * ds[2] * aw, slot: slot, column: 2)
                    levelRows.add(gBox * ciou.gradient.h * 8 * s[3] * ds[3] * ah, slot: slot, column: 3)
                    // Detached, clamped IoU as the objectness target; rows in order, the last write wins.
                    tobj[cell] = Swift.max(frozen?.iou[level][r] ?? ciou.value, 0)
                    if classCount > 1 {
                        for c in 0..<classCount {
                            let term = classLoss.evaluate(logit: p(base + 5 + c),
                                                          target: c == rows.classIndex[r] ? positive : negative)
                            classSum += term.loss
                            levelRows.add(gClass * term.derivative, slot: slot, column: 5 + c)
                        }
                    }
                }
                lbox += boxSum / Double(n)
                if classCount > 1 { lcls += classSum / Double(n * classCount) }
            }
            // every cell's objectness, in chunks shared across cores; the chunk sums are added in
            // chunk order, so the total does not depend on the thread count
            let gObject = gains.obj * scale * balance[level] / Double(tobj.count)
            var objectGradient = [Double](repeating: 0, count: tobj.count)
            let chunk = 4096
            var chunkSums = [Double](repeating: 0, count: (tobj.count + chunk - 1) / chunk)
            let logits = predictions.column(level, 4, stride: no)
            logits.withUnsafeBufferPointer { logits in
            tobj.withUnsafeBufferPointer { objectTargets in
                objectGradient.withUnsafeMutableBufferPointer { gradient in
                    chunkSums.withUnsafeMutableBufferPointer { sums in
                        Parallel.forEach(sums.count) { chunks in
                            for index in chunks {
                                var sum = 0.0
                                for cell in (index * chunk)..<min(objectTargets.count, (index + 1) * chunk) {
                                    let term = objectLoss.evaluate(logit: logits[cell], target: objectTargets[cell])
                                    sum += term.loss
                                    gradient[cell] = gObject * term.derivative
                                }
                                sums[index] = sum
                            }
                        }
                    }
                }
            }
            }
            let objectSum = chunkSums.reduce(0, +)
            objectGradients.append(objectGradient)
            rowGradients.append(levelRows)
            lobj += balance[level] * objectSum / Double(tobj.count)
            ious.append(levelIou)
            alphas.append(levelAlpha)
        }
        lbox *= gains.box
        lobj *= gains.obj
        lcls *= gains.cls
        return LossResult(total: (lbox + lobj + lcls) * scale, box: lbox, object: lobj, classification: lcls,
                          rowGradients: rowGradients, objectGradients: objectGradients, shapes: shapes,
                          targets: assigned, iou: ious, alpha: alphas, layout: layout)
    }
}

/// Raw prediction values by level and flat index, as the loss reads them.
protocol LossPredictions {
    func value(_ level: Int, _ index: Int) -> Double
    func count(_ level: Int) -> Int
    /// Entry `offset` of every row of `stride` values (the objectness logits), in one pass.
    func column(_ level: Int, _ offset: Int, stride: Int) -> [Double]
}

/// The network's float32 maps, read where they lie.
struct FloatPredictions: LossPredictions {
    let levels: [[Float]]
    func value(_ level: Int, _ index: Int) -> Double { Double(levels[level][index]) }
    func count(_ level: Int) -> Int { levels[level].count }
    func column(_ level: Int, _ offset: Int, stride: Int) -> [Double] {
        levels[level].withUnsafeBufferPointer { values in
            (0..<(values.count / stride)).map { Double(values[$0 * stride + offset]) }
        }
    }
}

/// Double-precision values (finite-difference checks perturb them below float resolution).
struct DoublePredictions: LossPredictions {
    let levels: [[Double]]
    func value(_ level: Int, _ index: Int) -> Double { levels[level][index] }
    func count(_ level: Int) -> Int { levels[level].count }
    func column(_ level: Int, _ offset: Int, stride: Int) -> [Double] {
        (0..<(levels[level].count / stride)).map { levels[level][$0 * stride + offset] }
    }
}

/// The heads' float32 maps `[batch, na·no, ny, nx]`, read where they lie by raw index: raw entry
/// (cell, k) with cell = (image·na + anchor)·cells + pixel is head entry ((image·na + anchor)·no
/// + k)·cells + pixel, so each anchor's objectness logits are one contiguous plane.
struct HeadPredictions: LossPredictions {
    let levels: [[Float]]
    let cells: [Int]
    let outputs: Int
    func value(_ level: Int, _ index: Int) -> Double {
        let (cell, k) = (index / outputs, index % outputs)
        let (pair, pixel) = (cell / cells[level], cell % cells[level])
        return Double(levels[level][(pair * outputs + k) * cells[level] + pixel])
    }
    func count(_ level: Int) -> Int { levels[level].count }
    func column(_ level: Int, _ offset: Int, stride: Int) -> [Double] {
        precondition(stride == outputs)
        let cells = cells[level]
        let pairs = levels[level].count / (outputs * cells)
        var column = [Double](repeating: 0, count: pairs * cells)
        levels[level].withUnsafeBufferPointer { values in
            for pair in 0..<pairs {
                let plane = values.baseAddress! + (pair * outputs + offset) * cells
                for pixel in 0..<cells { column[pair * cells + pixel] = Double(plane[pixel]) }
            }
        }
        return column
    }
}

/// Detect's sparse training pass read by raw index: objectness from the dense logits, every
/// other entry from its cell's row (the loss reads no other cell's).
struct SparseHeadPredictions: LossPredictions {
    let levels: [SparseHeadOutput]
    func value(_ level: Int, _ index: Int) -> Double {
        let no = levels[level].shape[4]
        let (cell, k) = (index / no, index % no)
        if k == 4 { return Double(levels[level].objectness[cell]) }
        guard let row = levels[level].rows[cell] else {
            preconditionFailure("the loss reads cell \(cell) of level \(level), which the sparse pass did not compute")
        }
        return Double(row[k])
    }
    func count(_ level: Int) -> Int { levels[level].shape.reduce(1, *) }
    func column(_ level: Int, _ offset: Int, stride: Int) -> [Double] {
        precondition(offset == 4, "the sparse pass holds the objectness column only")
        return levels[level].objectness.map(Double.init)
    }
}
