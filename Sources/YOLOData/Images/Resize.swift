/// How `resize` computes each output pixel; the names and results are OpenCV's.
public enum Interpolation: Sendable, Equatable {
    /// `cv2.INTER_LINEAR`: bilinear with 11-bit fixed-point weights.
    case linear
    /// `cv2.INTER_AREA`: the average over each output pixel's footprint when shrinking; when
    /// either side grows, OpenCV (and so this) falls back to a bilinear variant whose weights
    /// come from the pixel footprints instead of the pixel centres.
    case area
}

/// Resizes like `cv2.resize(image, (width, height), interpolation=...)` on a uint8 image,
/// byte for byte (OpenCV 5.0 as shipped in opencv-python-headless 5.0.0.93):
///
/// * the same size is a copy;
/// * `.linear` at exactly half size on both axes is the 2×2 average (OpenCV switches to its
///   area code there, and the two agree);
/// * `.area` with both sides shrinking by whole factors averages blocks; with other shrink
///   factors it uses OpenCV's fractional-footprint float weights; if either side grows it is
///   the bilinear kernel with footprint-based weights;
/// * everything else is the fixed-point bilinear kernel.
public func resize(_ image: RGBImage, width: Int, height: Int, interpolation: Interpolation = .linear) -> RGBImage {
    precondition(width > 0 && height > 0, "resize to an empty size \(width)x\(height)")
    precondition(image.width > 0 && image.height > 0, "resize of an empty image")
    let source = PixelGrid(width: image.width, height: image.height, channels: RGBImage.channels)
    let target = PixelGrid(width: width, height: height, channels: RGBImage.channels)
    if source.width == width && source.height == height { return image }
    let pixels = image.pixels.withUnsafeBufferPointer { src in
        ResizePlan(from: source, to: target, interpolation: interpolation).run(src)
    }
    return RGBImage(width: width, height: height, pixels: pixels)
}

/// The size and channel count of an interleaved 8-bit pixel buffer.
struct PixelGrid: Equatable {
    var width: Int
    var height: Int
    var channels: Int
    var rowLength: Int { width * channels }
    var byteCount: Int { width * height * channels }
}

/// The choice `cv::resize` makes between its kernels for a pair of sizes.
struct ResizePlan {
    enum Kernel: Equatable {
        case blockAverage(factorX: Int, factorY: Int)
        case fractionalArea
        case bilinear(footprintWeights: Bool)
    }

    let source: PixelGrid
    let target: PixelGrid
    let kernel: Kernel

    init(from source: PixelGrid, to target: PixelGrid, interpolation: Interpolation) {
        self.source = source
        self.target = target
        // OpenCV works with the inverse scales it was given as sizes, then inverts them.
        let scaleX = 1.0 / (Double(target.width) / Double(source.width))
        let scaleY = 1.0 / (Double(target.height) / Double(source.height))
        let factorX = Int(scaleX.rounded(.toNearestOrEven))
        let factorY = Int(scaleY.rounded(.toNearestOrEven))
        let wholeFactors = abs(scaleX - Double(factorX)) < Double.ulpOfOne && abs(scaleY - Double(factorY)) < Double.ulpOfOne
        switch interpolation {
        case .linear where wholeFactors && factorX == 2 && factorY == 2:
            kernel = .blockAverage(factorX: 2, factorY: 2)
        case .linear:
            kernel = .bilinear(footprintWeights: false)
        case .area where scaleX >= 1 && scaleY >= 1:
            kernel = wholeFactors ? .blockAverage(factorX: factorX, factorY: factorY) : .fractionalArea
        case .area:
            kernel = .bilinear(footprintWeights: true)
        }
    }

    func run(_ src: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        precondition(src.count == source.byteCount, "pixel buffer does not match \(source)")
        switch kernel {
        case let .blockAverage(factorX, factorY):
            return BlockAverageResize(source: source, target: target, factorX: factorX, factorY: factorY).run(src)
        case .fractionalArea:
            return AreaResize(source: source, target: target).run(src)
        case let .bilinear(footprintWeights):
            return BilinearResize(source: source, target: target, footprintWeights: footprintWeights).run(src)
        }
    }
}
