import TensorCore

/// `torch.nn.BatchNorm2d`; YOLOv5 uses eps 1e-3 and momentum 0.03 (set by its weight initialiser).
public final class BatchNorm2d: Module {
    public let channels: Int
    public static let epsilon: Float = 1e-3
    public static let momentum: Float = 0.03

    public var weight: Tensor
    public var bias: Tensor
    public var runningMean: Tensor
    public var runningVariance: Tensor
    public var batchesTracked: Tensor
    /// Training mode (PyTorch's `module.train()`): normalise with the batch's statistics and
    /// update the running ones; otherwise use the running statistics.
    public var training = false
    /// dL/dγ and dL/dβ accumulated by `backward` (nil until the first one).
    public internal(set) var weightGradient: Tensor?
    public internal(set) var biasGradient: Tensor?
    private var savedInput: Tensor?
    private var savedStatistics: BatchNormTraining.Saved?

    /// PyTorch's initial state: γ = 1, β = 0, mean 0, variance 1.
    public init(_ channels: Int) {
        self.channels = channels
        weight = Tensor(shape: [channels], repeating: 1)
        bias = Tensor(shape: [channels])
        runningMean = Tensor(shape: [channels])
        runningVariance = Tensor(shape: [channels], repeating: 1)
        batchesTracked = Tensor(shape: [])
    }

    public func forward(_ inputs: [Tensor]) throws -> Tensor {
        try forward(try singleTensor(inputs), activation: .identity)
    }

    /// Normalisation (batch statistics in training mode, running ones otherwise) with an
    /// activation applied in the same pass.
    public func forward(_ input: Tensor, activation: ActivationFunction) throws -> Tensor {
        guard input.shape.count == 4, input.shape[1] == channels else {
            throw ShapeError("batch norm expects \(channels) channels, got shape \(input.shape)")
        }
        if training { return try normaliseWithBatchStatistics(input, activation: activation).output }
        var output = input
        BatchNorm.inference(&output, weight: weight, bias: bias, runningMean: runningMean,
                            runningVariance: runningVariance, epsilon: Self.epsilon, activation: activation)
        return output
    }

    public func trainingForward(_ inputs: [Tensor]) throws -> Tensor {
        try trainingForward(try singleTensor(inputs))
    }

    /// Normalises with the batch statistics (updating the running ones), applies `activation`
    /// in the same pass, and keeps the input and statistics for `backward` (which must then be
    /// given the same activation).
    public func trainingForward(_ input: Tensor, activation: ActivationFunction = .identity) throws -> Tensor {
        guard training else {
            throw ShapeError("batch norm backward needs training mode (call setTraining(true) first)")
        }
        guard input.shape.count == 4, input.shape[1] == channels else {
            throw ShapeError("batch norm expects \(channels) channels, got shape \(input.shape)")
        }
        let (output, statistics) = try normaliseWithBatchStatistics(input, activation: activation)
        savedInput = input
        savedStatistics = statistics
        return output
    }

    /// Training-mode normalisation: batch statistics, running averages and the batch counter updated.
    private func normaliseWithBatchStatistics(_ input: Tensor, activation: ActivationFunction) throws
        -> (output: Tensor, saved: BatchNormTraining.Saved) {
        guard input.elementCount / max(1, channels) > 1 else {
            throw ShapeError("batch norm in training mode needs more than one value per channel, got shape \(input.shape)")
        }
        let result = BatchNormTraining.forward(input, weight: weight, bias: bias, runningMean: &runningMean,
                                               runningVariance: &runningVariance, epsilon: Self.epsilon,
                                               momentum: Self.momentum, activation: activation)
        batchesTracked = Tensor(shape: [], values: [(batchesTracked.storage.first ?? 0) + 1])
        return result
    }

    public func backward(_ outputGradient: Tensor) throws -> [Tensor] {
        try backward(outputGradient, activation: .identity)
    }

    /// The backward of `trainingForward(_:activation:)`: `outputGradient` is the activation
    /// output's gradient.
    public func backward(_ outputGradient: Tensor, activation: ActivationFunction) throws -> [Tensor] {
        let input = try saved(savedInput, "input")
        let statistics = try saved(savedStatistics, "batch statistics")
        savedInput = nil
        savedStatistics = nil
        var dGamma = weightGradient ?? Tensor(shape: [channels])
        var dBeta = biasGradient ?? Tensor(shape: [channels])
        let dx = BatchNormTraining.backward(outputGradient, input: input, weight: weight, saved: statistics,
                                            weightGradient: &dGamma, biasGradient: &dBeta,
                                            activation: activation, bias: bias)
        weightGradient = dGamma
        biasGradient = dBeta
        return [dx]
    }

    public func gradientValue(_ name: String) -> Tensor? {
        name == "weight" ? weightGradient : name == "bias" ? biasGradient : nil
    }

    public func zeroOwnGradients() {
        weightGradient = Tensor(shape: [channels])
        biasGradient = Tensor(shape: [channels])
    }

    public func tensorValue(_ name: String) -> Tensor? {
        switch name {
        case "weight": return weight
        case "bias": return bias
        case "running_mean": return runningMean
        case "running_var": return runningVariance
        case "num_batches_tracked": return batchesTracked
        default: return nil
        }
    }

    public func setTensorValue(_ name: String, _ value: Tensor) {
        switch name {
        case "weight": weight = value
        case "bias": bias = value
        case "running_mean": runningMean = value
        case "running_var": runningVariance = value
        case "num_batches_tracked": batchesTracked = value
        default: break
        }
    }

    public var typeName: String { "torch.nn.modules.batchnorm.BatchNorm2d" }

    public var ownTensors: [TensorSpec] {
        [
            TensorSpec("weight", shape: [channels], role: .normWeight),
            TensorSpec("bias", shape: [channels], role: .normBias),
            TensorSpec("running_mean", shape: [channels], role: .runningMean),
            TensorSpec("running_var", shape: [channels], role: .runningVariance),
            TensorSpec("num_batches_tracked", shape: [], role: .batchesTracked),
        ]
    }

    public func outputShape(for inputs: [FeatureShape], flops: inout FLOPCounter) throws -> FeatureShape {
        let input = try singleInput(inputs)
        guard input.channels == channels else {
            throw ShapeError("batch norm expects \(channels) channels, got \(input.channels)")
        }
        // thop: normalisation 2·n, doubled for the affine scale and shift
        flops.add(4 * Double(input.elementCount))
        return input
    }
}
