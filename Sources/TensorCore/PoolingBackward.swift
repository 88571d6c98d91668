/// Max-pool backward: each output gradient goes to the arg-max of its window, found from the
/// input as PyTorch's CPU kernel finds it (row-major window order, replaced only by a strictly
/// greater value or a NaN, so ties go to the first maximum; a window of −∞ sends it to its first
/// in-bounds element). Gradients of overlapping windows add up.
extension MaxPool {
    public static func backward(_ outputGradient: Tensor, input x: Tensor, kernelSize k: Int, stride s: Int,
                                padding p: Int) -> Tensor {
        precondition(x.shape.count == 4, "max pool needs NCHW, got \(x.shape)")
        let (batch, channels, height, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let outH = (height + 2 * p - k) / s + 1
        let outW = (width + 2 * p - k) / s + 1
        precondition(outputGradient.shape == [batch, channels, outH, outW],
                     "output gradient \(outputGradient.shape) does not match \(x.shape) pooled")
        // the window maxima first (exact, so the arg-max is where the scan first meets the
        // maximum; a NaN maximum is the scan's last NaN)
        let pooled = forward(x, kernelSize: k, stride: s, padding: p)
        var dx = Tensor(shape: x.shape)
        x.storage.withUnsafeBufferPointer { input in
            pooled.storage.withUnsafeBufferPointer { maxima in
                outputGradient.storage.withUnsafeBufferPointer { dy in
                    dx.storage.withUnsafeMutableBufferPointer { dxOut in
                        Parallel.forEach(batch * channels, minimumChunk: max(1, 4096 / max(outH * outW * k * k, 1))) { planes in
                            for plane in planes {
                                let src = input.baseAddress! + plane * height * width
                                let dst = dxOut.baseAddress! + plane * height * width
                                let grad = dy.baseAddress! + plane * outH * outW
                                let best = maxima.baseAddress! + plane * outH * outW
                                for oy in 0..<outH {
                                    let y0 = max(0, oy * s - p), y1 = min(height, oy * s - p + k)
                                    for ox in 0..<outW {
                                        let x0 = max(0, ox * s - p), x1 = min(width, ox * s - p + k)
                                        let index = argMax(src, width: width, rows: y0..<y1, columns: x0..<x1,
                                                           maximum: best[oy * outW + ox])
                                        dst[index] += grad[oy * outW + ox]
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return dx
    }

    /// Where the scan (row-major, replacing on a greater value or a NaN) ends for a window whose
    /// maximum is known: the first element equal to it, or for a NaN maximum the last NaN.
    @inline(__always)
    private static func argMax(_ plane: UnsafePointer<Float>, width: Int, rows: Range<Int>, columns: Range<Int>,
                               maximum: Float) -> Int {
        if maximum.isNaN {
            for iy in rows.reversed() {
                for ix in columns.reversed() where plane[iy * width + ix].isNaN { return iy * width + ix }
            }
        } else {
            for iy in rows {
                for ix in columns where plane[iy * width + ix] == maximum { return iy * width + ix }
            }
        }
        return rows.lowerBound * width + columns.lowerBound
    }
}
