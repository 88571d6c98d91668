import Foundation

/// Ultralytics' `LoadImagesAndLabels` for training (`augment=True`) and for letterboxed
/// evaluation (`augment=False`): `load_image`, `load_mosaic`, mixup, `random_perspective`,
/// HSV, flips and the optional photometric set, in `__getitem__`'s order.
///
/// * `mosaicEnabled = augment && !rect`, as Ultralytics (`self.mosaic`).
/// * With `rect`, images are fed in `RectBatches` order (ties stable), each batch letterboxed to
///   its shape (`pad` 0.0 for training); without it every non-mosaic sample is letterboxed to
///   `imageSize × imageSize`. Letterboxing uses `auto=False, scaleup=augment`.
/// * `copy_paste` needs polygon labels; detection labels have none, so it changes nothing (as in
///   Ultralytics, where `copy_paste` with no segments returns its input). Polygon-label datasets
///   are also warped as boxes here, not through their 1000-point resampled segments.
public struct TrainingDataset: Sendable {
    public let loader: TrainingImages
    public let settings: AugmentationSettings
    public let imageSize: Int
    public let batchSize: Int
    public let stride: Int
    public let augment: Bool
    public let rect: Bool
    /// The rectangular batches when `rect`.
    public let rectBatches: RectBatches?

    public var images: [VerifiedImage] { loader.images }
    public var count: Int { loader.images.count }
    public var mosaicEnabled: Bool { augment && !rect }

    public init(images: [VerifiedImage], imageSize: Int, batchSize: Int, augment: Bool,
                settings: AugmentationSettings = AugmentationSettings(), rect: Bool = false, stride: Int = 32,
                pad: Double = 0, cache: ImageCacheMode = .none,
                threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws {
        guard !images.isEmpty else { throw DatasetError("no images to train on", file: "<dataset>") }
        guard imageSize > 0, batchSize > 0, stride > 0 else {
            throw DatasetError("image size, batch size and stride must be positive (got \(imageSize), \(batchSize), \(stride))",
                               file: "<dataset>")
        }
        loader = try TrainingImages(images: images, imageSize: imageSize, augment: augment, cache: cache, threads: threads)
        self.settings = settings
        self.imageSize = imageSize
        self.batchSize = batchSize
        self.stride = stride
        self.augment = augment
        self.rect = rect
        rectBatches = rect ? RectBatches(sizes: images.map(\.size), batchSize: batchSize, imageSize: imageSize,
                                         stride: stride, pad: pad) : nil
    }

    /// The letterbox shape of the sample at feeding position `position`.
    public func letterboxShape(atPosition position: Int) -> ImageSize {
        if let rectBatches { return rectBatches.shapes[position / batchSize] }
        return ImageSize(width: imageSize, height: imageSize)
    }

    /// `load_mosaic(index)`: the composed 2s canvas through `random_perspective` with border −s/2.
    public func mosaic<R: AugmentationRandom>(index: Int, candidates: [Int], random: inout R) throws
        -> (image: RGBImage, boxes: [PixelBox]) {
        let draw = MosaicDraw.draw(index: index, imageSize: imageSize, candidates: candidates, random: &random)
        return try mosaic(draw: draw, random: &random)
    }

    /// The mosaic for a given centre and indices (the perspective draws still come from `random`).
    public func mosaic<R: AugmentationRandom>(draw: MosaicDraw, random: inout R) throws -> (image: RGBImage, boxes: [PixelBox]) {
        let tiles = try draw.indices.map { i in (image: try loader.load(i).image, labels: loader.images[i].labels) }
        let (canvas, boxes) = Mosaic.compose(tiles, draw: draw, imageSize: imageSize)
        let perspective = PerspectiveDraw.draw(settings, random: &random)
        return RandomPerspective.apply(canvas, boxes: boxes, draw: perspective, border: Mosaic.border(imageSize: imageSize))
    }

    /// `__getitem__`: the sample of dataset index `index`, letterboxed (when not a mosaic) to
    /// `shape`, with mosaic partners drawn from `candidates` (the dataset's `indices`).
    public func sample<R: AugmentationRandom>(index: Int, shape: ImageSize, candidates: [Int], random: inout R) throws
        -> TrainingSample {
        let entry = loader.images[index]
        var image: RGBImage
        var boxes: [PixelBox]
        var shapes: SampleShapes?
        if mosaicEnabled && random.unit() < settings.mosaic {
            (image, boxes) = try mosaic(index: index, candidates: candidates, random: &random)
            if random.unit() < settings.mixup {
                let other = random.choices(candidates, count: 1)[0]
                let (image2, boxes2) = try mosaic(index: other, candidates: candidates, random: &random)
                image = Mixup.blend(image, image2, ratio: Mixup.drawRatio(random: &random))
                boxes += boxes2
            }
        } else {
            let loaded = try loader.load(index)
            let boxed = Letterbox(height: shape.height, width: shape.width, auto: false, scaleUp: augment, stride: stride)
                .apply(to: loaded.image)
            let (h, w) = (Double(loaded.image.height), Double(loaded.image.width))
            shapes = SampleShapes(original: loaded.original, ratioHeight: h / Double(loaded.original.height),
                                  ratioWidth: w / Double(loaded.original.width),
                                  padWidth: boxed.padding.width, padHeight: boxed.padding.height)
            image = boxed.image
            // A rect shape is a numpy array in Ultralytics, so ratio and pad are numpy float64 there,
            // except a ratio that `scaleup=False` capped to the Python float 1.0 (as ValidationGeometry).
            let capped = !augment && min(Double(shape.height) / h, Double(shape.width) / w) > 1
            boxes = LabelBoxes.pixelBoxes(entry.labels, width: boxed.ratio.width * w, height: boxed.ratio.height * h,
                                          padX: boxed.padding.width, padY: boxed.padding.height,
                                          numpyScale: rect && !capped, numpyPad: rect)
            if augment {
                let draw = PerspectiveDraw.draw(settings, random: &random)
                (image, boxes) = RandomPerspective.apply(image, boxes: boxes, draw: draw, border: 0)
            }
        }
        var labels = LabelBoxes.normalised(boxes, width: image.width, height: image.height)
        if augment {
            if settings.photometric {
                image = Photometric.apply(image, random: &random)
            }
            image = HSVAugment.apply(image, hue: settings.hsvHue, saturation: settings.hsvSaturation,
                                     value: settings.hsvValue, random: &random)
            if random.unit() < settings.flipUpDown { (image, labels) = Flips.upDown(image, labels: labels) }
            if random.unit() < settings.flipLeftRight { (image, labels) = Flips.leftRight(image, labels: labels) }
        }
        return TrainingSample(image: image, labels: labels, path: entry.imagePath, shapes: shapes)
    }
}
