/// Ultralytics' `LoadImagesAndLabels.load_image` without augmentation (the val.py path): the
/// image scaled so that its long side is `imageSize`.
///
/// `r = imageSize / max(h0, w0)`; when `r != 1` the image is resized to
/// `(ceil(w0 * r), ceil(h0 * r))` (YOLOv5 master's `math.ceil`; v7.0 truncated with `int`, which
/// makes some images a pixel smaller), with INTER_AREA when shrinking and INTER_LINEAR when
/// enlarging. Because `r` is a rounded float64, `ceil` can give `imageSize + 1`; that is
/// Ultralytics' result too and is kept.
public enum ValidationImage {
    /// The size `load_image` resizes an image of size `original` to.
    public static func resizedSize(of original: ImageSize, imageSize: Int) -> ImageSize {
        let r = scale(of: original, imageSize: imageSize)
        guard r != 1 else { return original }
        return ImageSize(width: Int((Double(original.width) * r).rounded(.up)),
                         height: Int((Double(original.height) * r).rounded(.up)))
    }

    /// Reads (as `cv2.imread`, EXIF orientation applied) and resizes one image.
    public static func load(path: String, imageSize: Int) throws -> (image: RGBImage, original: ImageSize) {
        let image = try RGBImage.read(path: path)
        let original = ImageSize(width: image.width, height: image.height)
        return (resized(image, imageSize: imageSize), original)
    }

    /// The resize step alone, for an image already decoded.
    public static func resized(_ image: RGBImage, imageSize: Int) -> RGBImage {
        let original = ImageSize(width: image.width, height: image.height)
        let r = scale(of: original, imageSize: imageSize)
        guard r != 1 else { return image }
        let size = resizedSize(of: original, imageSize: imageSize)
        return resize(image, width: size.width, height: size.height, interpolation: r < 1 ? .area : .linear)
    }

    static func scale(of original: ImageSize, imageSize: Int) -> Double {
        precondition(original.width > 0 && original.height > 0 && imageSize > 0, "empty image or size")
        return Double(imageSize) / Double(max(original.width, original.height))
    }
}
