/// train.py's nominal batch of 64 images: gradients of round(64/batch) batches are accumulated
/// before each optimizer step, and weight decay is scaled to the images one step really sees.
public enum NominalBatch {
    public static let size = 64

    /// `max(round(64 / batch_size), 1)` with Python's round-half-to-even.
    public static func accumulation(batchSize: Int) -> Int {
        max(Int((Double(size) / Double(batchSize)).rounded(.toNearestOrEven)), 1)
    }

    /// `weight_decay * batch_size * accumulate / 64`, evaluated in Python's order.
    public static func weightDecay(_ weightDecay: Double, batchSize: Int) -> Double {
        weightDecay * (Double(batchSize * accumulation(batchSize: batchSize)) / Double(size))
    }
}
