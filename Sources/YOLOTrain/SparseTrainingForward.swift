import TensorCore
import YOLOModel

/// What `YOLOLoss.trainingForward` computes for a batch: Detect's heads where the loss reads
/// them, with the targets and their assignment to anchors and cells, which decided those places
/// and which the loss then uses as they are.
public struct SparseTrainingForward {
    public let heads: [SparseHeadOutput]
    public let targets: Tensor
    let assigned: [LevelTargets]
}
