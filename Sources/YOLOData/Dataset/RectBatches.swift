/// Ultralytics' rectangular batches (`LoadImagesAndLabels` with `rect=True`, what val.py uses):
/// the images ordered by aspect ratio and cut into batches whose letterbox shape fits the
/// batch's most extreme aspect ratios, so that little padding is wasted.
///
/// * `ar = h / w` per image (float64). The order is a **stable** sort by `ar`: images with equal
///   ratios stay in their dataset (path) order. Stock YOLOv5 calls numpy's default unstable
///   `argsort`, whose order of ties depends on the CPU; the shared reference results were made
///   with the stable order (reference README §1).
/// * Position `p` in that order belongs to batch `p / batchSize`.
/// * Per batch, from the smallest and largest `ar`: `shape = [maxar, 1]` if `maxar < 1`,
///   `[1, 1/minar]` if `minar > 1`, else `[1, 1]`; then
///   `np.ceil(shape * imageSize / stride + pad).astype(int) * stride`, as `[h, w]`, in float64
///   with numpy's order of operations (multiply, divide, add). With `pad = 0.5` (val.py) the
///   long side is 672 at 640.
public struct RectBatches: Sendable, Equatable {
    /// Dataset indices in feeding order.
    public let order: [Int]
    /// The letterbox shape of each batch.
    public let shapes: [ImageSize]
    public let batchSize: Int

    /// - Parameter sizes: each image's original size (`VerifiedImage.size`), in dataset order.
    public init(sizes: [ImageSize], batchSize: Int, imageSize: Int, stride: Int = 32, pad: Double = 0.5) {
        precondition(batchSize > 0 && imageSize > 0 && stride > 0, "batch size, image size and stride must be positive")
        precondition(sizes.allSatisfy { $0.width > 0 && $0.height > 0 }, "image sizes must be positive")
        let ratios = sizes.map { Double($0.height) / Double($0.width) }
        // Stable: ties broken by the dataset index.
        order = ratios.indices.sorted { ratios[$0] != ratios[$1] ? ratios[$0] < ratios[$1] : $0 < $1 }
        self.batchSize = batchSize
        var shapes: [ImageSize] = []
        var start = 0
        while start < order.count {
            let members = order[start..<min(start + batchSize, order.count)].map { ratios[$0] }
            let smallest = members.min()!, largest = members.max()!
            var relative = (height: 1.0, width: 1.0)
            if largest < 1 {
                relative = (largest, 1)
            } else if smallest > 1 {
                relative = (1, 1 / smallest)
            }
            func side(_ fraction: Double) -> Int {
                Int((fraction * Double(imageSize) / Double(stride) + pad).rounded(.up)) * stride
            }
            shapes.append(ImageSize(width: side(relative.width), height: side(relative.height)))
            start += batchSize
        }
        self.shapes = shapes
    }

    public var batchCount: Int { shapes.count }

    /// The dataset indices of batch `batch`, in feeding order.
    public func indices(ofBatch batch: Int) -> ArraySlice<Int> {
        order[(batch * batchSize)..<min((batch + 1) * batchSize, order.count)]
    }
}
