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
                    for plane in planes {
                        let src = input.baseAddress! + plane * height * width
                        let dst = output.baseAddress! + plane * outH * outW
                        for iy in 0..<height {
                            for ox in 0..<outW {
                                let x0 = max(0, ox - p), x1 = min(width, ox - p + k)
                                var best = -Float.infinity
                                for ix in x0..<x1 where src[iy * width + ix] > best || src[iy * width + ix].isNaN {
                                    best = src[iy * width + ix]
                                }
                                rows[iy * outW + ox] = best
                            }
                        }
                        for oy in 0..<outH {
                            let y0 = max(0, oy - p), y1 = min(height, oy - p + k)
                            for ox in 0..<outW {
                                var best = -Float.infinity
                                for iy in y0..<y1 where rows[iy * outW + ox] > best || rows[iy * outW + ox].isNaN {
                                    best = rows[iy * outW + ox]
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
}
