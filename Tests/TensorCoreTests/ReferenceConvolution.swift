import TensorCore

/// The convolution of float tensors by its definition, summed in Float64 (`convolution64`).
func referenceConvolution(_ x: Tensor, _ w: Tensor, _ bias: [Float]?, _ g: Conv2DGeometry) -> [Double] {
    convolution64(x.storage.map(Double.init), batch: x.shape[0], height: x.shape[2], width: x.shape[3],
                  w.storage.map(Double.init), bias?.map(Double.init), g)
}

/// out[b, o, y, x] = Σ w[o, i, ky, kx] · in[b, g·cin + i, y·s − p + ky·d, x·s − p + kx·d] + bias[o]
func convolution64(_ x: [Double], batch: Int, height: Int, width: Int, _ w: [Double], _ bias: [Double]?,
                   _ g: Conv2DGeometry) -> [Double] {
    let (outH, outW) = (g.outputSize(height), g.outputSize(width))
    let inPerGroup = g.inputChannels / g.groups, outPerGroup = g.outputChannels / g.groups
    let k = g.kernelSize
    var out = [Double](repeating: 0, count: batch * g.outputChannels * outH * outW)
    for b in 0..<batch {
        for o in 0..<g.outputChannels {
            let group = o / outPerGroup
            for oy in 0..<outH {
                for ox in 0..<outW {
                    var sum = bias?[o] ?? 0
                    for i in 0..<inPerGroup {
                        let c = group * inPerGroup + i
                        for ky in 0..<k {
                            let iy = oy * g.stride - g.padding + ky * g.dilation
                            guard iy >= 0, iy < height else { continue }
                            for kx in 0..<k {
                                let ix = ox * g.stride - g.padding + kx * g.dilation
                                guard ix >= 0, ix < width else { continue }
                                sum += w[((o * inPerGroup + i) * k + ky) * k + kx]
                                    * x[((b * g.inputChannels + c) * height + iy) * width + ix]
                            }
                        }
                    }
                    out[((b * g.outputChannels + o) * outH + oy) * outW + ox] = sum
                }
            }
        }
    }
    return out
}

/// start + dW by its definition for groups 1, summed in Float64: dW[o, c, ky, kx] =
/// Σ dY[b, o, oy, ox] · x[b, c, oy·s − p + ky, ox·s − p + kx] over the positions inside the input.
func weightGradient64(_ x: Tensor, _ dy: Tensor, _ g: Conv2DGeometry, start: [Float]) -> [Double] {
    let (batch, height, width) = (x.shape[0], x.shape[2], x.shape[3])
    let (outH, outW) = (dy.shape[2], dy.shape[3])
    let k = g.kernelSize
    var expected = start.map(Double.init)
    for b in 0..<batch {
        for o in 0..<g.outputChannels {
            for oy in 0..<outH {
                for ox in 0..<outW {
                    let gradient = Double(dy.storage[((b * g.outputChannels + o) * outH + oy) * outW + ox])
                    for c in 0..<g.inputChannels {
                        for ky in 0..<k {
                            let iy = oy * g.stride - g.padding + ky
                            guard iy >= 0, iy < height else { continue }
                            for kx in 0..<k {
                                let ix = ox * g.stride - g.padding + kx
                                guard ix >= 0, ix < width else { continue }
                                expected[((o * g.inputChannels + c) * k + ky) * k + kx] +=
                                    gradient * Double(x.storage[((b * g.inputChannels + c) * height + iy) * width + ix])
                            }
                        }
                    }
                }
            }
        }
    }
    return expected
}

/// `Conv2DBackward.accumulateWeightGradient` onto `start`, once with each of `workerCounts`
/// workers (for comparison with `weightGradient64` and with each other).
func weightGradients(_ x: Tensor, _ dy: Tensor, _ g: Conv2DGeometry, start: [Float], workerCounts: [Int] = [1, 3]) -> [[Float]] {
    let saved = Parallel.width
    defer { Parallel.width = saved }
    return workerCounts.map { workers in
        Parallel.width = workers
        var dw = Tensor(shape: [g.outputChannels, g.inputChannels, g.kernelSize, g.kernelSize], values: start)
        Conv2DBackward.accumulateWeightGradient(dy, input: x, geometry: g, into: &dw)
        return dw.storage
    }
}
