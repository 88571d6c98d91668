/// Ultralytics' `letterbox` (utils/augmentations.py): scale an image to fit a target shape
/// keeping its aspect ratio, then pad it with a flat colour.
///
/// Every rounding is Python's: the resized size is `round(w0 * r)` with round-half-to-even
/// (425 · 0.5 = 212.5 → 212), and the padding splits as `round(dh - 0.1)` above and
/// `round(dh + 0.1)` below. The resize is `cv2.resize(INTER_LINEAR)`, done only when the size
/// changes, so the output is byte-identical to Ultralytics' for identical decoded pixels.
public struct Letterbox: Sendable {
    /// The target shape (`new_shape`), rows × columns.
    public var height: Int
    public var width: Int
    /// The padding colour, RGB; Ultralytics pads with (114, 114, 114).
    public var color: (UInt8, UInt8, UInt8)
    /// `auto`: pad only to the next multiple of `stride` (a minimal rectangle, detect.py).
    public var auto: Bool
    /// `scaleFill`: stretch to the target shape without padding (ignored when `auto`).
    public var scaleFill: Bool
    /// `scaleup`: allow enlarging; false only shrinks (val.py).
    public var scaleUp: Bool
    public var stride: Int

    public init(height: Int, width: Int, color: (UInt8, UInt8, UInt8) = (114, 114, 114), auto: Bool = true,
                scaleFill: Bool = false, scaleUp: Bool = true, stride: Int = 32) {
        precondition(height > 0 && width > 0 && stride > 0, "letterbox shape \(height)x\(width), stride \(stride)")
        self.height = height
        self.width = width
        self.color = color
        self.auto = auto
        self.scaleFill = scaleFill
        self.scaleUp = scaleUp
        self.stride = stride
    }

    /// A square target, as `letterbox(im, 640)`.
    public init(size: Int, color: (UInt8, UInt8, UInt8) = (114, 114, 114), auto: Bool = true,
                scaleFill: Bool = false, scaleUp: Bool = true, stride: Int = 32) {
        self.init(height: size, width: size, color: color, auto: auto, scaleFill: scaleFill, scaleUp: scaleUp, stride: stride)
    }

    /// The letterboxed image and the geometry that maps its pixels back to the original.
    public func apply(to image: RGBImage) -> LetterboxResult {
        precondition(image.width > 0 && image.height > 0, "letterbox of an empty image")
        let h0 = Double(image.height), w0 = Double(image.width)
        var r = min(Double(height) / h0, Double(width) / w0)
        if !scaleUp { r = min(r, 1.0) }
        var ratio = (width: r, height: r)
        var newWidth = Int((w0 * r).rounded(.toNearestOrEven))
        var newHeight = Int((h0 * r).rounded(.toNearestOrEven))
        var dw = Double(width - newWidth), dh = Double(height - newHeight)
        if auto {
            dw = Double(pythonModulo(width - newWidth, stride))
            dh = Double(pythonModulo(height - newHeight, stride))
        } else if scaleFill {
            dw = 0
            dh = 0
            newWidth = width
            newHeight = height
            ratio = (width: Double(width) / w0, height: Double(height) / h0)
        }
        dw /= 2
        dh /= 2

        let resized = (newWidth == image.width && newHeight == image.height)
            ? image
            : resize(image, width: newWidth, height: newHeight, interpolation: .linear)
        let top = Int((dh - 0.1).rounded(.toNearestOrEven)), bottom = Int((dh + 0.1).rounded(.toNearestOrEven))
        let left = Int((dw - 0.1).rounded(.toNearestOrEven)), right = Int((dw + 0.1).rounded(.toNearestOrEven))
        let padded = resized.padded(top: top, bottom: bottom, left: left, right: right, color: color)
        return LetterboxResult(image: padded, ratio: ratio, padding: (width: dw, height: dh), left: left, top: top)
    }
}

/// What `letterbox` returns: the image, `ratio` (width and height gain) and `(dw, dh)`, the
/// half-padding Ultralytics passes on to `scale_boxes`; plus the integer offsets actually used.
public struct LetterboxResult: Sendable {
    public var image: RGBImage
    public var ratio: (width: Double, height: Double)
    public var padding: (width: Double, height: Double)
    /// Columns of padding on the left and rows on top: where original pixel (0, 0) landed.
    public var left: Int
    public var top: Int

    /// A point in letterboxed pixels mapped back to original-image pixels (Ultralytics'
    /// `scale_boxes` with this `ratio_pad`, before clipping).
    public func originalPoint(x: Double, y: Double) -> (x: Double, y: Double) {
        ((x - padding.width) / ratio.width, (y - padding.height) / ratio.height)
    }
}

/// Python's `%`: the result has the sign of the divisor (numpy's `np.mod` too).
func pythonModulo(_ a: Int, _ b: Int) -> Int {
    let r = a % b
    return r != 0 && (r < 0) != (b < 0) ? r + b : r
}

extension RGBImage {
    /// `cv2.copyMakeBorder(BORDER_CONSTANT)`: the image inside a frame of one colour.
    public func padded(top: Int, bottom: Int, left: Int, right: Int, color: (UInt8, UInt8, UInt8)) -> RGBImage {
        precondition(top >= 0 && bottom >= 0 && left >= 0 && right >= 0, "negative padding")
        if top == 0 && bottom == 0 && left == 0 && right == 0 { return self }
        var canvas = RGBImage(width: width + left + right, height: height + top + bottom, fill: color)
        let rowBytes = width * 3, canvasRow = canvas.width * 3
        pixels.withUnsafeBufferPointer { src in
            canvas.pixels.withUnsafeMutableBufferPointer { dst in
                for y in 0..<height {
                    let from = y * rowBytes, to = (y + top) * canvasRow + left * 3
                    UnsafeMutableRawPointer(dst.baseAddress! + to)
                        .copyMemory(from: src.baseAddress! + from, byteCount: rowBytes)
                }
            }
        }
        return canvas
    }
}
