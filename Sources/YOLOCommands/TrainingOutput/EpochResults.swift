/// What one training epoch reports, in the order of Ultralytics' results.csv columns.
public struct EpochResults: Sendable, Equatable {
    public var epoch: Int
    /// Mean training losses over the epoch's batches: box, obj, cls.
    public var trainLosses: [Double]
    /// Validation metrics of the epoch: precision, recall, mAP@0.5, mAP@0.5:0.95.
    public var metrics: [Double]
    /// Validation losses: box, obj, cls.
    public var valLosses: [Double]
    /// The learning rate of each parameter group (three in YOLOv5) at the end of the epoch.
    public var learningRates: [Double]

    public init(epoch: Int, trainLosses: [Double], metrics: [Double], valLosses: [Double], learningRates: [Double]) {
        precondition(trainLosses.count == 3 && metrics.count == 4 && valLosses.count == 3 && learningRates.count == 3,
                     "epoch results need 3 train losses, 4 metrics, 3 val losses and 3 learning rates")
        self.epoch = epoch
        self.trainLosses = trainLosses
        self.metrics = metrics
        self.valLosses = valLosses
        self.learningRates = learningRates
    }

    /// The 13 values after the epoch, in column order (train.py's `log_vals`).
    public var values: [Double] { trainLosses + metrics + valLosses + learningRates }

    /// From the 13 column values in order.
    public init(epoch: Int, values: [Double]) {
        precondition(values.count == 13, "epoch results have 13 values, got \(values.count)")
        self.init(epoch: epoch, trainLosses: Array(values[0 ..< 3]), metrics: Array(values[3 ..< 7]),
                  valLosses: Array(values[7 ..< 10]), learningRates: Array(values[10 ..< 13]))
    }
}
