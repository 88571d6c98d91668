/// Ultralytics' `load_mosaic`: four images on a 2s × 2s canvas of grey 114 around a random
/// centre, their labels moved into canvas pixels and clipped to it. The random part
/// (`MosaicDraw`) is kept apart so tests can inject the centre and indices a reference run used.
public struct MosaicDraw: Sendable, Equatable {
    /// The mosaic centre on the 2s canvas.
    public var centerX: Int
    public var centerY: Int
    /// The four dataset indices in placement order (top-left, top-right, bottom-left, bottom-right).
    public var indices: [Int]

    public init(centerX: Int, centerY: Int, indices: [Int]) {
        precondition(indices.count == 4, "a mosaic has four images")
        self.centerX = centerX
        self.centerY = centerY
        self.indices = indices
    }

    /// `yc, xc = int(uniform(s//2, 2s − s//2))` each (y drawn first), then
    /// `[index] + choices(candidates, k=3)` shuffled.
    public static func draw(index: Int, imageSize s: Int, candidates: [Int], random: inout some AugmentationRandom) -> MosaicDraw {
        let border = Mosaic.border(imageSize: s)
        let yc = Int(random.uniform(Double(-border), Double(2 * s + border)))
        let xc = Int(random.uniform(Double(-border), Double(2 * s + border)))
        var indices = [index]
        indices += random.choices(candidates, count: 3)
        random.shuffle(&indices)
        return MosaicDraw(centerX: xc, centerY: yc, indices: indices)
    }
}

public enum Mosaic {
    /// `mosaic_border = -img_size // 2` (Python's floor division).
    public static func border(imageSize: Int) -> Int {
        -((imageSize + 1) / 2)
    }

    /// The 2s canvas and the labels in its pixels (clipped to [0, 2s]), from four images already
    /// through `load_image` and their normalised labels.
    public static func compose(_ tiles: [(image: RGBImage, labels: [ObjectLabel])], draw: MosaicDraw,
                               imageSize s: Int) -> (image: RGBImage, boxes: [PixelBox]) {
        precondition(tiles.count == 4, "a mosaic has four images")
        let side = 2 * s
        var canvas = RGBImage(width: side, height: side, fill: (114, 114, 114))
        var boxes: [PixelBox] = []
        let xc = draw.centerX, yc = draw.centerY
        for (i, tile) in tiles.enumerated() {
            let w = tile.image.width, h = tile.image.height
            var a = (x1: 0, y1: 0, x2: 0, y2: 0), b = (x1: 0, y1: 0, x2: 0, y2: 0)
            switch i {
            case 0:
                a = (max(xc - w, 0), max(yc - h, 0), xc, yc)
                b = (w - (a.x2 - a.x1), h - (a.y2 - a.y1), w, h)
            case 1:
                a = (xc, max(yc - h, 0), min(xc + w, side), yc)
                b = (0, h - (a.y2 - a.y1), min(w, a.x2 - a.x1), h)
            case 2:
                a = (max(xc - w, 0), yc, xc, min(side, yc + h))
                b = (w - (a.x2 - a.x1), 0, w, min(a.y2 - a.y1, h))
            default:
                a = (xc, yc, min(xc + w, side), min(side, yc + h))
                b = (0, 0, min(w, a.x2 - a.x1), min(a.y2 - a.y1, h))
            }
            copy(tile.image, region: b, into: &canvas, at: a)
            let padW = a.x1 - b.x1, padH = a.y1 - b.y1
            boxes += LabelBoxes.pixelBoxes(tile.labels, width: Double(w), height: Double(h),
                                           padX: Double(padW), padY: Double(padH))
        }
        return (canvas, LabelBoxes.clipped(boxes, to: Float(side)))
    }

    /// `img4[y1a:y2a, x1a:x2a] = img[y1b:y2b, x1b:x2b]` with numpy's slice clamping (an empty or
    /// negative range copies nothing; the two slices always have the same extent here).
    static func copy(_ image: RGBImage, region b: (x1: Int, y1: Int, x2: Int, y2: Int), into canvas: inout RGBImage,
                     at a: (x1: Int, y1: Int, x2: Int, y2: Int)) {
        func clampRange(_ lo: Int, _ hi: Int, _ n: Int) -> Range<Int> {
            // Python slices: negative bounds count from the end, then clamp.
            let l = lo < 0 ? max(lo + n, 0) : min(lo, n), u = hi < 0 ? max(hi + n, 0) : min(hi, n)
            return l..<max(l, u)
        }
        let ax = clampRange(a.x1, a.x2, canvas.width), ay = clampRange(a.y1, a.y2, canvas.height)
        let bx = clampRange(b.x1, b.x2, image.width), by = clampRange(b.y1, b.y2, image.height)
        guard !ax.isEmpty, !ay.isEmpty, ax.count == bx.count, ay.count == by.count else { return }
        let canvasWidth = canvas.width, imageWidth = image.width
        image.pixels.withUnsafeBufferPointer { src in
            canvas.pixels.withUnsafeMutableBufferPointer { dst in
                for row in 0..<ay.count {
                    let from = ((by.lowerBound + row) * imageWidth + bx.lowerBound) * 3
                    let to = ((ay.lowerBound + row) * canvasWidth + ax.lowerBound) * 3
                    UnsafeMutableRawPointer(dst.baseAddress! + to).copyMemory(from: src.baseAddress! + from,
                                                                              byteCount: ax.count * 3)
                }
            }
        }
    }
}

/// Ultralytics' `mixup`: `(im·r + im2·(1 − r)).astype(uint8)` in float64, truncated, with
/// `r ~ Beta(32, 32)`; the labels are concatenated.
public enum Mixup {
    public static func blend(_ a: RGBImage, _ b: RGBImage, ratio r: Double) -> RGBImage {
        precondition(a.width == b.width && a.height == b.height, "mixup of differently sized images")
        var out = a
        let q = 1 - r
        a.pixels.withUnsafeBufferPointer { pa in
            b.pixels.withUnsafeBufferPointer { pb in
                out.pixels.withUnsafeMutableBufferPointer { po in
                    for i in 0..<po.count {
                        po[i] = UInt8(Double(pa[i]) * r + Double(pb[i]) * q)
                    }
                }
            }
        }
        return out
    }

    public static func drawRatio(random: inout some AugmentationRandom) -> Double {
        random.beta(32, 32)
    }
}
