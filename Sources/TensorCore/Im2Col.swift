/// Unfolds image patches into the columns of a matrix so a convolution becomes one GEMM:
/// row (c, ky, kx), column (oy, ox) holds input[c, oy·s − p + ky·d, ox·s − p + kx·d] (0 outside).
public enum Im2Col {
    public static func fill(_ input: UnsafePointer<Float>, channels: Int, height: Int, width: Int,
                            geometry g: Conv2DGeometry, outputHeight: Int, outputWidth: Int,
                            columns: UnsafeMutablePointer<Float>) {
        fill(input, channels: channels, height: height, width: width, geometry: g, outputRows: 0..<outputHeight,
             outputWidth: outputWidth, columns: columns)
    }

    /// The columns of output rows `outputRows` only (a tile of the full matrix, its rows
    /// `outputRows.count · outputWidth` long), so a convolution can be computed tile by tile while
    /// the tile's columns stay in cache.
    public static func fill(_ input: UnsafePointer<Float>, channels: Int, height: Int, width: Int,
                            geometry g: Conv2DGeometry, outputRows: Range<Int>, outputWidth: Int,
                            columns: UnsafeMutablePointer<Float>) {
        let k = g.kernelSize
        let pixels = outputRows.count * outputWidth
        Parallel.forEach(channels * k * k, minimumChunk: max(1, 8192 / max(pixels, 1))) { rows in
            for row in rows {
                let c = row / (k * k)
                let ky = (row / k) % k
                let kx = row % k
                let plane = input + c * height * width
                let out = columns + row * pixels
                for oy in outputRows {
                    let iy = oy * g.stride - g.padding + ky * g.dilation
                    let outRow = out + (oy - outputRows.lowerBound) * outputWidth
                    if iy < 0 || iy >= height {
                        outRow.update(repeating: 0, count: outputWidth)
                        continue
                    }
                    let inRow = plane + iy * width
                    let x0 = kx * g.dilation - g.padding
                    if g.stride == 1 {
                        // contiguous run: zeros left, a copy, zeros right
                        let first = max(0, -x0), last = min(outputWidth, width - x0)
                        if first > 0 { outRow.update(repeating: 0, count: min(first, outputWidth)) }
                        if last > first { (outRow + first).update(from: inRow + x0 + first, count: last - first) }
                        if last < outputWidth { (outRow + max(last, first)).update(repeating: 0, count: outputWidth - max(last, first)) }
                    } else {
                        // columns whose source lies inside the row: first ≤ ox < last
                        let s = g.stride
                        let first = min(outputWidth, max(0, (-x0 + s - 1) / s))
                        let last = max(first, min(outputWidth, (width - x0 + s - 1) / s))
                        for ox in 0..<first { outRow[ox] = 0 }
                        var source = inRow + (first * s + x0)
                        var ox = first
                        if s == 2 {
                            // eight outputs from sixteen inputs at a time (the even lanes), while
                            // the sixteen lie inside the row
                            let rowEnd = inRow + width
                            while ox + 8 <= last && source + 16 <= rowEnd {
                                let pair = UnsafeRawPointer(source).loadUnaligned(as: SIMD16<Float>.self)
                                UnsafeMutableRawPointer(outRow + ox).storeBytes(of: pair.evenHalf, as: SIMD8<Float>.self)
                                source += 16
                                ox += 8
                            }
                        }
                        while ox < last {
                            outRow[ox] = source.pointee
                            source += s
                            ox += 1
                        }
                        for ox in last..<outputWidth { outRow[ox] = 0 }
                    }
                }
            }
        }
    }
}
