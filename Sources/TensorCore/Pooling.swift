/// Max pooling with PyTorch's semantics: floor output size, implicit −∞ padding.
public enum MaxPool {
    public static func forward(_ x: Tensor, kernelSize k: Int, stride s: Int, padding p: Int) -> Tensor {
        if s == 1 { return separableStrideOne(x, kernelSize: k, padding: p) }
        let (batch, channels, height, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let outH = (height + 2 * p - k) / s + 1
        let outW = (width + 2 * p - k) / s + 1
        var y = Tensor(shape: [batch, channels, outH, outW])
        x.storage.withUnsafeBufferPointer { input in
            y.storage.withUnsafeMutableBufferPointer { output in
                Parallel.forEach(batch * channels) { planes in
                    for plane in planes {
                        let src = input.baseAddress! + plane * height * width
                        let dst = output.baseAddress! + plane * outH * outW
                        for oy in 0..<outH {
                            let y0 = max(0, oy * s - p), y1 = min(height, oy * s - p + k)
                            for ox in 0..<outW {
                                let x0 = max(0, ox * s - p), x1 = min(width, ox * s - p + k)
                                var best = -Float.infinity
                                for iy in y0..<y1 {
                                    let row = src + iy * width
                                    for ix in x0..<x1 where row[ix] > best || row[ix].isNaN { best = row[ix] }
                                }
                                dst[oy * outW + ox] = best
                            }
                        }
                    }
                }
            }
        }
        return y
    }

    /// Stride 1 (SPP/SPPF): the k×k maximum as a row pass then a column pass, 2k comparisons per
    /// output instead of k²; max is associative, so the result is identical.
    static func separableStrideOne(_ x: Tensor, kernelSize k: Int, padding p: Int) -> Tensor {
        let (batch, channels, height, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let outH = height + 2 * p - k + 1, outW = width + 2 * p - k + 1
        var y = Tensor(uninitializedShape: [batch, channels, outH, outW])
        x.storage.withUnsafeBufferPointer { input in
            y.storage.withUnsafeMutableBufferPointer { output in
                Parallel.forEach(batch * channels) { planes in
                    var rows = [Float](repeating: 0, count: height * outW)
                    rows.withUnsafeMutableBufferPointer { rows in
                        for plane in planes {
                            let src = input.baseAddress! + plane * height * width
                            let dst = output.baseAddress! + plane * outH * outW
                            for iy in 0..<height {
                                horizontalMaximum(src + iy * width, width: width, kernelSize: k, padding: p,
                                                  into: rows.baseAddress! + iy * outW, count: outW)
                            }
                            for oy in 0..<outH {
                                let y0 = max(0, oy - p), y1 = min(height, oy - p + k)
                                verticalMaximum(UnsafePointer(rows.baseAddress!) + y0 * outW, rows: y1 - y0, stride: outW,
                                                into: dst + oy * outW, count: outW)
                            }
                        }
                    }
                }
            }
        }
        return y
    }

    /// The window maximum along one row: out[ox] = max of row[ox − p ..< ox − p + k] clipped to
    /// the row, eight outputs at a time where the window lies inside the row.
    @inline(__always)
    private static func horizontalMaximum(_ row: UnsafePointer<Float>, width: Int, kernelSize k: Int, padding p: Int,
                                          into out: UnsafeMutablePointer<Float>, count: Int) {
        // outputs whose whole window is inside the row (p ≤ ox ≤ width + p − k), in eights
        let first = min(p, count)
        let interiorEnd = max(first, min(count, width + p - k + 1))
        let vectorEnd = first + (interiorEnd - first) / 8 * 8
        for ox in 0..<count where ox < first || ox >= vectorEnd {
            let x0 = max(0, ox - p), x1 = min(width, ox - p + k)
            var best = -Float.infinity
            for ix in x0..<x1 where row[ix] > best || row[ix].isNaN { best = row[ix] }
            out[ox] = best
        }
        var ox = first
        while ox < vectorEnd {
            var best = SIMD8<Float>(repeating: -.infinity)
            for j in 0..<k { best = keepMaximum(best, load(row + ox - p + j)) }
            UnsafeMutableRawPointer(out + ox).storeBytes(of: best, as: SIMD8<Float>.self)
            ox += 8
        }
    }

    /// out[i] = max over `rows` rows (`stride` apart) of column i, eight columns at a time.
    @inline(__always)
    private static func verticalMaximum(_ first: UnsafePointer<Float>, rows: Int, stride: Int,
                                        into out: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 8 <= count {
            var best = SIMD8<Float>(repeating: -.infinity)
            for r in 0..<rows { best = keepMaximum(best, load(first + r * stride + i)) }
            UnsafeMutableRawPointer(out + i).storeBytes(of: best, as: SIMD8<Float>.self)
            i += 8
        }
        while i < count {
            var best = -Float.infinity
            for r in 0..<rows where first[r * stride + i] > best || first[r * stride + i].isNaN { best = first[r * stride + i] }
            out[i] = best
            i += 1
        }
    }

    /// The scalar scan's step on eight lanes: a value replaces the best when greater, or when NaN.
    @inline(__always)
    private static func keepMaximum(_ best: SIMD8<Float>, _ value: SIMD8<Float>) -> SIMD8<Float> {
        best.replacing(with: value, where: (value .> best) .| (value .!= value))
    }

    @inline(__always)
    private static func load(_ pointer: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
    }
}
