import TensorCore

/// Several batch norms over the channels of one tensor, side by side (the outputs of
/// convolutions computed as one stacked product). Batch normalisation is per channel, so
/// normalising the stacked tensor with the norms' parameters laid end to end is exactly the
/// norms applied one by one; each norm's running statistics, batch counter and gradients are
/// updated as its own training forward and backward would.
extension BatchNorm2d {
    /// The training forward of `norms` over consecutive channel ranges of `input`, with the
    /// activation in the same pass; returns what `stackedBackward` needs.
    static func stackedTrainingForward(_ norms: [BatchNorm2d], _ input: Tensor, activation: ActivationFunction) throws
        -> (output: Tensor, saved: BatchNormTraining.Saved) {
        let channels = norms.reduce(0) { $0 + $1.channels }
        guard norms.allSatisfy(\.training) else {
            throw ShapeError("batch norm backward needs training mode (call setTraining(true) first)")
        }
        guard input.shape.count == 4, input.shape[1] == channels, input.elementCount / max(1, channels) > 1 else {
            throw ShapeError("stacked batch norms expect [batch, \(channels), h, w] with more than one value per channel, got \(input.shape)")
        }
        var runningMean = stacked(norms.map(\.runningMean))
        var runningVariance = stacked(norms.map(\.runningVariance))
        let result = BatchNormTraining.forward(input, weight: stacked(norms.map(\.weight)), bias: stacked(norms.map(\.bias)),
                                               runningMean: &runningMean, runningVariance: &runningVariance,
                                               epsilon: epsilon, momentum: momentum, activation: activation)
        var first = 0
        for norm in norms {
            let range = first..<(first + norm.channels)
            norm.runningMean = Tensor(shape: [norm.channels], values: Array(runningMean.storage[range]))
            norm.runningVariance = Tensor(shape: [norm.channels], values: Array(runningVariance.storage[range]))
            norm.batchesTracked = Tensor(shape: [], values: [(norm.batchesTracked.storage.first ?? 0) + 1])
            first += norm.channels
        }
        return result
    }

    /// The backward of `stackedTrainingForward` for the gradient of its output: accumulates
    /// every norm's dγ and dβ and returns the gradient of the stacked input.
    static func stackedBackward(_ norms: [BatchNorm2d], _ outputGradient: Tensor, input: Tensor,
                                saved: BatchNormTraining.Saved, activation: ActivationFunction) -> Tensor {
        var dGamma = stacked(norms.map { $0.weightGradient ?? Tensor(shape: [$0.channels]) })
        var dBeta = stacked(norms.map { $0.biasGradient ?? Tensor(shape: [$0.channels]) })
        let dx = BatchNormTraining.backward(outputGradient, input: input, weight: stacked(norms.map(\.weight)), saved: saved,
                                            weightGradient: &dGamma, biasGradient: &dBeta, activation: activation,
                                            bias: stacked(norms.map(\.bias)))
        var first = 0
        for norm in norms {
            let range = first..<(first + norm.channels)
            norm.weightGradient = Tensor(shape: [norm.channels], values: Array(dGamma.storage[range]))
            norm.biasGradient = Tensor(shape: [norm.channels], values: Array(dBeta.storage[range]))
            first += norm.channels
        }
        return dx
    }

    private static func stacked(_ vectors: [Tensor]) -> Tensor {
        let values = vectors.flatMap(\.storage)
        return Tensor(shape: [values.count], values: values)
    }
}
