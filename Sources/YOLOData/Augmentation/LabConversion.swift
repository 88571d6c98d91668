import Foundation

/// OpenCV's 8-bit sRGB ↔ CIE L*a*b* conversions (`cv2.cvtColor` with `COLOR_RGB2LAB` and
/// `COLOR_LAB2RGB` on uint8 images), reproduced byte for byte.
///
/// OpenCV does both directions of the 8-bit conversion in fixed point with lookup tables
/// (its "bit-exact" path), so the outputs are not a rounding of the textbook formulas: they
/// depend on how each table was rounded. The tables below are built the way OpenCV builds
/// them (same float/double steps and the same round-half-to-even), which is what makes the
/// results match; `LabConversionTests` checks them against cv2 over a lattice of colours.
///
/// Encoding of the 8-bit result: L·255/100, a + 128, b + 128.
public enum LabConversion {
    /// RGB bytes (three per pixel) to L, a, b bytes.
    public static func lab(fromRGB rgb: [UInt8]) -> [UInt8] {
        precondition(rgb.count % 3 == 0, "RGB buffer of \(rgb.count) bytes")
        let t = LabTables.shared
        var out = [UInt8](repeating: 0, count: rgb.count)
        let c = t.forward
        rgb.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                t.gamma.withUnsafeBufferPointer { gamma in
                    t.cubeRoot.withUnsafeBufferPointer { cubeRoot in
                        var i = 0
                        while i < src.count {
                            let r = Int(gamma[Int(src[i])]), g = Int(gamma[Int(src[i + 1])]), b = Int(gamma[Int(src[i + 2])])
                            let fx = Int(cubeRoot[descale(r * c[0] + g * c[1] + b * c[2], LabTables.xyzShift)])
                            let fy = Int(cubeRoot[descale(r * c[3] + g * c[4] + b * c[5], LabTables.xyzShift)])
                            let fz = Int(cubeRoot[descale(r * c[6] + g * c[7] + b * c[8], LabTables.xyzShift)])
                            let shift = LabTables.labShift
                            dst[i] = saturated(descale(LabTables.lightnessScale * fy + LabTables.lightnessOffset, shift))
                            dst[i + 1] = saturated(descale(500 * (fx - fy) + (128 << shift), shift))
                            dst[i + 2] = saturated(descale(200 * (fy - fz) + (128 << shift), shift))
                            i += 3
                        }
                    }
                }
            }
        }
        return out
    }

    /// L, a, b bytes back to RGB bytes.
    public static func rgb(fromLab lab: [UInt8]) -> [UInt8] {
        precondition(lab.count % 3 == 0, "Lab buffer of \(lab.count) bytes")
        let t = LabTables.shared
        var out = [UInt8](repeating: 0, count: lab.count)
        let c = t.inverse
        let base = LabTables.lutBase, shift = LabTables.inverseShift, top = LabTables.inverseGammaSize - 1
        lab.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                t.lightnessToY.withUnsafeBufferPointer { yTable in
                    t.abToXZ.withUnsafeBufferPointer { xz in
                        t.inverseGamma.withUnsafeBufferPointer { inverseGamma in
                            var i = 0
                            while i < src.count {
                                let l = Int(src[i]), a = Int(src[i + 1]), b = Int(src[i + 2])
                                let y = Int(yTable[2 * l]), fy = Int(yTable[2 * l + 1])
                                // a/500 and b/200 in units of 1/BASE, by OpenCV's multiply-shift approximations.
                                let aTerm = ((5 * a * 53687 + (1 << 7)) >> 13) - 128 * base / 500
                                let bTerm = ((b * 41943 + (1 << 4)) >> 9) - 128 * base / 200 + 1
                                let x = Int(xz[fy + aTerm - LabTables.minimumAB])
                                let z = Int(xz[fy - bTerm - LabTables.minimumAB])
                                let r = min(max(descale(c[0] * x + c[1] * y + c[2] * z, shift), 0), top)
                                let g = min(max(descale(c[3] * x + c[4] * y + c[5] * z, shift), 0), top)
                                let bl = min(max(descale(c[6] * x + c[7] * y + c[8] * z, shift), 0), top)
                                dst[i] = UInt8(min(inverseGamma[r], 255))
                                dst[i + 1] = UInt8(min(inverseGamma[g], 255))
                                dst[i + 2] = UInt8(min(inverseGamma[bl], 255))
                                i += 3
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// OpenCV's CV_DESCALE: round to nearest (halves up) while dropping `n` fraction bits.
    @inline(__always) static func descale(_ v: Int, _ n: Int) -> Int { (v + (1 << (n - 1))) >> n }

    @inline(__always) static func saturated(_ v: Int) -> UInt8 { UInt8(min(max(v, 0), 255)) }
}

/// The fixed-point constants and lookup tables of OpenCV's 8-bit Lab conversions (built once).
struct LabTables: Sendable {
    /// Fraction bits of the linear RGB→XYZ coefficients.
    static let xyzShift = 12
    /// Extra fraction bits of the gamma-expanded 8-bit values (0...255·8).
    static let gammaShift = 3
    /// Fraction bits of the cube-root table and of the L, a, b sums.
    static let labShift = xyzShift + gammaShift
    /// L = 116·f(Y) − 16 scaled to 0...255: 116·255/100 and 16·255/100 in those fraction bits.
    static let lightnessScale = (116 * 255 + 50) / 100
    static let lightnessOffset = -((16 * 255 * (1 << labShift) + 50) / 100)
    /// Lab→RGB works in units of 1/2^14 and indexes a 2^12-entry inverse gamma table.
    static let lutBase = 1 << 14
    static let inverseGammaSize = 1 << 12
    static let inverseShift = xyzShift + 14 - 12
    /// The smallest f(X) or f(Z) argument the a/b table covers (in 1/2^14 units).
    static let minimumAB = -8145

    static let shared = LabTables()

    /// sRGB byte → linear value · 255 · 8.
    let gamma: [UInt16]
    /// t (in 1/(255·8) steps) → f(t) = t^(1/3) or its linear toe, · 2^15.
    let cubeRoot: [UInt16]
    /// Linear value (1/4096 steps) → sRGB byte.
    let inverseGamma: [UInt16]
    /// L byte → (Y, f(Y)) in 1/2^14 units, interleaved.
    let lightnessToY: [UInt16]
    /// f(X) or f(Z) in 1/2^14 units, offset by `minimumAB` → X or Z in 1/2^14 units.
    let abToXZ: [Int32]
    /// RGB→XYZ rows divided by the D65 white point, · 2^12.
    let forward: [Int]
    /// XYZ→RGB rows multiplied by the D65 white point, · 2^12.
    let inverse: [Int]

    init() {
        // OpenCV keeps these as exact IEEE doubles (written by bit pattern there too):
        // sRGB→XYZ (0.412453 ...), XYZ→sRGB (3.240479 ...) and the D65 white point.
        let toXYZ: [Double] = [0x3fda65a14488c60d, 0x3fd6e297396d0918, 0x3fc71819d2391d58,
                               0x3fcb38cda6e75ff6, 0x3fe6e297396d0918, 0x3fb279aae6c8f755,
                               0x3f93cc4ac6cdaf4b, 0x3fbe836eb4e98138, 0x3fee68427418d691].map { Double(bitPattern: $0) }
        let toRGB: [Double] = [0x4009ec804102ff8f, 0xbff8982a9930be0e, 0xbfdfe7ff583a53b9,
                               0xbfef042528ae74f3, 0x3ffe040f23897204, 0x3fa546d3f9e7b80b,
                               0x3fac7de5082cf52c, 0xbfca1e14bdfd2631, 0x3ff0eabef06b3786].map { Double(bitPattern: $0) }
        let white: [Double] = [Double(bitPattern: 0x3fee6a22b3892ee8), 1, Double(bitPattern: 0x3ff16b8950763a19)]
        let one12 = Double(1 << LabTables.xyzShift)
        forward = (0..<9).map { Int((one12 * toXYZ[$0] / white[$0 / 3]).rounded(.toNearestOrEven)) }
        inverse = (0..<9).map { Int((one12 * toRGB[$0] * white[$0 % 3]).rounded(.toNearestOrEven)) }

        // The f(t) toe below (6/29)^3: t·(29/3)^3/116 + 16/116, computed fused in float.
        let threshold = Float(216) / Float(24389)
        let slope = Float(841) / Float(108)
        let bias = Float(16) / Float(116)

        let gammaScale = Float(255 * (1 << LabTables.gammaShift))
        gamma = (0..<256).map { i in
            UInt16(roundEven(gammaScale * LabTables.expandGamma(Float(i) / Float(255))))
        }
        let cubeStep = Float(1) / gammaScale
        let labOne = Float(1 << LabTables.labShift)
        cubeRoot = (0..<(256 * 3 / 2 * (1 << LabTables.gammaShift))).map { i in
            let t = cubeStep * Float(i)
            let f = t < threshold ? bias.addingProduct(t, slope) : LabTables.cubeRoot(t)
            return UInt16(roundEven(labOne * f))
        }
        let inverseStep = Float(1) / Float(LabTables.inverseGammaSize)
        inverseGamma = (0..<LabTables.inverseGammaSize).map { i in
            UInt16(roundEven(Float(255) * LabTables.compressGamma(inverseStep * Float(i))))
        }

        let base = LabTables.lutBase
        var yTable = [UInt16](repeating: 0, count: 512)
        for i in 0..<256 {
            let y: Int, fy: Int
            if i <= 20 {
                // Below L = 8 (8·255/100 ≈ 20.4) Y is linear in L: Y = L/903.3, f(Y) = 7.787·Y + 16/116.
                y = Int(roundEven(Float(i * base * 20 * 9) / Float(17 * 29 * 29 * 29)))
                fy = Int(roundEven(Float(base) * (Float(16) / Float(116) + Float(i * 5) / Float(3 * 17 * 29))))
            } else {
                let f = Float(i * 100 * base) / Float(255 * 116) + Float(16 * base) / Float(116)
                fy = Int(roundEven(f))
                y = Int(roundEven(f * f * f / Float(base * base)))
            }
            yTable[2 * i] = UInt16(y)
            yTable[2 * i + 1] = UInt16(fy)
        }
        lightnessToY = yTable

        // Integer maths as OpenCV does it (C division truncates towards zero, as Swift's does).
        abToXZ = (0..<(base * 9 / 4)).map { k in
            let i = k + LabTables.minimumAB
            if i <= 3390 {  // 6/29 · 2^14: the linear toe
                return Int32(i * 108 / 841 - base * 16 / 116 * 108 / 841)
            }
            return Int32(i * i / base * i / base)
        }
    }

    /// OpenCV's software cube root (softfloat's `cbrt`, Ken Turkowski's method): a quartic
    /// rational approximation on the mantissa scaled into [1/8, 1), evaluated in double, whose
    /// mantissa is then truncated to float. It differs from a correctly rounded cbrtf in the
    /// last bit now and then, and two table entries (49 and 324) depend on that.
    static func cubeRoot(_ x: Float) -> Float {
        precondition(x.isNormal && x > 0, "cube root table argument \(x)")
        let bits = x.bitPattern
        let exponent = Int((bits >> 23) & 0xff) - 127
        var shift = exponent % 3  // C's remainder: takes the dividend's sign, as Swift's does
        if shift >= 0 { shift -= 3 }
        let rootExponent = (exponent - shift) / 3 - 1
        let scaled = Double(bitPattern: (UInt64(shift + 1023) << 52) | (UInt64(bits & 0x7f_ffff) << 29))
        let p: [Double] = [0x4046a09e6653ba70, 0x406808f46c6116e0, 0x405dca97439cae14, 0x402add70d2827500,
                           0x3fc4f15f83f55d2d].map { Double(bitPattern: $0) }
        let q: [Double] = [0x402d9e20660edb21, 0x4062ff15c0285815, 0x406510d06a8112ce,
                           0x4040fecbc9e2c375].map { Double(bitPattern: $0) }
        let numerator = (((p[0] * scaled + p[1]) * scaled + p[2]) * scaled + p[3]) * scaled + p[4]
        let denominator = (((q[0] * scaled + q[1]) * scaled + q[2]) * scaled + q[3]) * scaled + 1
        let root = numerator / denominator
        let mantissa = UInt32(truncatingIfNeeded: (root.bitPattern & 0xf_ffff_ffff_ffff) >> 29)
        return Float(bitPattern: (UInt32(rootExponent + 127) << 23) | mantissa)
    }

    /// The sRGB transfer function (byte/255 → linear), in double, returned as float as OpenCV does.
    static func expandGamma(_ x: Float) -> Float {
        let v = Double(x)
        if v <= 809.0 / 20000.0 { return Float(v / (323.0 / 25.0)) }
        return Float(pow((v + 11.0 / 200.0) / (1 + 11.0 / 200.0), 12.0 / 5.0))
    }

    /// Its inverse (linear → byte/255).
    static func compressGamma(_ x: Float) -> Float {
        let v = Double(x)
        if v <= 7827.0 / 2500000.0 { return Float(v * (323.0 / 25.0)) }
        return Float(pow(v, 1 / (12.0 / 5.0)) * (1 + 11.0 / 200.0) - 11.0 / 200.0)
    }
}

/// cvRound of a float: round half to even.
@inline(__always) private func roundEven(_ v: Float) -> Float { v.rounded(.toNearestOrEven) }
