/// OpenCV's 8-bit RGB ↔ HSV conversions (`cv2.COLOR_BGR2HSV` / `COLOR_HSV2BGR` on Ultralytics'
/// BGR arrays, which are RGB→HSV and HSV→RGB on ours), byte for byte with OpenCV 5.0 on
/// x86-64 with AVX2. Hue is in [0, 180).
///
/// * RGB → HSV is integer arithmetic with 12-bit reciprocal tables:
///   `s = (diff·sdiv[v] + 2048) >> 12`, `h = (h'·hdiv[diff] + 2048) >> 12` (+180 if negative),
///   where `sdiv[i] = round(255·4096 / i)` and `hdiv[i] = round(180·4096 / (6i))`.
/// * HSV → RGB goes through float32: `s, v ×= 1/255`, `h ×= 6/180`, sector and fraction, the four
///   candidate values `v`, `v(1−s)`, `v·fma(−s, f, 1)`, `v·fma(−s, 1−f, 1)`, then `×255`. OpenCV's
///   SIMD kernel handles blocks of 32 pixels of a row and **truncates**; its scalar loop handles
///   the row's last `width % 32` pixels and **rounds**. Both are reproduced (checked against every
///   one of the 2²⁴ HSV triples).
public enum HSVConversion {
    static let shift = 12
    static let saturationDivisors: [Int32] = (0..<256).map { i in
        i == 0 ? 0 : Int32((Double(255 << shift) / Double(i)).rounded(.toNearestOrEven))
    }
    static let hueDivisors: [Int32] = (0..<256).map { i in
        i == 0 ? 0 : Int32((Double(180 << shift) / (6.0 * Double(i))).rounded(.toNearestOrEven))
    }
    /// OpenCV's HSV→RGB vector block, in pixels (4 × 8 float lanes).
    static let simdBlock = 32

    /// HSV bytes (H, S, V interleaved) of an RGB image.
    public static func hsv(fromRGB image: RGBImage) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: image.pixels.count)
        saturationDivisors.withUnsafeBufferPointer { sdiv in
            hueDivisors.withUnsafeBufferPointer { hdiv in
                image.pixels.withUnsafeBufferPointer { src in
                    out.withUnsafeMutableBufferPointer { dst in
                        var i = 0
                        while i < src.count {
                            let r = Int32(src[i]), g = Int32(src[i + 1]), b = Int32(src[i + 2])
                            let v = max(r, g, b), vmin = min(r, g, b)
                            let diff = v - vmin
                            let s = (diff * sdiv[Int(v)] + (1 << (shift - 1))) >> shift
                            var h: Int32
                            if v == r {
                                h = g - b
                            } else if v == g {
                                h = b - r + 2 * diff
                            } else {
                                h = r - g + 4 * diff
                            }
                            h = (h * hdiv[Int(diff)] + (1 << (shift - 1))) >> shift
                            if h < 0 { h += 180 }
                            dst[i] = UInt8(clamping: h)
                            dst[i + 1] = UInt8(s)
                            dst[i + 2] = UInt8(v)
                            i += 3
                        }
                    }
                }
            }
        }
        return out
    }

    /// The RGB image of HSV bytes laid out `width` pixels per row.
    public static func rgb(fromHSV hsv: [UInt8], width: Int, height: Int) -> RGBImage {
        precondition(hsv.count == width * height * 3, "HSV bytes do not fill \(width)x\(height)")
        var out = [UInt8](repeating: 0, count: hsv.count)
        let vectorEnd = width - width % simdBlock
        let hueScale = Float(6) / Float(180)
        let unit = Float(1) / Float(255)
        hsv.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<height {
                    for x in 0..<width {
                        let i = (y * width + x) * 3
                        let h = Float(src[i]) * hueScale
                        let s = Float(src[i + 1]) * unit, v = Float(src[i + 2]) * unit
                        let vector = x < vectorEnd
                        // The sector and fraction: trunc/float arithmetic in the SIMD kernel,
                        // floor/integer modulo in the scalar loop (the same for h ≥ 0).
                        let whole = vector ? h.rounded(.towardZero) : h.rounded(.down)
                        let fraction = h - whole
                        var sector = Int(whole) % 6
                        if sector < 0 { sector += 6 }
                        let tab0 = v
                        let tab1 = v * (1 - s)
                        let tab2 = v * Float(1).addingProduct(-s, fraction)
                        let tab3 = v * Float(1).addingProduct(-s, 1 - fraction)
                        var (r, g, b): (Float, Float, Float)
                        if !vector && src[i + 1] == 0 {
                            (r, g, b) = (v, v, v)
                        } else {
                            switch sector {
                            case 0: (b, g, r) = (tab1, tab3, tab0)
                            case 1: (b, g, r) = (tab1, tab0, tab2)
                            case 2: (b, g, r) = (tab3, tab0, tab1)
                            case 3: (b, g, r) = (tab0, tab2, tab1)
                            case 4: (b, g, r) = (tab0, tab1, tab3)
                            default: (b, g, r) = (tab2, tab1, tab0)
                            }
                        }
                        dst[i] = toByte(r * 255, truncate: vector)
                        dst[i + 1] = toByte(g * 255, truncate: vector)
                        dst[i + 2] = toByte(b * 255, truncate: vector)
                    }
                }
            }
        }
        return RGBImage(width: width, height: height, pixels: out)
    }

    @inline(__always) static func toByte(_ value: Float, truncate: Bool) -> UInt8 {
        let rounded = truncate ? value.rounded(.towardZero) : value.rounded(.toNearestOrEven)
        return UInt8(min(max(rounded, 0), 255))
    }
}
