import YOLOConfig

/// The bookkeeping train.py does around the optimizer, iteration by iteration: warm-up of the
/// accumulation count, LRs and momentum, the decision to step (`ni - last_opt_step >= accumulate`)
/// and LambdaLR's per-epoch LR.
///
/// Usage per epoch: `beginIteration` before each batch's forward pass, `shouldStep` after its
/// backward pass (then clip, step, EMA and `recordStep`), and `endEpoch` after the last batch.
/// Gradients are zeroed at the start of every epoch, as train.py does, so an accumulation left
/// unfinished at an epoch's end is dropped.
public struct TrainingSchedule: Sendable, Equatable {
    public let hyperparameters: Hyperparameters
    public let epochs: Int
    public let batchSize: Int
    public let batchesPerEpoch: Int
    public let learningRateSchedule: LearningRateSchedule
    public let warmUp: WarmUp
    /// Batches whose gradients are summed before a step; warm-up changes it, then it keeps its last value.
    public private(set) var accumulation: Int
    /// The iteration of the last optimizer step; -1 at the start and after a resume, as in train.py.
    public private(set) var lastOptimizerStep = -1

    public init(hyperparameters: Hyperparameters, epochs: Int, batchSize: Int, batchesPerEpoch: Int,
                learningRateSchedule: LearningRateSchedule) throws {
        guard epochs > 0 else { throw OptimizationError("epochs must be at least 1, got \(epochs)") }
        guard batchSize > 0 else { throw OptimizationError("the batch size must be at least 1, got \(batchSize)") }
        guard batchesPerEpoch > 0 else {
            throw OptimizationError("an epoch must have at least 1 batch, got \(batchesPerEpoch)")
        }
        self.hyperparameters = hyperparameters
        self.epochs = epochs
        self.batchSize = batchSize
        self.batchesPerEpoch = batchesPerEpoch
        self.learningRateSchedule = learningRateSchedule
        self.warmUp = WarmUp(warmupEpochs: hyperparameters.warmupEpochs, batchesPerEpoch: batchesPerEpoch)
        self.accumulation = NominalBatch.accumulation(batchSize: batchSize)
    }

    /// lf(epoch).
    public func factor(epoch: Int) -> Double {
        learningRateSchedule.factor(epoch: epoch, epochs: epochs, finalFraction: hyperparameters.lrf)
    }

    /// What creating `LambdaLR(optimizer, lf)` does to a fresh optimizer: each group's
    /// initial LR becomes its current LR, and the LR becomes initial·lf(0). (A resumed optimizer
    /// then overwrites both with its saved values.)
    public func attach(to optimizer: inout Optimizer) {
        for g in optimizer.groups.indices {
            optimizer.groups[g].initialLearningRate = optimizer.groups[g].learningRate
            optimizer.groups[g].learningRate = optimizer.groups[g].initialLearningRate * factor(epoch: 0)
        }
    }

    /// The start of batch `batch` of `epoch`: returns ni = batch + nb·epoch and, while ni ≤ nw,
    /// sets the accumulation count and every group's LR (and momentum, for optimizers that have one).
    @discardableResult
    public mutating func beginIteration(batch: Int, epoch: Int, optimizer: inout Optimizer) -> Int {
        let ni = batch + batchesPerEpoch * epoch
        guard warmUp.isActive(iteration: ni) else { return ni }
        accumulation = warmUp.accumulation(iteration: ni, batchSize: batchSize)
        let scheduled = factor(epoch: epoch)
        for g in optimizer.groups.indices {
            let group = optimizer.groups[g]
            optimizer.groups[g].learningRate = warmUp.learningRate(
                iteration: ni, kind: group.kind, warmupBiasLearningRate: hyperparameters.warmupBiasLR,
                target: group.initialLearningRate * scheduled)
            if optimizer.kind.hasMomentumKey {
                optimizer.groups[g].momentum = warmUp.momentum(
                    iteration: ni, warmupMomentum: hyperparameters.warmupMomentum, momentum: hyperparameters.momentum)
            }
        }
        return ni
    }

    /// Whether iteration ni ends an accumulation: `ni - last_opt_step >= accumulate`.
    public func shouldStep(iteration ni: Int) -> Bool {
        ni - lastOptimizerStep >= accumulation
    }

    /// Records that the optimizer stepped at iteration ni.
    public mutating func recordStep(iteration ni: Int) {
        lastOptimizerStep = ni
    }

    /// `scheduler.step()` after the last batch of `epoch`. train.py sets the scheduler's
    /// last_epoch to start_epoch − 1 before training, so this step brings it to `epoch` and every
    /// group's LR becomes initial·lf(epoch): the epoch after `epoch` runs with lf(epoch).
    public func endEpoch(_ epoch: Int, optimizer: inout Optimizer) {
        let scheduled = factor(epoch: epoch)
        for g in optimizer.groups.indices {
            optimizer.groups[g].learningRate = optimizer.groups[g].initialLearningRate * scheduled
        }
    }
}
