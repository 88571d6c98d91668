/// Bilinear resizing of NCHW float maps as PyTorch's `interpolate(mode="bilinear",
/// align_corners=False)` does: half-pixel centres, source coordinates below zero clamped to
/// zero, the far neighbour clamped to the last row or column.
public enum BilinearInterpolation {
    public static func resize(_ x: Tensor, height outH: Int, width outW: Int) -> Tensor {
        precondition(x.shape.count == 4 && outH > 0 && outW > 0, "bilinear resize needs NCHW and a positive size")
        let (batch, channels, height, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let rows = taps(input: height, output: outH)
        let columns = taps(input: width, output: outW)
        var y = Tensor(uninitializedShape: [batch, channels, outH, outW])
        x.storage.withUnsafeBufferPointer { src in
            y.storage.withUnsafeMutableBufferPointer { dst in
                Parallel.forEach(batch * channels) { planes in
                    for plane in planes {
                        let input = src.baseAddress! + plane * height * width
                        let output = dst.baseAddress! + plane * outH * outW
                        for oy in 0..<outH {
                            let r = rows[oy]
                            let top = input + r.first * width, bottom = input + r.second * width
                            for ox in 0..<outW {
                                let c = columns[ox]
                                let upper = c.firstWeight * top[c.first] + c.secondWeight * top[c.second]
                                let lower = c.firstWeight * bottom[c.first] + c.secondWeight * bottom[c.second]
                                output[oy * outW + ox] = r.firstWeight * upper + r.secondWeight * lower
                            }
                        }
                    }
                }
            }
        }
        return y
    }

    struct Tap { var first: Int, second: Int, firstWeight: Float, secondWeight: Float }

    /// For each output index the two source indices and their weights.
    static func taps(input: Int, output: Int) -> [Tap] {
        let scale = Float(input) / Float(output)
        return (0..<output).map { index in
            let source = max(scale * (Float(index) + 0.5) - 0.5, 0)
            let first = min(Int(source), input - 1)
            let second = min(first + 1, input - 1)
            let secondWeight = source - Float(first)
            return Tap(first: first, second: second, firstWeight: 1 - secondWeight, secondWeight: secondWeight)
        }
    }
}
