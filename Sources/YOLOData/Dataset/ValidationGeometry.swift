/// Where one image ends up in its validation input, computed from sizes alone: `load_image`'s
/// resize, then `letterbox(img, shape, auto=False, scaleup=False)` (the same arithmetic as
/// `Letterbox.apply`), and the label conversions that go with them.
public struct ValidationGeometry: Sendable, Equatable {
    public var original: ImageSize
    /// After `load_image`.
    public var resized: ImageSize
    /// The letterbox target: the batch shape (rect) or `imageSize` square.
    public var target: ImageSize
    /// The letterbox's ratio (≤ 1: the letterbox only shrinks) and half paddings.
    public var letterboxRatio: Double
    public var padX: Double
    public var padY: Double
    /// Whether `target` came from the rect batch shapes (a numpy array in Ultralytics) rather
    /// than a plain int, and whether the letterbox ratio was capped at 1 (a Python float then).
    /// Together they decide which of the label arithmetic runs in float32 and which in float64.
    public var rect: Bool
    public var ratioCapped: Bool

    /// The geometry of an image of size `original` loaded at `imageSize` and letterboxed to `target`.
    public init(original: ImageSize, imageSize: Int, target: ImageSize, rect: Bool) {
        self.init(original: original, resized: ValidationImage.resizedSize(of: original, imageSize: imageSize),
                  target: target, rect: rect)
    }

    /// The same from an explicit `load_image` size.
    public init(original: ImageSize, resized: ImageSize, target: ImageSize, rect: Bool) {
        self.original = original
        self.resized = resized
        self.target = target
        self.rect = rect
        let r = min(Double(target.height) / Double(resized.height), Double(target.width) / Double(resized.width))
        // Python's min(r, 1.0) returns the float 1.0 only when r > 1.
        ratioCapped = r > 1
        letterboxRatio = min(r, 1)
        let newWidth = Int((Double(resized.width) * letterboxRatio).rounded(.toNearestOrEven))
        let newHeight = Int((Double(resized.height) * letterboxRatio).rounded(.toNearestOrEven))
        padX = Double(target.width - newWidth) / 2
        padY = Double(target.height - newHeight) / 2
    }

    /// val.py's `ratio_pad` for `scale_boxes`.
    public var ratioPad: RatioPad {
        RatioPad(gainHeight: Double(resized.height) / Double(original.height),
                 gainWidth: Double(resized.width) / Double(original.width), padX: padX, padY: padY)
    }

    /// Labels (normalised to the original image) as pixel corners in the letterboxed input:
    /// `xywhn2xyxy(labels, ratio * w, ratio * h, padw=dw, padh=dh)`, float32 results computed with
    /// numpy 2's type promotion as Ultralytics runs it (see `NumpyScalar`).
    public func pixelBoxes(_ labels: [ObjectLabel]) -> [PixelBox] {
        let scaleX = Double(resized.width) * letterboxRatio, scaleY = Double(resized.height) * letterboxRatio
        // ratio[0] * w is a numpy float64 unless the ratio is the Python float 1.0 of a capped
        // rect letterbox or of a plain-int target; the paddings are numpy float64 for rect targets.
        let scaleIsNumpy = rect && !ratioCapped
        return LabelBoxes.pixelBoxes(labels, width: scaleX, height: scaleY, padX: padX, padY: padY,
                                     numpyScale: scaleIsNumpy, numpyPad: rect)
    }

    /// Pixel boxes back to labels normalised to the letterboxed input, clipped to it:
    /// `xyxy2xywhn(boxes, w, h, clip=True, eps=1e-3)` in float32: what `__getitem__` returns
    /// and val.py scales back to pixels.
    public func targets(_ boxes: [PixelBox]) -> [ObjectLabel] {
        let width = Float(target.width), height = Float(target.height)
        // clip(0, w - eps): the Python float bound is rounded to float32.
        let maxX = Float(Double(target.width) - 1e-3), maxY = Float(Double(target.height) - 1e-3)
        return boxes.map { box in
            let x1 = min(max(box.x1, 0), maxX), x2 = min(max(box.x2, 0), maxX)
            let y1 = min(max(box.y1, 0), maxY), y2 = min(max(box.y2, 0), maxY)
            return ObjectLabel(classIndex: box.classIndex, x: ((x1 + x2) / 2) / width, y: ((y1 + y2) / 2) / height,
                               width: (x2 - x1) / width, height: (y2 - y1) / height)
        }
    }
}
