/// The photometric part of Ultralytics' Albumentations block (used only when
/// `AugmentationSettings.photometric` is on): each transform independently with p = 0.01 —
/// `Blur(blur_limit=(3, 7))` (a box filter of random odd size), `MedianBlur(blur_limit=(3, 7))`
/// and `ToGray`. The geometric and other members of that block have p = 0.0 in master.
///
/// Albumentations receives Ultralytics' BGR array as if it were RGB, so its grey conversion
/// weights the channels in reverse: `0.299·B + 0.587·G + 0.114·R` on our RGB pixels; that
/// quirk is kept so the behaviour matches.
///
/// `CLAHE(p=0.01)` of that block (contrast-limited histogram equalisation on the L channel of
/// LAB) is not implemented: it needs OpenCV's 8-bit RGB→LAB tables and its tiled CLAHE to be
/// reproduced, and with p = 0.01 behind an off-by-default switch it was left for later.
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

    /// Albumentations' weighted-average grey on a channel-swapped image, replicated to 3 channels.
    public static func toGray(_ image: RGBImage) -> RGBImage {
        var out = image
        out.pixels.withUnsafeMutableBufferPointer { p in
            var i = 0
            while i < p.count {
                let gray = 0.114 * Double(p[i]) + 0.587 * Double(p[i + 1]) + 0.299 * Double(p[i + 2])
                let g = UInt8(min(max(gray.rounded(.toNearestOrEven), 0), 255))
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
