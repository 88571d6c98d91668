import TensorCore

/// `collate_fn`: a batch of samples as the training step takes it.
public struct TrainingBatch: Sendable {
    /// The epoch-relative batch number.
    public var index: Int
    /// `[B, 3, H, W]` float32, RGB, values `x / 255`.
    public var images: Tensor
    /// `[n, 6]`: image index in the batch, class, x, y, w, h (normalised), image by image.
    public var targets: Tensor
    public var paths: [String]
    /// Per image: original size, scale and padding (nil for mosaics).
    public var shapes: [SampleShapes?]
    /// The uint8 images, for plots.
    public var samples: [TrainingSample]

    public init(index: Int, samples: [TrainingSample]) throws {
        self.index = index
        self.samples = samples
        images = try NetworkInput.batch(samples.map(\.image))
        var rows: [Float] = []
        for (i, sample) in samples.enumerated() {
            for label in sample.labels {
                rows += [Float(i), Float(label.classIndex), label.x, label.y, label.width, label.height]
            }
        }
        targets = Tensor(shape: [rows.count / 6, 6], values: rows)
        paths = samples.map(\.path)
        shapes = samples.map(\.shapes)
    }
}
