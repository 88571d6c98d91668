import TensorCore

/// Conv blocks with 1×1 kernels that read the same input (C3's cv1 and cv2), trained as one:
/// their weights stacked into one convolution, so the input is read once by the forward
/// product, once by the weight gradient, and the input gradient Σᵢ Wᵢᵀ·dYᵢ comes out of one
/// product instead of one per block plus a pass adding them; their batch norms run as one over
/// the stacked channels (`BatchNorm2d.stackedTrainingForward`). Every block's parameters,
/// running statistics and gradients are updated as its own training step would update them.
final class StackedConvBlocks {
    let blocks: [ConvBlock]
    private var savedInput: Tensor?
    private var savedProduct: Tensor?
    private var savedStatistics: BatchNormTraining.Saved?

    /// Nil unless every block is an unfused 1×1, stride-1, unpadded, ungrouped convolution
    /// without bias that computes its input gradient, all of the same input and activation.
    init?(_ blocks: [ConvBlock]) {
        guard let first = blocks.first else { return nil }
        for block in blocks {
            let conv = block.conv
            guard !block.isFused, conv.geometry.isPointwise, !conv.hasBias, conv.computesInputGradient,
                  conv.inputChannels == first.conv.inputChannels, block.activationFunction == first.activationFunction
            else { return nil }
        }
        self.blocks = blocks
    }

    private var activation: ActivationFunction { blocks[0].activationFunction }

    private var geometry: Conv2DGeometry {
        Conv2DGeometry(inputChannels: blocks[0].conv.inputChannels,
                       outputChannels: blocks.reduce(0) { $0 + $1.conv.outputChannels }, kernelSize: 1)
    }

    private var stackedWeight: Tensor {
        let geometry = geometry
        return Tensor(shape: [geometry.outputChannels, geometry.inputChannels, 1, 1], values: blocks.flatMap(\.conv.weight.storage))
    }

    /// The blocks' outputs side by side, [B, Σ outputs, H, W].
    func trainingForward(_ x: Tensor) throws -> Tensor {
        let geometry = geometry
        guard x.shape.count == 4, x.shape[1] == geometry.inputChannels else {
            throw ShapeError("convolution expects \(geometry.inputChannels) input channels, got shape \(x.shape)")
        }
        let product = Conv2D.forward(x, weight: stackedWeight, bias: nil, geometry: geometry)
        let (output, statistics) = try BatchNorm2d.stackedTrainingForward(blocks.map(\.bn), product, activation: activation)
        savedInput = x
        savedProduct = product
        savedStatistics = statistics
        return output
    }

    /// From the gradient of the stacked output: accumulates every block's gradients and returns
    /// the input's.
    func backward(_ outputGradient: Tensor) throws -> Tensor {
        guard let x = savedInput, let product = savedProduct, let statistics = savedStatistics else {
            throw ShapeError("stacked Conv blocks: backward without a training forward")
        }
        (savedInput, savedProduct, savedStatistics) = (nil, nil, nil)
        let dProduct = BatchNorm2d.stackedBackward(blocks.map(\.bn), outputGradient, input: product, saved: statistics,
                                                   activation: activation)
        let geometry = geometry
        // the blocks' accumulated gradients stacked, so the new products add onto them as each
        // block's own backward would
        var dW = Tensor(shape: [geometry.outputChannels, geometry.inputChannels, 1, 1],
                        values: blocks.flatMap { $0.conv.weightGradient?.storage ?? [Float](repeating: 0, count: $0.conv.weight.elementCount) })
        Conv2DBackward.accumulateWeightGradient(dProduct, input: x, geometry: geometry, into: &dW)
        var first = 0
        for block in blocks {
            let count = block.conv.weight.elementCount
            block.conv.weightGradient = Tensor(shape: block.conv.weight.shape, values: Array(dW.storage[first..<(first + count)]))
            first += count
        }
        return Conv2DBackward.inputGradient(dProduct, weight: stackedWeight, geometry: geometry,
                                            inputHeight: x.shape[2], inputWidth: x.shape[3])
    }
}
