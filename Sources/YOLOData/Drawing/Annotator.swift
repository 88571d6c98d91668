/// Draws detection boxes and "class conf" labels onto an image the way Ultralytics' Annotator
/// lays them out: a box outline of the class colour, a filled label tab above the box (inside it
/// when there is no room above) with white text.
public struct Annotator {
    public var image: RGBImage
    /// Outline thickness in pixels; Ultralytics' default is max(round((h + w) / 2 · 0.003), 2).
    public let lineWidth: Int

    public init(image: RGBImage, lineWidth: Int? = nil) {
        self.image = image
        self.lineWidth = lineWidth ?? max(Int((Double(image.height + image.width) / 2 * 0.003).rounded(.toNearestOrEven)), 2)
    }

    /// Ultralytics' 20-colour class palette (RGB), cycled by class index.
    public static let palette: [(UInt8, UInt8, UInt8)] = paletteHex.map { (hex: UInt32) -> (UInt8, UInt8, UInt8) in
        (UInt8(truncatingIfNeeded: hex >> 16), UInt8(truncatingIfNeeded: hex >> 8), UInt8(truncatingIfNeeded: hex))
    }
    private static let paletteHex: [UInt32] = [
        0xFF3838, 0xFF9D97, 0xFF701F, 0xFFB21D, 0xCFD231, 0x48F90A, 0x92CC17, 0x3DDB86, 0x1A9334, 0x00D4BB,
        0x2C99A8, 0x00C2FF, 0x344593, 0x6473FF, 0x0018EC, 0x8438FF, 0x520085, 0xCB38FF, 0xFF95C8, 0xFF37C7,
    ]

    public static func color(forClass index: Int) -> (UInt8, UInt8, UInt8) {
        palette[((index % palette.count) + palette.count) % palette.count]
    }

    /// Draws one box (corners in pixels) with an optional label.
    public mutating func drawBox(x1: Float, y1: Float, x2: Float, y2: Float, label: String?, color: (UInt8, UInt8, UInt8)) {
        let (left, top, right, bottom) = (Int(x1), Int(y1), Int(x2), Int(y2))
        // outline: lineWidth pixels centred on the box edge, like cv2.rectangle with that thickness
        let half = lineWidth / 2
        fill(left - half, top - half, right + lineWidth - half - 1, top + lineWidth - half - 1, color)
        fill(left - half, bottom - half, right + lineWidth - half - 1, bottom + lineWidth - half - 1, color)
        fill(left - half, top - half, left + lineWidth - half - 1, bottom + lineWidth - half - 1, color)
        fill(right - half, top - half, right + lineWidth - half - 1, bottom + lineWidth - half - 1, color)
        guard let label, !label.isEmpty else { return }
        let scale = max(1, lineWidth / 2)
        let textWidth = label.utf8.count * BitmapFont.glyphWidth * scale
        let textHeight = BitmapFont.glyphHeight * scale
        let outside = top - textHeight >= 3
        let tabTop = outside ? top - textHeight - 3 : top
        let tabBottom = outside ? top : top + textHeight + 3
        fill(left, tabTop, left + textWidth, tabBottom, color)
        drawText(label, x: left, y: tabTop + 1, scale: scale, color: (255, 255, 255))
    }

    /// Fills the rectangle [x0, x1] × [y0, y1] (inclusive, clipped to the image).
    public mutating func fill(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, _ color: (UInt8, UInt8, UInt8)) {
        let (w, h) = (image.width, image.height)
        // Checked before forming the ranges: a rectangle entirely off the image would make an invalid range.
        guard x0 < w, y0 < h, x1 >= 0, y1 >= 0, x0 <= x1, y0 <= y1 else { return }
        let xs = max(0, x0)...min(w - 1, x1), ys = max(0, y0)...min(h - 1, y1)
        image.pixels.withUnsafeMutableBufferPointer { pixels in
            for y in ys {
                for x in xs {
                    let i = (y * w + x) * 3
                    pixels[i] = color.0
                    pixels[i + 1] = color.1
                    pixels[i + 2] = color.2
                }
            }
        }
    }

    /// Draws ASCII text with the built-in bitmap font, each font pixel as a scale × scale square.
    public mutating func drawText(_ text: String, x: Int, y: Int, scale: Int, color: (UInt8, UInt8, UInt8)) {
        for (index, byte) in text.utf8.enumerated() {
            let code = (byte >= BitmapFont.firstCharacter && byte < 127) ? byte : UInt8(ascii: "?")
            let glyph = Int(code - BitmapFont.firstCharacter) * BitmapFont.glyphHeight
            let originX = x + index * BitmapFont.glyphWidth * scale
            for row in 0..<BitmapFont.glyphHeight {
                let bits = BitmapFont.rows[glyph + row]
                for column in 0..<BitmapFont.glyphWidth where bits & (0x80 >> column) != 0 {
                    let px = originX + column * scale, py = y + row * scale
                    fill(px, py, px + scale - 1, py + scale - 1, color)
                }
            }
        }
    }
}
