/// The adjoint of `Im2Col.fill`: adds every column entry back onto the input pixel it was
/// copied from, image[c, oy·s − p + ky·d, ox·s − p + kx·d] += columns[(c, ky, kx), (oy, ox)]
/// (entries that came from the zero padding are dropped). Used by the convolution's input gradient.
public enum Col2Im {
    /// Accumulates into `image` (channels × height × width), which the caller has initialised
    /// (zeros for a fresh gradient). One channel plane per task, each plane summed in a fixed
    /// order, so the result does not depend on the thread count.
    public static func accumulate(_ columns: UnsafePointer<Float>, channels: Int, height: Int, width: Int,
                                  geometry g: Conv2DGeometry, outputHeight: Int, outputWidth: Int,
                                  into image: UnsafeMutablePointer<Float>) {
        accumulate(columns, channels: channels, height: height, width: width, geometry: g, outputRows: 0..<outputHeight,
                   outputWidth: outputWidth, into: image)
    }

    /// The same for the columns of output rows `outputRows` only (a tile of the matrix, its rows
    /// `outputRows.count · outputWidth` long, as `Im2Col.fill(outputRows:)` makes them).
    public static func accumulate(_ columns: UnsafePointer<Float>, channels: Int, height: Int, width: Int,
                                  geometry g: Conv2DGeometry, outputRows: Range<Int>, outputWidth: Int,
                                  into image: UnsafeMutablePointer<Float>) {
        let k = g.kernelSize
        let s = g.stride
        let pixels = outputRows.count * outputWidth
        Parallel.forEach(channels, minimumChunk: max(1, 8192 / max(k * k * pixels, 1))) { range in
            for c in range {
                let plane = image + c * height * width
                for ky in 0..<k {
                    for kx in 0..<k {
                        let source = columns + ((c * k + ky) * k + kx) * pixels
                        let x0 = kx * g.dilation - g.padding
                        // output columns whose source lies inside the row: first ≤ ox < last
                        let first = min(outputWidth, max(0, (-x0 + s - 1) / s))
                        let last = max(first, min(outputWidth, (width - x0 + s - 1) / s))
                        if first >= last { continue }
                        for oy in outputRows {
                            let iy = oy * s - g.padding + ky * g.dilation
                            if iy < 0 || iy >= height { continue }
                            let row = plane + iy * width
                            let sourceRow = source + (oy - outputRows.lowerBound) * outputWidth
                            if s == 1 {
                                let target = row + (x0 + first), run = sourceRow + first
                                for i in 0..<(last - first) { target[i] += run[i] }
                            } else {
                                var target = row + (first * s + x0)
                                for ox in first..<last {
                                    target.pointee += sourceRow[ox]
                                    target += s
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
