/// Backward of the channel concatenation, the elementwise addition, zero padding and the
/// space-to-depth rearrangements.
extension ChannelOps {
    /// Concat backward: splits dY [B, ΣCᵢ, H, W] along channels into [B, Cᵢ, H, W] pieces.
    public static func split(_ outputGradient: Tensor, channelCounts: [Int]) -> [Tensor] {
        precondition(outputGradient.shape.count == 4 && channelCounts.reduce(0, +) == outputGradient.shape[1],
                     "channels \(channelCounts) do not split \(outputGradient.shape)")
        var first = 0
        return channelCounts.map { count in
            defer { first += count }
            return channels(outputGradient, from: first, count: count)
        }
    }

    /// Add backward: y = a + b passes dY unchanged to both inputs.
    public static func addBackward(_ outputGradient: Tensor) -> (Tensor, Tensor) {
        (outputGradient, outputGradient)
    }

    /// Zero-pad backward: the gradient of the padded border is dropped, the interior is cropped out.
    public static func zeroPadBackward(_ outputGradient: Tensor, left: Int, right: Int, top: Int, bottom: Int) -> Tensor {
        let (batch, channels, outH, outW) = (outputGradient.shape[0], outputGradient.shape[1],
                                             outputGradient.shape[2], outputGradient.shape[3])
        let (height, width) = (outH - top - bottom, outW - left - right)
        var dx = Tensor(uninitializedShape: [batch, channels, height, width])
        outputGradient.storage.withUnsafeBufferPointer { dy in
            dx.storage.withUnsafeMutableBufferPointer { out in
                for plane in 0..<(batch * channels) {
                    for iy in 0..<height {
                        (out.baseAddress! + (plane * height + iy) * width)
                            .update(from: dy.baseAddress! + plane * outH * outW + (iy + top) * outW + left, count: width)
                    }
                }
            }
        }
        return dx
    }

    /// Focus backward: every input pixel appears exactly once among the four slices, so the
    /// gradient is the same rearrangement undone.
    public static func focusSlicesBackward(_ outputGradient: Tensor) -> Tensor {
        let (batch, stacked, outH, outW) = (outputGradient.shape[0], outputGradient.shape[1],
                                            outputGradient.shape[2], outputGradient.shape[3])
        let channels = stacked / 4
        let (height, width) = (outH * 2, outW * 2)
        var dx = Tensor(uninitializedShape: [batch, channels, height, width])
        let phases = [(0, 0), (1, 0), (0, 1), (1, 1)]  // the slice order of `focusSlices`
        outputGradient.storage.withUnsafeBufferPointer { dy in
            dx.storage.withUnsafeMutableBufferPointer { out in
                for b in 0..<batch {
                    for (p, phase) in phases.enumerated() {
                        for c in 0..<channels {
                            let source = dy.baseAddress! + (b * stacked + p * channels + c) * outH * outW
                            let target = out.baseAddress! + (b * channels + c) * height * width
                            for oy in 0..<outH {
                                for ox in 0..<outW {
                                    target[(2 * oy + phase.0) * width + 2 * ox + phase.1] = source[oy * outW + ox]
                                }
                            }
                        }
                    }
                }
            }
        }
        return dx
    }

    /// Contract backward: Expand is its exact inverse permutation.
    public static func contractBackward(_ outputGradient: Tensor, gain s: Int) -> Tensor {
        expand(outputGradient, gain: s)
    }

    /// Expand backward: Contract is its exact inverse permutation.
    public static func expandBackward(_ outputGradient: Tensor, gain s: Int) -> Tensor {
        contract(outputGradient, gain: s)
    }
}
