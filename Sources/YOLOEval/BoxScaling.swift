/// Maps boxes from the letterboxed network input back to the original image (Ultralytics'
/// `scale_boxes` + `clip_boxes`): subtract the padding, divide by the gain, clip to the image.
public struct LetterboxMapping: Sendable, Equatable {
    public var gain: Double
    public var padX: Double
    public var padY: Double

    public init(gain: Double, padX: Double, padY: Double) {
        self.gain = gain
        self.padX = padX
        self.padY = padY
    }

    /// The mapping Ultralytics derives from the two shapes when no letterbox record is given.
    public init(inputHeight: Int, inputWidth: Int, originalHeight: Int, originalWidth: Int) {
        gain = min(Double(inputHeight) / Double(originalHeight), Double(inputWidth) / Double(originalWidth))
        padX = (Double(inputWidth) - Double(originalWidth) * gain) / 2
        padY = (Double(inputHeight) - Double(originalHeight) * gain) / 2
    }

    /// Applies the mapping in float32 (the scalars rounded to float32 as PyTorch does) and clips.
    public func toOriginal(_ d: Detection, originalWidth: Int, originalHeight: Int) -> Detection {
        let g = Float(gain), px = Float(padX), py = Float(padY)
        let (w, h) = (Float(originalWidth), Float(originalHeight))
        var out = d
        out.x1 = min(max((d.x1 - px) / g, 0), w)
        out.x2 = min(max((d.x2 - px) / g, 0), w)
        out.y1 = min(max((d.y1 - py) / g, 0), h)
        out.y2 = min(max((d.y2 - py) / g, 0), h)
        return out
    }
}
