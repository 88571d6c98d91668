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
    /// output instead of k²; max is associative, so the result is identical. Rows are copied
    /// between −∞ borders and the row maxima stored between −∞ rows, so every output, the edges
    /// included, is one eight-lane scan over a whole window (the −∞ never replace a value, so
    /// this is the clipped window's maximum): on yolov5n's 10×10 maps at 320 the windows inside
    /// the row were too few for a single vector.
    static func separableStrideOne(_ x: Tensor, kernelSize k: Int, padding p: Int) -> Tensor {
        let (batch, channels, height, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let outH = height + 2 * p - k + 1, outW = width + 2 * p - k + 1
        var y = Tensor(uninitializedShape: [batch, channels, outH, outW])
        guard outH > 0 && outW > 0 else { return y }
        x.storage.withUnsafeBufferPointer { input in
            y.storage.withUnsafeMutableBufferPointer { output in
                forwardStrideOne(FeatureBlock(input.baseAddress!, batch: batch, channels: channels, height: height, width: width),
                                 kernelSize: k, padding: p, output: output.baseAddress!, outputImageStride: channels * outH * outW)
            }
        }
        return y
    }

    /// Stride-1 max pooling of `input` (one map, images `input.imageStride` floats apart) into
    /// `output`, images `outputImageStride` floats apart: both may be channel slices of larger
    /// tensors (SPPF pools into the slices of the buffer its last convolution reads).
    public static func forwardStrideOne(_ input: FeatureBlock, kernelSize k: Int, padding p: Int,
                                        output: UnsafeMutablePointer<Float>, outputImageStride: Int) {
        precondition(input.parts == nil, "max pooling reads one map")
        let (channels, height, width) = (input.channels, input.height, input.width)
        let outH = height + 2 * p - k + 1, outW = width + 2 * p - k + 1
        guard outH > 0 && outW > 0 && input.batch > 0 else { return }
        let vectorWidth = roundUp(outW, to: 8)
        // a row between borders: p before it, and enough after it for the last vector's window
        let lineLength = vectorWidth + k - 1
        // the row maxima with p rows of −∞ above and k − 1 − p below
        let maximaRows = outH + k - 1
        Parallel.forEach(input.batch * channels) { planes in
            var buffer = [Float](repeating: -.infinity, count: lineLength + maximaRows * vectorWidth + 8)
            buffer.withUnsafeMutableBufferPointer { buffer in
                let line = buffer.baseAddress!
                let maxima = line + lineLength
                let tail = maxima + maximaRows * vectorWidth
                for plane in planes {
                    let (image, channel) = (plane / channels, plane % channels)
                    let src = input.base + image * input.imageStride + channel * height * width
                    let dst = output + image * outputImageStride + channel * outH * outW
                    for iy in 0..<height {
                        (line + p).update(from: src + iy * width, count: width)
                        windowMaximum(UnsafePointer(line), step: 1, window: k, into: maxima + (iy + p) * vectorWidth,
                                      count: vectorWidth)
                    }
                    for oy in 0..<outH {
                        let out = dst + oy * outW
                        let whole = outW / 8 * 8
                        windowMaximum(UnsafePointer(maxima + oy * vectorWidth), step: vectorWidth, window: k,
                                      into: out, count: whole)
                        if whole < outW {
                            windowMaximum(UnsafePointer(maxima + oy * vectorWidth + whole), step: vectorWidth,
                                          window: k, into: tail, count: 8)
                            out.advanced(by: whole).update(from: tail, count: outW - whole)
                        }
                    }
                }
            }
        }
    }

    /// out[i] = the maximum of first[i + j·step] over j < window, for i < count (a multiple of
    /// eight), eight at a time, j in order.
    @inline(__always)
    private static func windowMaximum(_ first: UnsafePointer<Float>, step: Int, window: Int,
                                      into out: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i < count {
            var best = SIMD8<Float>(repeating: -.infinity)
            for j in 0..<window { best = keepMaximum(best, load(first + j * step + i)) }
            UnsafeMutableRawPointer(out + i).storeBytes(of: best, as: SIMD8<Float>.self)
            i += 8
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
