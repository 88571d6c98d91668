/// Ultralytics' `augment_hsv`: multiply hue, saturation and value by random gains through
/// lookup tables, in OpenCV's 8-bit HSV.
///
/// With gains `g = (gh, gs, gv)` (Ultralytics draws `uniform(-1, 1, 3) · [hsv_h, hsv_s, hsv_v] + 1`)
/// the tables are built in float64 over x = 0…255 and truncated to bytes as numpy's
/// `astype(uint8)` does: hue `(x·gh) mod 180` (Python's modulo, non-negative), saturation and
/// value `clip(x·g, 0, 255)`.
public enum HSVAugment {
    /// The three lookup tables for the gains.
    public static func tables(gains: (hue: Double, saturation: Double, value: Double)) -> (hue: [UInt8], saturation: [UInt8], value: [UInt8]) {
        let hue = (0..<256).map { x -> UInt8 in
            let product = Double(x) * gains.hue
            var m = product.truncatingRemainder(dividingBy: 180)
            if m < 0 { m += 180 }
            // numpy's float64 % can land on exactly 180 after the correction for tiny negatives.
            if m >= 180 { m = 0 }
            return UInt8(m)
        }
        func clipped(_ gain: Double) -> [UInt8] {
            (0..<256).map { x in UInt8(min(max(Double(x) * gain, 0), 255)) }
        }
        return (hue, clipped(gains.saturation), clipped(gains.value))
    }

    /// The random gains Ultralytics draws: `uniform(-1, 1) · gain + 1` per channel.
    public static func drawGains(hue: Double, saturation: Double, value: Double,
                                 random: inout some AugmentationRandom) -> (hue: Double, saturation: Double, value: Double) {
        let r0 = random.uniform(-1, 1), r1 = random.uniform(-1, 1), r2 = random.uniform(-1, 1)
        return (r0 * hue + 1, r1 * saturation + 1, r2 * value + 1)
    }

    /// Applies fixed gains to `image`.
    public static func apply(_ image: RGBImage, gains: (hue: Double, saturation: Double, value: Double)) -> RGBImage {
        let lut = tables(gains: gains)
        var hsv = HSVConversion.hsv(fromRGB: image)
        hsv.withUnsafeMutableBufferPointer { bytes in
            var i = 0
            while i < bytes.count {
                bytes[i] = lut.hue[Int(bytes[i])]
                bytes[i + 1] = lut.saturation[Int(bytes[i + 1])]
                bytes[i + 2] = lut.value[Int(bytes[i + 2])]
                i += 3
            }
        }
        return HSVConversion.rgb(fromHSV: hsv, width: image.width, height: image.height)
    }

    /// `augment_hsv(im, hgain, sgain, vgain)`: nothing when all three are zero, otherwise random
    /// gains applied.
    public static func apply(_ image: RGBImage, hue: Double, saturation: Double, value: Double,
                             random: inout some AugmentationRandom) -> RGBImage {
        guard hue != 0 || saturation != 0 || value != 0 else { return image }
        return apply(image, gains: drawGains(hue: hue, saturation: saturation, value: value, random: &random))
    }
}
