/// The images of a dataset in the order, batches and letterbox shapes val.py feeds them
/// (`create_dataloader(..., rect=True, pad=0.5)`, no augmentation, no shuffling).
///
/// With `rect` (val.py's default for PyTorch models) the order and shapes are `RectBatches`;
/// without it the images stay in path order and every one is letterboxed to
/// `imageSize x imageSize`. Each sample is `load_image` (`ValidationImage`) followed by
/// `letterbox(img, shape, auto=False, scaleup=False)`.
public struct ValidationSet: Sendable {
    public let images: [VerifiedImage]
    public let imageSize: Int
    public let batchSize: Int
    public let stride: Int
    public let rect: Bool
    /// Indices into `images` in feeding order.
    public let order: [Int]
    /// The letterbox shape of each batch.
    public let batchShapes: [ImageSize]

    public init(images: [VerifiedImage], imageSize: Int = 640, batchSize: Int = 32, stride: Int = 32,
                pad: Double = 0.5, rect: Bool = true) {
        precondition(imageSize > 0 && batchSize > 0 && stride > 0, "image size, batch size and stride must be positive")
        self.images = images
        self.imageSize = imageSize
        self.batchSize = batchSize
        self.stride = stride
        self.rect = rect
        if rect {
            let batches = RectBatches(sizes: images.map(\.size), batchSize: batchSize, imageSize: imageSize,
                                      stride: stride, pad: pad)
            order = batches.order
            batchShapes = batches.shapes
        } else {
            order = Array(images.indices)
            let count = (images.count + batchSize - 1) / batchSize
            batchShapes = Array(repeating: ImageSize(width: imageSize, height: imageSize), count: count)
        }
    }

    public init(dataset: DetectionDataset, imageSize: Int = 640, batchSize: Int = 32, stride: Int = 32,
                pad: Double = 0.5, rect: Bool = true) {
        self.init(images: dataset.images, imageSize: imageSize, batchSize: batchSize, stride: stride, pad: pad, rect: rect)
    }

    public var count: Int { order.count }
    public var batchCount: Int { batchShapes.count }

    /// Indices into `images` of batch `batch`, in feeding order.
    public func indices(ofBatch batch: Int) -> ArraySlice<Int> {
        order[(batch * batchSize)..<min((batch + 1) * batchSize, order.count)]
    }

    /// The geometry of the image at feeding position `position`, without reading it.
    public func geometry(atPosition position: Int) -> ValidationGeometry {
        let image = images[order[position]]
        return ValidationGeometry(original: image.size, imageSize: imageSize, target: batchShapes[position / batchSize],
                                  rect: rect)
    }

    /// Reads and prepares the image at feeding position `position`.
    public func sample(atPosition position: Int) throws -> ValidationSample {
        let entry = images[order[position]]
        let (resized, original) = try ValidationImage.load(path: entry.imagePath, imageSize: imageSize)
        let target = batchShapes[position / batchSize]
        let geometry = ValidationGeometry(original: original, imageSize: imageSize, target: target, rect: rect)
        guard original == entry.size else {
            throw DatasetError("the image is \(original) but was \(entry.size) when the dataset was verified "
                               + "(changed since; delete the label cache)", file: entry.imagePath)
        }
        let boxed = Letterbox(height: target.height, width: target.width, auto: false, scaleUp: false, stride: stride)
            .apply(to: resized)
        assert(boxed.padding.width == geometry.padX && boxed.padding.height == geometry.padY
               && boxed.ratio.width == geometry.letterboxRatio, "letterbox geometry differs from ValidationGeometry")
        let pixelBoxes = geometry.pixelBoxes(entry.labels)
        return ValidationSample(imagePath: entry.imagePath, image: boxed.image, geometry: geometry, labels: entry.labels,
                                pixelBoxes: pixelBoxes, targets: geometry.targets(pixelBoxes))
    }

    /// Reads and prepares batch `batch`, and its network input tensor.
    public func batch(_ batch: Int) throws -> ValidationBatch {
        let positions = (batch * batchSize)..<min((batch + 1) * batchSize, order.count)
        let samples = try positions.map { try sample(atPosition: $0) }
        return ValidationBatch(samples: samples, input: try NetworkInput.batch(samples.map(\.image)))
    }
}
