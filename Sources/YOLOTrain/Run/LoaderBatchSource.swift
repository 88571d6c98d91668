import YOLOData

/// The augmenting, multi-threaded loader as a training run's batch source; with `--image-weights`
/// each epoch samples images by their classes' weights and the last validation's per-class mAP.
public final class LoaderBatchSource: TrainingBatchSource {
    public let loader: TrainingLoader
    let imageWeighting: Bool
    let classCount: Int
    /// Per-class mAP50-95 of the last validation (train.py's `maps`), used by image weighting.
    public var classMAPs: [Double]
    private var current: TrainingEpoch?

    public init(loader: TrainingLoader, classCount: Int, imageWeighting: Bool) {
        self.loader = loader
        self.classCount = classCount
        self.imageWeighting = imageWeighting
        self.classMAPs = Array(repeating: 0, count: classCount)
    }

    public var batchesPerEpoch: Int { loader.batchCount }

    public func beginEpoch(_ epoch: Int) throws {
        current?.stop()
        var weights: [Double]? = nil
        if imageWeighting {
            // cw = class_weights · (1 − maps)² / nc, then labels_to_image_weights
            let labels = loader.dataset.images.map(\.labels)
            let base = ImageWeights.classWeights(labels: labels, classCount: classCount)
            let classWeights = zip(base, classMAPs).map { Double($0) * (1 - $1) * (1 - $1) / Double(classCount) }
            weights = ImageWeights.imageWeights(labels: labels, classCount: classCount, classWeights: classWeights)
        }
        current = loader.epoch(epoch, imageWeights: weights)
    }

    public func nextBatch() throws -> TrainingBatch? { try current?.nextBatch() }

    public func stop() {
        current?.stop()
        current = nil
    }
}
