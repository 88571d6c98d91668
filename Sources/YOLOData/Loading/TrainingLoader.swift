import Foundation

/// The training data loader: worker threads decode and augment batches ahead of the training
/// step into a bounded buffer, and `next()` hands them out in order.
///
/// Every sample's random draws come from `SeededRandom(seed, [epoch, position])` and the epoch
/// order from (seed, epoch), so the batches are the same whatever the number of workers or the
/// order in which they finish. `stop()` (also called on deinit) cancels the epoch and joins the
/// threads.
public final class TrainingLoader: @unchecked Sendable {
    public let dataset: TrainingDataset
    public let workers: Int
    public let shuffle: Bool
    public let seed: UInt64
    /// How many finished batches may wait ahead of the consumer.
    public let capacity: Int
    /// Warnings for the caller to print (e.g. shuffle ignored with rect).
    public let notes: [String]

    public init(dataset: TrainingDataset, workers: Int, shuffle: Bool, seed: UInt64 = 0, capacity: Int? = nil) {
        self.dataset = dataset
        self.workers = max(1, workers)
        self.seed = seed
        self.capacity = max(1, capacity ?? 2 * max(1, workers))
        if dataset.rect && shuffle {
            self.shuffle = false
            notes = ["WARNING ⚠️ --rect is incompatible with DataLoader shuffle, setting shuffle=False"]
        } else {
            self.shuffle = shuffle
            notes = []
        }
    }

    public var batchCount: Int { (dataset.count + dataset.batchSize - 1) / dataset.batchSize }

    /// Starts the workers on one epoch.
    public func epoch(_ epoch: Int, imageWeights: [Double]? = nil) -> TrainingEpoch {
        let order = EpochOrder.indices(count: dataset.count, epoch: epoch, seed: seed, shuffle: shuffle,
                                       rect: dataset.rectBatches, imageWeights: dataset.rect ? nil : imageWeights)
        return TrainingEpoch(loader: self, epoch: epoch, order: order)
    }

    /// Builds one batch (the work a worker does), without threads.
    func makeBatch(_ batch: Int, epoch: Int, order: [Int]) throws -> TrainingBatch {
        let positions = (batch * dataset.batchSize)..<min((batch + 1) * dataset.batchSize, order.count)
        let samples = try positions.map { position -> TrainingSample in
            var random = SeededRandom(seed: seed, keys: [UInt64(bitPattern: Int64(epoch)), UInt64(position)])
            return try dataset.sample(index: order[position], shape: dataset.letterboxShape(atPosition: position),
                                      candidates: order, random: &random)
        }
        return try TrainingBatch(index: batch, samples: samples)
    }
}

/// One epoch in flight: iterate with `nextBatch()` (or `for batch in epoch`) until nil; `stop()`
/// ends it early, and dropping the epoch stops it too, so no worker thread outlives it.
public final class TrainingEpoch: @unchecked Sendable, Sequence, IteratorProtocol {
    private let workers: EpochWorkers
    public var epoch: Int { workers.epoch }
    /// Dataset indices in feeding order.
    public var order: [Int] { workers.order }
    public var batchCount: Int { workers.batchCount }

    init(loader: TrainingLoader, epoch: Int, order: [Int]) {
        workers = EpochWorkers(loader: loader, epoch: epoch, order: order)
    }

    deinit { workers.stop() }

    /// The next batch in order, nil at the end of the epoch (or after `stop()`); rethrows a
    /// worker's error (an unreadable image) and stops the epoch.
    public func nextBatch() throws -> TrainingBatch? { try workers.nextBatch() }

    /// `IteratorProtocol`: ends at the first error (use `nextBatch()` to see it).
    public func next() -> TrainingBatch? { try? workers.nextBatch() }

    /// Cancels the epoch and waits until every worker thread has returned.
    public func stop() { workers.stop() }

    /// Worker threads still running (0 after `stop()` or once the epoch is fully built).
    public var runningWorkers: Int { workers.runningWorkers }
}

/// The shared state of an epoch's worker threads.
final class EpochWorkers: @unchecked Sendable {
    let loader: TrainingLoader
    public let epoch: Int
    public let order: [Int]
    public let batchCount: Int

    private struct State {
        var nextToBuild = 0
        var nextToHand = 0
        var ready: [Int: Result<TrainingBatch, Error>] = [:]
        var stopped = false
        var running = 0
    }
    private let condition = NSCondition()
    private var state = State()

    init(loader: TrainingLoader, epoch: Int, order: [Int]) {
        self.loader = loader
        self.epoch = epoch
        self.order = order
        batchCount = (order.count + loader.dataset.batchSize - 1) / loader.dataset.batchSize
        state.running = loader.workers
        for _ in 0..<loader.workers {
            let thread = Thread { [self] in work() }  // the workers keep this core alive, not the epoch
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    private func work() {
        while true {
            condition.lock()
            while !state.stopped && state.nextToBuild < batchCount
                    && state.nextToBuild >= state.nextToHand + loader.capacity {
                condition.wait()
            }
            if state.stopped || state.nextToBuild >= batchCount {
                state.running -= 1
                condition.broadcast()
                condition.unlock()
                return
            }
            let batch = state.nextToBuild
            state.nextToBuild += 1
            condition.unlock()

            let result = Result { try loader.makeBatch(batch, epoch: epoch, order: order) }

            condition.lock()
            state.ready[batch] = result
            condition.broadcast()
            condition.unlock()
        }
    }

    func nextBatch() throws -> TrainingBatch? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if state.stopped { return nil }
            if state.nextToHand >= batchCount {
                // The end of the epoch: return only once every worker has exited.
                while state.running > 0 { condition.wait() }
                return nil
            }
            if let result = state.ready.removeValue(forKey: state.nextToHand) {
                state.nextToHand += 1
                condition.broadcast()
                switch result {
                case .success(let batch): return batch
                case .failure(let error):
                    stopLocked()
                    throw error
                }
            }
            condition.wait()
        }
    }

    /// Cancels the epoch and waits until every worker thread has returned.
    func stop() {
        condition.lock()
        stopLocked()
        condition.unlock()
    }

    /// The number of worker threads still running (0 after `stop()` or the end of the epoch).
    var runningWorkers: Int {
        condition.lock()
        defer { condition.unlock() }
        return state.running
    }

    private func stopLocked() {
        state.stopped = true
        state.ready.removeAll()
        condition.broadcast()
        while state.running > 0 { condition.wait() }
    }
}
