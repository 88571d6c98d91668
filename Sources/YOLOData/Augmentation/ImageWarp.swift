import TensorCore

/// `cv2.warpAffine` and `cv2.warpPerspective` with INTER_LINEAR and a constant border on an
/// 8-bit RGB image, byte for byte as OpenCV 5.0 computes them on x86-64 with AVX2 (the build
/// opencv-python ships and the reference fixtures were made with).
///
/// OpenCV 4.11+ replaced the old fixed-point remap (INTER_BITS = 5) for these calls with a float32
/// kernel, so that is what is reproduced:
///
/// * the forward matrix is inverted in float64 (`invertAffineTransform`'s formulas; for
///   perspective the 3×3 cofactor inverse `cv::invert` uses for small matrices), then cast to
///   float32;
/// * per output row the SIMD kernel handles 16 pixels at a time with
///   `sx = fma(M0, x, float(y)·M1 + M2)` (the row term rounded separately), and the scalar loop
///   finishes the last `width % 16` pixels with `sx = fma(x, M0, y·M1) + M2` (GCC's contraction of
///   `x*M0 + y*M1 + M2`): the two round differently, so the split is kept;
/// * `ix = floor(sx)`, `ax = sx − ix`; the four neighbours (the border colour where outside)
///   blend as `v0 = fma(ax, p01 − p00, p00)`, `v1 = fma(ax, p11 − p10, p10)`,
///   `v = fma(ay, v1 − v0, v0)`, rounded half to even;
/// * a pixel whose source lies entirely outside (`ix < −1 || ix ≥ w`, same for y) is the border
///   colour.
public enum ImageWarp {
    /// The width of OpenCV's AVX2 pixel block in the warp kernels (`vlanes_16`).
    static let simdBlock = 16

    /// `cv2.warpAffine(image, M, (width, height), borderValue=border)` for the forward 2×3
    /// matrix `M` (row-major, 6 values).
    public static func affine(_ image: RGBImage, matrix m: [Double], width: Int, height: Int,
                              border: (UInt8, UInt8, UInt8) = (114, 114, 114)) -> RGBImage {
        precondition(m.count == 6, "an affine matrix has 6 values")
        precondition(width > 0 && height > 0, "warp to an empty size")
        // invertAffineTransform, in float64.
        var d = m[0] * m[4] - m[1] * m[3]
        d = d != 0 ? 1 / d : 0
        let a11 = m[4] * d, a22 = m[0] * d, a12 = -m[1] * d, a21 = -m[3] * d
        let b1 = -a11 * m[2] - a12 * m[5]
        let b2 = -a21 * m[2] - a22 * m[5]
        let inverse = [a11, a12, b1, a21, a22, b2].map { Float($0) }
        return warp(image, width: width, height: height, border: border) { x, y, vector in
            let (fx, fy) = (Float(x), Float(y))
            if vector {
                let rowX = fy * inverse[1] + inverse[2], rowY = fy * inverse[4] + inverse[5]
                return (rowX.addingProduct(inverse[0], fx), rowY.addingProduct(inverse[3], fx))
            }
            return ((fy * inverse[1]).addingProduct(fx, inverse[0]) + inverse[2],
                    (fy * inverse[4]).addingProduct(fx, inverse[3]) + inverse[5])
        }
    }

    /// `cv2.warpPerspective(image, M, (width, height), borderValue=border)` for the forward 3×3
    /// matrix `M` (row-major, 9 values).
    public static func perspective(_ image: RGBImage, matrix m: [Double], width: Int, height: Int,
                                   border: (UInt8, UInt8, UInt8) = (114, 114, 114)) -> RGBImage {
        precondition(m.count == 9, "a perspective matrix has 9 values")
        precondition(width > 0 && height > 0, "warp to an empty size")
        let inverse = invert3x3(m).map { Float($0) }
        return warp(image, width: width, height: height, border: border) { x, y, vector in
            let (fx, fy) = (Float(x), Float(y))
            if vector {
                let rowX = fy * inverse[1] + inverse[2], rowY = fy * inverse[4] + inverse[5]
                let rowW = fy * inverse[7] + inverse[8]
                let w = rowW.addingProduct(inverse[6], fx)
                return (rowX.addingProduct(inverse[0], fx) / w, rowY.addingProduct(inverse[3], fx) / w)
            }
            let w = (fy * inverse[7]).addingProduct(fx, inverse[6]) + inverse[8]
            return (((fy * inverse[1]).addingProduct(fx, inverse[0]) + inverse[2]) / w,
                    ((fy * inverse[4]).addingProduct(fx, inverse[3]) + inverse[5]) / w)
        }
    }

