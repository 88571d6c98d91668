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
        var dx = Tensor(shape: x.shape)
        x.storage.withUnsafeBufferPointer { input in
            outputGradient.storage.withUnsafeBufferPointer { dy in
                dx.storage.withUnsafeMutableBufferPointer { dxOut in
                    Parallel.forEach(batch * channels, minimumChunk: max(1, 4096 / max(outH * outW * k * k, 1))) { planes in
                        for plane in planes {
                            let src = input.baseAddress! + plane * height * width
                            let dst = dxOut.baseAddress! + plane * height * width
                            let grad = dy.baseAddress! + plane * outH * outW
                            for oy in 0..<outH {
                                let y0 = max(0, oy * s - p), y1 = min(height, oy * s - p + k)
                                for ox in 0..<outW {
                                    let x0 = max(0, ox * s - p), x1 = min(width, ox * s - p + k)
                                    var best = -Float.infinity
                                    var bestIndex = y0 * width + x0
                                    for iy in y0..<y1 {
                                        for ix in x0..<x1 {
                                            let v = src[iy * width + ix]
                                            if v > best || v.isNaN {
                                                best = v
                                                bestIndex = iy * width + ix
                                            }
                                        }
                                    }
                                    dst[bestIndex] += grad[oy * outW + ox]
                                }
                            }
                        }
                    }
                }
            }
        }
        return dx
    }
}
