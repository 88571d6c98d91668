import TensorCore

/// out[b, o, y, x] = Σ w[o, i, ky, kx] · in[b, g·cin + i, y·s − p + ky·d, x·s − p + kx·d] + bias[o]
func referenceConvolution(_ x: Tensor, _ w: Tensor, _ bias: [Float]?, _ g: Conv2DGeometry) -> [Double] {
    let (batch, height, width) = (x.shape[0], x.shape[2], x.shape[3])
    let (outH, outW) = (g.outputSize(height), g.outputSize(width))
    let inPerGroup = g.inputChannels / g.groups, outPerGroup = g.outputChannels / g.groups
    var out = [Double](repeating: 0, count: batch * g.outputChannels * outH * outW)
    for b in 0..<batch {
        for o in 0..<g.outputChannels {
            let group = o / outPerGroup
            for oy in 0..<outH {
                for ox in 0..<outW {
                    var sum = Double(bias?[o] ?? 0)
                    for i in 0..<inPerGroup {
                        for ky in 0..<g.kernelSize {
                            for kx in 0..<g.kernelSize {
                                let iy = oy * g.stride - g.padding + ky * g.dilation
                                let ix = ox * g.stride - g.padding + kx * g.dilation
                                guard iy >= 0, iy < height, ix >= 0, ix < width else { continue }
                                let c = group * inPerGroup + i
                                sum += Double(w.storage[((o * inPerGroup + i) * g.kernelSize + ky) * g.kernelSize + kx])
                                    * Double(x.storage[((b * g.inputChannels + c) * height + iy) * width + ix])
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
