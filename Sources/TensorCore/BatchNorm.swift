/// Inference-mode batch normalisation and its folding into the preceding convolution.
public enum BatchNorm {
    /// y = (x − mean) / √(var + eps) · weight + bias per channel, as PyTorch evaluates it in
    /// eval mode (a per-channel scale and shift), then the activation.
    public static func inference(_ x: inout Tensor, weight: Tensor, bias: Tensor, runningMean: Tensor,
                                 runningVariance: Tensor, epsilon: Float, activation: ActivationFunction = .identity) {
        let (batch, channels) = (x.shape[0], x.shape[1])
        let pixels = x.elementCount / max(1, batch * channels)
        var scale = [Float](repeating: 0, count: channels)
        var shift = [Float](repeating: 0, count: channels)
        for c in 0..<channels {
            let invStd = 1 / (runningVariance.storage[c] + epsilon).squareRoot()
            scale[c] = weight.storage[c] * invStd
            shift[c] = bias.storage[c] - runningMean.storage[c] * scale[c]
        }
        x.storage.withUnsafeMutableBufferPointer { y in
            Parallel.forEach(batch * channels, minimumChunk: max(1, 16_384 / max(pixels, 1))) { planes in
                for planeIndex in planes {
                    let c = planeIndex % channels
                    let plane = UnsafeMutableBufferPointer(rebasing: y[(planeIndex * pixels)..<((planeIndex + 1) * pixels)])
                    for i in plane.indices { plane[i] = plane[i] * scale[c] + shift[c] }
                    activation.apply(plane)
                }
            }
        }
    }

    /// Folds a batch norm into the convolution before it, exactly as Ultralytics'
    /// `fuse_conv_and_bn` computes it in float32: w' = w · γ/√(var + eps),
    /// b' = β − γ·mean/√(var + eps) (+ the scaled conv bias, if any).
    public static func fold(convolutionWeight: Tensor, convolutionBias: Tensor?, weight: Tensor, bias: Tensor,
                            runningMean: Tensor, runningVariance: Tensor, epsilon: Float) -> (weight: Tensor, bias: Tensor) {
        let outputs = convolutionWeight.shape[0]
        let perOutput = convolutionWeight.elementCount / outputs
        var fusedWeight = convolutionWeight
        var fusedBias = Tensor(shape: [outputs])
        for o in 0..<outputs {
            let root = (epsilon + runningVariance.storage[o]).squareRoot()
            let factor = weight.storage[o] / root
            for i in 0..<perOutput { fusedWeight.storage[o * perOutput + i] = factor * convolutionWeight.storage[o * perOutput + i] }
            let bnShift = bias.storage[o] - weight.storage[o] * runningMean.storage[o] / root
            fusedBias.storage[o] = (convolutionBias.map { factor * $0.storage[o] } ?? 0) + bnShift
        }
        return (fusedWeight, fusedBias)
    }
}
