import TensorCore

/// What `YOLOLoss` returns for a batch.
public struct LossResult: Sendable {
    /// (box + object + classification) · batch, what train.py calls backward() on.
    public var total: Double
    /// The gained parts (Ultralytics' loss_items), not multiplied by the batch size.
    public var box: Double
    public var object: Double
    public var classification: Double
    /// d total / d raw prediction, per level, each the shape of that level's input.
    public var gradients: [Tensor]
    /// The same gradients in double precision, flat per level.
    public var gradientValues: [[Double]]
    /// The assigned targets per level.
    public var targets: [LevelTargets]
    /// Per level and row the CIoU of the prediction with its target (objectness target before clamping).
    public var iou: [[Double]]
    /// Per level and row the CIoU alpha, which PyTorch treats as a constant.
    public var alpha: [[Double]]
}
