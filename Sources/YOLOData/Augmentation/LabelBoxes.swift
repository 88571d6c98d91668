/// The label conversions of the training pipeline, in float32 with numpy's rounding (the label
/// arrays are float32 and every Python scalar joins them as float32).
public enum LabelBoxes {
    /// `xywhn2xyxy(labels, w, h, padw, padh)`: normalised centre boxes to pixel corners.
    ///
    /// `numpyScale`, `numpyPad`: whether `w, h` and `padw, padh` are numpy float64 scalars rather
    /// than Python floats. After a letterbox to a rect batch shape (a numpy array) letterbox's
    /// `dw, dh` are numpy float64, and so is `r` unless `scaleup=False` capped it to the Python
    /// float 1.0; numpy 2 then computes in float64 and rounds once to float32 (`NumpyScalar`).
    /// With Python scalars (a square `img_size`, the mosaic) everything stays float32.
    public static func pixelBoxes(_ labels: [ObjectLabel], width: Double, height: Double,
                                  padX: Double = 0, padY: Double = 0, numpyScale: Bool = false,
                                  numpyPad: Bool = false) -> [PixelBox] {
        let sx = NumpyScalar(width, numpy: numpyScale), sy = NumpyScalar(height, numpy: numpyScale)
        let px = NumpyScalar(padX, numpy: numpyPad), py = NumpyScalar(padY, numpy: numpyPad)
        return labels.map { label in
            let halfW = label.width / 2, halfH = label.height / 2
            return PixelBox(classIndex: label.classIndex,
                            x1: NumpyScalar.affine(label.x - halfW, scale: sx, offset: px),
                            y1: NumpyScalar.affine(label.y - halfH, scale: sy, offset: py),
                            x2: NumpyScalar.affine(label.x + halfW, scale: sx, offset: px),
                            y2: NumpyScalar.affine(label.y + halfH, scale: sy, offset: py))
        }
    }

    /// `xyxy2xywhn(boxes, w, h, clip=True, eps=1e-3)`: corners clipped to
    /// `[0, w − eps] × [0, h − eps]`, then normalised centre boxes.
    public static func normalised(_ boxes: [PixelBox], width: Int, height: Int, clipEps: Double = 1e-3) -> [ObjectLabel] {
        let maxX = Float(Double(width) - clipEps), maxY = Float(Double(height) - clipEps)
        let w = Float(width), h = Float(height)
        func clip(_ v: Float, _ high: Float) -> Float { v.isNaN ? v : min(max(v, 0), high) }
        return boxes.map { box in
            let x1 = clip(box.x1, maxX), x2 = clip(box.x2, maxX)
            let y1 = clip(box.y1, maxY), y2 = clip(box.y2, maxY)
            return ObjectLabel(classIndex: box.classIndex, x: ((x1 + x2) / 2) / w, y: ((y1 + y2) / 2) / h,
                               width: (x2 - x1) / w, height: (y2 - y1) / h)
        }
    }

    /// `np.clip(labels[:, 1:], 0, limit)`: the mosaic's clip of pixel boxes to the canvas.
    public static func clipped(_ boxes: [PixelBox], to limit: Float) -> [PixelBox] {
        boxes.map { box in
            func c(_ v: Float) -> Float { v.isNaN ? v : min(max(v, 0), limit) }
            return PixelBox(classIndex: box.classIndex, x1: c(box.x1), y1: c(box.y1), x2: c(box.x2), y2: c(box.y2))
        }
    }
}
