/// The `ratio_pad` val.py hands to `scale_boxes` for one image, from the dataloader's `shapes`:
/// `((h / h0, w / w0), (dw, dh))`, where `h0 x w0` is the original size, `h x w` the size after
/// `load_image`, and `dw`, `dh` the letterbox's half paddings. `scale_boxes` uses only
/// `gainHeight` (as the gain for both axes) and the two paddings.
public struct RatioPad: Sendable, Equatable {
    public var gainHeight: Double
    public var gainWidth: Double
    public var padX: Double
    public var padY: Double

    public init(gainHeight: Double, gainWidth: Double, padX: Double, padY: Double) {
        self.gainHeight = gainHeight
        self.gainWidth = gainWidth
        self.padX = padX
        self.padY = padY
    }
}
