import TensorCore

/// One validation image as val.py receives it from the dataloader.
public struct ValidationSample: Sendable {
    public var imagePath: String
    /// The letterboxed input (RGB, the batch's shape).
    public var image: RGBImage
    /// Sizes, letterbox and `ratio_pad`.
    public var geometry: ValidationGeometry
    /// The labels as the label file states them (normalised to the original image).
    public var labels: [ObjectLabel]
    /// The labels as corners in pixels of `image`.
    public var pixelBoxes: [PixelBox]
    /// The labels normalised to `image` and clipped to it: `__getitem__`'s `labels_out[:, 1:]`.
    public var targets: [ObjectLabel]

    public var originalSize: ImageSize { geometry.original }
    public var ratioPad: RatioPad { geometry.ratioPad }
}

/// A batch of validation samples and their network input.
public struct ValidationBatch: Sendable {
    public var samples: [ValidationSample]
    /// `[n, 3, h, w]` float32, values / 255 (`NetworkInput.batch`).
    public var input: Tensor
}
