/// What a training run reports as it goes; the command turns these into console lines,
/// results.csv rows and plots.
public protocol TrainingEvents: AnyObject {
    /// A line of setup or progress information (transferred weights, frozen layers, warnings).
    func message(_ text: String)
    func epochStarted(_ epoch: Int, batches: Int)
    /// After each batch: running means of (box, obj, cls), the batch's target count and input side.
    func batchFinished(epoch: Int, batch: Int, meanLosses: [Double], instances: Int, imageSize: Int)
    func validationProgress(done: Int, total: Int)
    func epochFinished(_ summary: EpochSummary)
    /// The first training batches, for train_batch0..2.jpg.
    func trainingBatch(_ batch: TrainingBatch)
}

import TensorCore
import YOLOData

/// One epoch's figures: train.py's `log_vals` plus the fitness bookkeeping.
public struct EpochSummary: Sendable {
    public var epoch: Int
    /// Mean (box, obj, cls) over the epoch's batches.
    public var trainLosses: [Double]
    /// P, R, mAP50, mAP50-95 of the EMA model on the validation split (zeros with --noval).
    public var metrics: [Double]
    /// Mean (box, obj, cls) on the validation batches.
    public var validationLosses: [Double]
    /// Each parameter group's LR during the epoch (biases, weights, batch-norm weights).
    public var learningRates: [Double]
    public var fitness: Double
    public var bestFitness: Double
    public var isBest: Bool
    public var validated: Bool
    /// Images and labelled objects of the validation split (for the `all` line).
    public var validationImages = 0
    public var validationInstances = 0
}