    /// `cv::invert` of a 3×3 float64 matrix: cofactors over the determinant (zero if singular).
    static func invert3x3(_ m: [Double]) -> [Double] {
        func s(_ r: Int, _ c: Int) -> Double { m[r * 3 + c] }
        let det = s(0, 0) * (s(1, 1) * s(2, 2) - s(1, 2) * s(2, 1))
            - s(0, 1) * (s(1, 0) * s(2, 2) - s(1, 2) * s(2, 0))
            + s(0, 2) * (s(1, 0) * s(2, 1) - s(1, 1) * s(2, 0))
        guard det != 0 else { return [Double](repeating: 0, count: 9) }
        let d = 1 / det
        return [
            (s(1, 1) * s(2, 2) - s(1, 2) * s(2, 1)) * d, (s(0, 2) * s(2, 1) - s(0, 1) * s(2, 2)) * d,
            (s(0, 1) * s(1, 2) - s(0, 2) * s(1, 1)) * d,
            (s(1, 2) * s(2, 0) - s(1, 0) * s(2, 2)) * d, (s(0, 0) * s(2, 2) - s(0, 2) * s(2, 0)) * d,
            (s(0, 2) * s(1, 0) - s(0, 0) * s(1, 2)) * d,
            (s(1, 0) * s(2, 1) - s(1, 1) * s(2, 0)) * d, (s(0, 1) * s(2, 0) - s(0, 0) * s(2, 1)) * d,
            (s(0, 0) * s(1, 1) - s(0, 1) * s(1, 0)) * d,
        ]
    }

    /// The shared sampling loop: `source(x, y, inVectorBlock)` gives the source coordinates of an
    /// output pixel. Rows are independent, so they are split across cores.
    private static func warp(_ image: RGBImage, width: Int, height: Int, border: (UInt8, UInt8, UInt8),
                             source: (Int, Int, Bool) -> (Float, Float)) -> RGBImage {
        var output = RGBImage(width: width, height: height)
        let srcWidth = image.width, srcHeight = image.height
        let limitX = Float(srcWidth), limitY = Float(srcHeight)
        let borderValues = [Float(border.0), Float(border.1), Float(border.2)]
        let vectorEnd = width - width % simdBlock
        image.pixels.withUnsafeBufferPointer { src in
            output.pixels.withUnsafeMutableBufferPointer { dst in
                let dstBase = dst.baseAddress!
                Parallel.forEach(height, minimumChunk: 16) { rows in
                    for y in rows {
                        let row = dstBase + y * width * 3
                        for x in 0..<width {
                            let (sx, sy) = source(x, y, x < vectorEnd)
                            let out = row + x * 3
                            // Entirely outside (this also catches NaN and values too large for Int).
                            guard sx >= -1, sx < limitX, sy >= -1, sy < limitY else {
                                out[0] = border.0; out[1] = border.1; out[2] = border.2
                                continue
                            }
                            let fx = sx.rounded(.down), fy = sy.rounded(.down)
                            let ix = Int(fx), iy = Int(fy)
                            let ax = sx - fx, ay = sy - fy
                            let inside = ix >= 0 && iy >= 0 && ix + 1 < srcWidth && iy + 1 < srcHeight
                            for c in 0..<3 {
                                func pixel(_ px: Int, _ py: Int) -> Float {
                                    if inside || (px >= 0 && py >= 0 && px < srcWidth && py < srcHeight) {
                                        return Float(src[(py * srcWidth + px) * 3 + c])
                                    }
                                    return borderValues[c]
                                }
                                let p00 = pixel(ix, iy), p01 = pixel(ix + 1, iy)
                                let p10 = pixel(ix, iy + 1), p11 = pixel(ix + 1, iy + 1)
                                let v0 = p00.addingProduct(ax, p01 - p00)
                                let v1 = p10.addingProduct(ax, p11 - p10)
                                let v = v0.addingProduct(ay, v1 - v0)
                                out[c] = UInt8(min(max(v.rounded(.toNearestOrEven), 0), 255))
                            }
                        }
                    }
                }
            }
        }
        return output
    }
}
