/// A 1×1 convolution over maps taken side by side as the channels of its input, each
/// nearest-upsampled by an integer scale: what a network's Upsample → Concat → 1×1 convolution
/// computes, with neither the upsampled map nor the concatenation ever written out (the
/// convolution's panel packing reads every channel from where it already is).
extension Conv2D {
    public static func pointwiseForward(concatenating parts: [(map: Tensor, scale: Int)], weight: Tensor, bias: Tensor?,
                                        activation: ActivationFunction = .identity,
                                        packedWeights: PackedConvolutionWeights? = nil) -> Tensor {
        precondition(!parts.isEmpty && parts.allSatisfy { $0.map.shape.count == 4 && $0.scale > 0 })
        let first = parts[0]
        let (batch, height, width) = (first.map.shape[0], first.map.shape[2] * first.scale, first.map.shape[3] * first.scale)
        for part in parts {
            precondition(part.map.shape[0] == batch && part.map.shape[2] * part.scale == height
                         && part.map.shape[3] * part.scale == width,
                         "cannot concatenate \(parts.map { ($0.map.shape, $0.scale) }) into \(height)×\(width)")
        }
        let channels = parts.reduce(0) { $0 + $1.map.shape[1] }
        let g = Conv2DGeometry(inputChannels: channels, outputChannels: weight.shape[0], kernelSize: 1)
        var output = Tensor(uninitializedShape: [batch, g.outputChannels, height, width])
        Tensor.withBasePointers(parts.map(\.map)[...]) { bases in
            let featureParts = zip(parts, bases).map { part, base in
                FeaturePart(base: base, channels: part.map.shape[1], imageStride: part.map.elementCount / max(batch, 1),
                            scale: part.scale)
            }
            output.storage.withUnsafeMutableBufferPointer { out in
                forward(input: FeatureBlock(parts: featureParts, batch: batch, height: height, width: width),
                        weight: weight, bias: bias, geometry: g, activation: activation, output: out.baseAddress!,
                        outputImageStride: g.outputChannels * height * width, packedWeights: packedWeights)
            }
        }
        return output
    }
}
