import YOLOData

/// Where a training run's batches come from, epoch by epoch (the augmenting loader, or a fixed
/// list in tests).
public protocol TrainingBatchSource: AnyObject {
    var batchesPerEpoch: Int { get }
    /// Starts producing the batches of `epoch` (its shuffle and augmentation draws depend only on
    /// the seed, the epoch and the image index).
    func beginEpoch(_ epoch: Int) throws
    /// The next batch of the current epoch, nil after the last.
    func nextBatch() throws -> TrainingBatch?
    /// Stops any work in progress (workers are joined).
    func stop()
}
