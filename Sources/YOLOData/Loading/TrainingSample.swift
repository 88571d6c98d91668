/// The geometry val/test code needs to map a letterboxed sample back to its original image
/// (Ultralytics' `shapes = (h0, w0), ((h / h0, w / w0), pad)`); mosaics have none.
public struct SampleShapes: Sendable, Equatable {
    public var original: ImageSize
    /// `load_image`'s scale per axis, `h / h0` and `w / w0`.
    public var ratioHeight: Double
    public var ratioWidth: Double
    /// The letterbox half-padding `(dw, dh)`.
    public var padWidth: Double
    public var padHeight: Double
}

/// One sample of `LoadImagesAndLabels.__getitem__`: the augmented image, its labels as
/// normalised `class x y w h` (float32), the image path and the shapes (nil for a mosaic).
public struct TrainingSample: Sendable {
    public var image: RGBImage
    public var labels: [ObjectLabel]
    public var path: String
    public var shapes: SampleShapes?
}
