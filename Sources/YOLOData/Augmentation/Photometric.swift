/// The photometric part of Ultralytics' Albumentations block (used only when
/// `AugmentationSettings.photometric` is on): each transform independently with p = 0.01, in
/// the block's order — `Blur(blur_limit=(3, 7))` (a box filter of random odd size),
/// `MedianBlur(blur_limit=(3, 7))`, `ToGray` and `CLAHE(clip_limit=(1, 4), tile_grid_size=(8, 8))`.
/// The geometric and other members of that block have p = 0.0 in master.
///
/// Albumentations receives Ultralytics' BGR array as if it were RGB. Blur and median blur do
/// not care, but the colour transforms do: its grey weights the channels in reverse
/// (`0.299·B + 0.587·G + 0.114·R` on our RGB pixels), and its CLAHE converts with
/// RGB→LAB what is really BGR, equalises that L and converts back. Both quirks are kept so
/// the behaviour matches.
public enum Photometric {
    public static let probability = 0.01
    public static let kernelSizes = [3, 5, 7]

    public static func apply<R: AugmentationRandom>(_ image: RGBImage, random: inout R) -> RGBImage {
        var out = image
        if random.unit() < probability {
            out = boxBlur(out, size: kernelSizes[min(2, Int(random.unit() * 3))])
        }
        if random.unit() < probability {
            out = medianBlur(out, size: kernelSizes[min(2, Int(random.unit() * 3))])
        }
        if random.unit() < probability {
            out = toGray(out)
        }
        if random.unit() < probability {
            out = clahe(out, clipLimit: random.uniform(claheClipRange.lowerBound, claheClipRange.upperBound))
        }
        return out
    }

    /// Albumentations' CLAHE default `clip_limit=4.0`, which it widens to the range (1, 4).
    public static let claheClipRange = 1.0...4.0
    public static let claheTileGrid = 8

    /// Albumentations' `clahe(img, clip_limit, (8, 8))` on the channel-swapped image: OpenCV's
    /// 8-bit RGB→LAB of the reversed pixels, CLAHE on L, LAB→RGB, reversed back.
    public static func clahe(_ image: RGBImage, clipLimit: Double) -> RGBImage {
        var lab = LabConversion.lab(fromRGB: reversedChannels(image.pixels))
        var lightness = [UInt8](repeating: 0, count: image.width * image.height)
        for i in 0..<lightness.count { lightness[i] = lab[3 * i] }
        let equalised = ContrastLimitedEqualization(clipLimit: clipLimit, tilesX: claheTileGrid, tilesY: claheTileGrid)
            .apply(lightness, width: image.width, height: image.height)
        for i in 0..<equalised.count { lab[3 * i] = equalised[i] }
        return RGBImage(width: image.width, height: image.height,
                        pixels: reversedChannels(LabConversion.rgb(fromLab: lab)))
    }

    static func reversedChannels(_ pixels: [UInt8]) -> [UInt8] {
        var out = pixels
        var i = 0
        while i < out.count {
            out.swapAt(i, i + 2)
            i += 3
        }
        return out
    }

    /// `cv2.blur(img, (k, k))`: the mean over a k×k window with BORDER_REFLECT_101, rounded.
    public static func boxBlur(_ image: RGBImage, size k: Int) -> RGBImage {
        filter(image, size: k) { window in
            let sum = window.reduce(0) { $0 + Int($1) }
            return UInt8((Double(sum) / Double(window.count)).rounded(.toNearestOrEven))
        }
    }

    /// `cv2.medianBlur(img, k)`: the median over a k×k window (replicated border, as OpenCV's
    /// median filter pads).
    public static func medianBlur(_ image: RGBImage, size k: Int) -> RGBImage {
        filter(image, size: k, replicate: true) { window in
            var sorted = window
            sorted.sort()
            return sorted[sorted.count / 2]
        }
    }

    /// Albumentations' weighted-average grey (`cv2.cvtColor(img, COLOR_RGB2GRAY)`) on the
    /// channel-swapped image, replicated to 3 channels. OpenCV 5's 8-bit grey is fixed point:
    /// weights 0.299, 0.587, 0.114 as 9798, 19235, 3735 / 2^15, rounded half up (OpenCV 4 used
    /// 14 bits and differs by 1 on about 0.3% of pixels).
    public static func toGray(_ image: RGBImage) -> RGBImage {
        var out = image
        out.pixels.withUnsafeMutableBufferPointer { p in
            var i = 0
            while i < p.count {
                let weighted = 3735 * Int(p[i]) + 19235 * Int(p[i + 1]) + 9798 * Int(p[i + 2])
                let g = UInt8((weighted + (1 << 14)) >> 15)
                p[i] = g; p[i + 1] = g; p[i + 2] = g
                i += 3
            }
        }
        return out
    }

    static func filter(_ image: RGBImage, size k: Int, replicate: Bool = false, _ reduce: ([UInt8]) -> UInt8) -> RGBImage {
        let w = image.width, h = image.height, r = k / 2
        func index(_ v: Int, _ n: Int) -> Int {
            if n == 1 { return 0 }
            if replicate { return min(max(v, 0), n - 1) }
            var v = v
            while v < 0 || v >= n { v = v < 0 ? -v : 2 * n - 2 - v }
            return v
        }
        var out = image
        var window = [UInt8](repeating: 0, count: k * k)
        for y in 0..<h {
            for x in 0..<w {
                for c in 0..<3 {
                    var n = 0
                    for dy in -r...r {
                        let yy = index(y + dy, h)
                        for dx in -r...r {
                            window[n] = image.pixels[(yy * w + index(x + dx, w)) * 3 + c]
                            n += 1
                        }
                    }
                    out.pixels[(y * w + x) * 3 + c] = reduce(window)
                }
            }
        }
        return out
    }
}
