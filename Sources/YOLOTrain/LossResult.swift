import TensorCore
import YOLOModel

/// What `YOLOLoss` returns for a batch.
public struct LossResult: Sendable {
    /// (box + object + classification) · batch, what train.py calls backward() on.
    public var total: Double
    /// The gained parts (Ultralytics' loss_items), not multiplied by the batch size.
    public var box: Double
    public var object: Double
    public var classification: Double
    /// The raw maps' shapes `[batch, na, ny, nx, no]`.
    let shapes: [[Int]]
    /// The layout of the predictions, and of `gradients`.
    public let layout: DetectMapLayout
    /// The nonzero gradient entries in double precision: the assigned rows' box and class values,
    /// and every cell's objectness value, per level.
    var rowGradients: [RowGradients]
    var objectGradients: [[Double]]
    /// The assigned targets per level.
    public var targets: [LevelTargets]
    /// Per level and row the CIoU of the prediction with its target (objectness target before clamping).
    public var iou: [[Double]]
    /// Per level and row the CIoU alpha, which PyTorch treats as a constant.
    public var alpha: [[Double]]

    init(total: Double, box: Double, object: Double, classification: Double, rowGradients: [RowGradients],
         objectGradients: [[Double]], shapes: [[Int]], targets: [LevelTargets], iou: [[Double]], alpha: [[Double]],
         layout: DetectMapLayout = .raw) {
        self.total = total
        self.box = box
        self.object = object
        self.classification = classification
        self.rowGradients = rowGradients
        self.objectGradients = objectGradients
        self.targets = targets
        self.iou = iou
        self.alpha = alpha
        self.shapes = shapes
        self.layout = layout
    }

    /// d total / d prediction, per level, each the shape and layout of that level's input
    /// (built on each use: mostly zeros, and the trainer takes `sparseHeadGradients` instead).
    public var gradients: [Tensor] {
        zip(shapes, zip(rowGradients, objectGradients)).map { shape, parts in
            if layout == .head { return Self.headGradient(shape: shape, rows: parts.0, objectness: parts.1) }
            // zeros and objectness written in one pass over the (large) map, shared across cores
            var tensor = Tensor(uninitializedShape: shape)
            let no = shape[4]
            tensor.storage.withUnsafeMutableBufferPointer { g in
                parts.1.withUnsafeBufferPointer { objectness in
                    Parallel.forEach(objectness.count, minimumChunk: 1024) { cells in
                        (g.baseAddress! + cells.lowerBound * no).update(repeating: 0, count: cells.count * no)
                        for cell in cells { g[cell * no + 4] = Float(objectness[cell]) }
                    }
                }
                parts.0.forEachEntry { index, value in g[index] = Float(value) }
            }
            return tensor
        }
    }

    /// The gradients of the heads' maps as they are nonzero: each anchor's objectness channel
    /// (every cell) and the assigned cells' box and class entries, in index order.
    public var sparseHeadGradients: [SparseChannelGradient] {
        zip(shapes, zip(rowGradients, objectGradients)).map { shape, parts in
            let (na, cells, no) = (shape[1], shape[2] * shape[3], shape[4])
            let entries = parts.0.sortedEntries.map { index, value in
                let (cell, k) = (index / no, index % no)
                let (pair, pixel) = (cell / cells, cell % cells)
                return SparseChannelGradient.Entry(image: pair / na, channel: (pair % na) * no + k, pixel: pixel,
                                                   value: Float(value))
            }
            return SparseChannelGradient(batch: shape[0], channels: na * no, height: shape[2], width: shape[3],
                                         denseChannels: (0..<na).map { $0 * no + 4 }, dense: parts.1.map(Float.init),
                                         entries: entries)
        }
    }

    /// A level's gradient as a head map `[batch, na·no, ny, nx]` (raw shape `shape`): zeros,
    /// each anchor's objectness plane, then the assigned rows' entries; written in one parallel
    /// pass over the (image, anchor) pairs.
    private static func headGradient(shape: [Int], rows: RowGradients, objectness: [Double]) -> Tensor {
        let (pairs, cells, no) = (shape[0] * shape[1], shape[2] * shape[3], shape[4])
        var tensor = Tensor(uninitializedShape: [shape[0], shape[1] * no, shape[2], shape[3]])
        tensor.storage.withUnsafeMutableBufferPointer { g in
            objectness.withUnsafeBufferPointer { objectness in
                Parallel.forEach(pairs) { range in
                    for pair in range {
                        let planes = g.baseAddress! + pair * no * cells
                        planes.update(repeating: 0, count: no * cells)
                        for pixel in 0..<cells { planes[4 * cells + pixel] = Float(objectness[pair * cells + pixel]) }
                    }
                }
            }
            rows.forEachEntry { index, value in
                let (cell, k) = (index / no, index % no)
                g[((cell / cells) * no + k) * cells + cell % cells] = Float(value)
            }
        }
        return tensor
    }

    /// The full gradients in double precision, flat per level, in the raw layout.
    public var gradientValues: [[Double]] {
        zip(shapes, zip(rowGradients, objectGradients)).map { shape, parts in
            var values = [Double](repeating: 0, count: shape.reduce(1, *))
            let no = shape[4]
            for (cell, value) in parts.1.enumerated() { values[cell * no + 4] = value }
            parts.0.forEachEntry { index, value in values[index] = value }
            return values
        }
    }
}
