/// Backward of the channel concatenation and of the elementwise addition.
extension ChannelOps {
    /// Concat backward: splits dY [B, ΣCᵢ, H, W] along channels into [B, Cᵢ, H, W] pieces.
    public static func split(_ outputGradient: Tensor, channelCounts: [Int]) -> [Tensor] {
        precondition(outputGradient.shape.count == 4 && channelCounts.reduce(0, +) == outputGradient.shape[1],
                     "channels \(channelCounts) do not split \(outputGradient.shape)")
        let (batch, channels, height, width) = (outputGradient.shape[0], outputGradient.shape[1],
                                                outputGradient.shape[2], outputGradient.shape[3])
        let plane = height * width
        var pieces: [Tensor] = []
        pieces.reserveCapacity(channelCounts.count)
        outputGradient.storage.withUnsafeBufferPointer { dy in
            var first = 0
            for count in channelCounts {
                var piece = Tensor(uninitializedShape: [batch, count, height, width])
                piece.storage.withUnsafeMutableBufferPointer { out in
                    for b in 0..<batch where count > 0 {
                        (out.baseAddress! + b * count * plane)
                            .update(from: dy.baseAddress! + (b * channels + first) * plane, count: count * plane)
                    }
                }
                pieces.append(piece)
                first += count
            }
        }
        return pieces
    }

    /// Add backward: y = a + b passes dY unchanged to both inputs.
    public static func addBackward(_ outputGradient: Tensor) -> (Tensor, Tensor) {
        (outputGradient, outputGradient)
    }
}
