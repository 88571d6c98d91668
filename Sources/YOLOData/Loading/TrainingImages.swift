import Foundation

/// One image after `load_image`: its pixels (long side scaled to the image size), the size it was
/// read at (`h0, w0`) and the size after resizing (`h, w`).
public struct LoadedImage: Sendable {
    public var image: RGBImage
    public var original: ImageSize
    public var resized: ImageSize { ImageSize(width: image.width, height: image.height) }
}

/// Ultralytics' `LoadImagesAndLabels.load_image` for training, with its image caches.
///
/// `r = imageSize / max(h0, w0)`; when `r != 1` the image is resized to
/// `(ceil(w0·r), ceil(h0·r))` (master's `math.ceil`), with INTER_LINEAR when augmenting or
/// enlarging and INTER_AREA when shrinking without augmentation.
///
/// * `.ram` keeps every loaded (resized) image in memory; before loading, the bytes needed
///   (exact, from the verified sizes) plus a 10 % margin are checked against `MemAvailable`, and a
///   shortfall is an error that says how much is needed and available.
/// * `.disk` keeps each decoded full-size image in a raw file beside it (`DiskImageCache`) and
///   resizes on every load, as Ultralytics does with its `.npy` files.
public final class TrainingImages: @unchecked Sendable {
    public let images: [VerifiedImage]
    public let imageSize: Int
    public let augment: Bool
    public let cache: ImageCacheMode
    /// Filled once in `init` for `.ram` and never changed, so reads need no lock.
    private let memory: [LoadedImage]

    public static let ramSafetyMargin = 0.1

    public init(images: [VerifiedImage], imageSize: Int, augment: Bool, cache: ImageCacheMode = .none,
                threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws {
        precondition(imageSize > 0, "image size must be positive")
        self.images = images
        self.imageSize = imageSize
        self.augment = augment
        self.cache = cache
        switch cache {
        case .none:
            memory = []
        case .disk:
            memory = []
            try TrainingImages.run(count: images.count, threads: threads) { i in
                _ = try DiskImageCache.load(imagePath: images[i].imagePath)
            }
        case .ram:
            let needed = TrainingImages.ramBytes(images: images, imageSize: imageSize)
            let withMargin = UInt64((Double(needed) * (1 + TrainingImages.ramSafetyMargin)).rounded(.up))
            if let available = AvailableMemory.bytes(), withMargin >= available {
                let gb = { (b: UInt64) in String(format: "%.1f", Double(b) / Double(1 << 30)) }
                throw DatasetError("--cache ram needs \(gb(withMargin))GB (images plus 10% margin) but only "
                                   + "\(gb(available))GB is available (MemAvailable); use --cache disk or no cache",
                                   file: images.first?.imagePath ?? "<dataset>")
            }
            let loaded = Locked([LoadedImage?](repeating: nil, count: images.count))
            try TrainingImages.run(count: images.count, threads: threads) { i in
                let image = try TrainingImages.decodeAndResize(path: images[i].imagePath, imageSize: imageSize,
                                                               augment: augment, cache: .none)
                loaded.withLock { $0[i] = image }
            }
            memory = loaded.withLock { $0.map { $0! } }
        }
    }

    /// The bytes `--cache ram` holds: every image at its `load_image` size.
    public static func ramBytes(images: [VerifiedImage], imageSize: Int) -> UInt64 {
        images.reduce(0) { total, image in
            let size = ValidationImage.resizedSize(of: image.size, imageSize: imageSize)
            return total + UInt64(size.width * size.height * 3)
        }
    }

    /// `load_image(i)`.
    public func load(_ index: Int) throws -> LoadedImage {
        if cache == .ram { return memory[index] }
        return try TrainingImages.decodeAndResize(path: images[index].imagePath, imageSize: imageSize,
                                                  augment: augment, cache: cache)
    }

    static func decodeAndResize(path: String, imageSize: Int, augment: Bool, cache: ImageCacheMode) throws -> LoadedImage {
        let image = cache == .disk ? try DiskImageCache.load(imagePath: path) : try RGBImage.read(path: path)
        return LoadedImage(image: resized(image, imageSize: imageSize, augment: augment),
                           original: ImageSize(width: image.width, height: image.height))
    }

    /// The resize step of `load_image` for an image already decoded.
    public static func resized(_ image: RGBImage, imageSize: Int, augment: Bool) -> RGBImage {
        let original = ImageSize(width: image.width, height: image.height)
        let r = Double(imageSize) / Double(max(image.width, image.height))
        guard r != 1 else { return image }
        let size = ValidationImage.resizedSize(of: original, imageSize: imageSize)
        return resize(image, width: size.width, height: size.height, interpolation: (augment || r > 1) ? .linear : .area)
    }

    /// Runs `body` for 0..<count on `threads` threads, rethrowing the first error.
    static func run(count: Int, threads: Int, _ body: @escaping @Sendable (Int) throws -> Void) throws {
        let state = Locked((next: 0, failure: Error?.none))
        let group = DispatchGroup()
        for _ in 0..<max(1, min(threads, count)) {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                while true {
                    let (i, stop) = state.withLock { s -> (Int, Bool) in
                        defer { s.next += 1 }
                        return (s.next, s.failure != nil)
                    }
                    if stop || i >= count { return }
                    do { try body(i) } catch {
                        state.withLock { s in if s.failure == nil { s.failure = error } }
                    }
                }
            }
        }
        group.wait()
        if let failure = state.withLock({ $0.failure }) { throw failure }
    }
}
