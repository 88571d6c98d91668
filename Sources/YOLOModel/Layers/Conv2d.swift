import TensorCore

/// `torch.nn.Conv2d` with square kernels, stride, zero padding, dilation and groups.
public final class Conv2d: Module {
    public let inputChannels: Int
    public let outputChannels: Int
    public let kernelSize: Int
    public let stride: Int
    public let padding: Int
    public let dilation: Int
    public let groups: Int
    public let hasBias: Bool
    public var weight: Tensor { didSet { packedWeightCache = nil } }
    public var bias: Tensor?
    /// dL/dW and dL/db accumulated by `backward` (nil until the first one).
    public internal(set) var weightGradient: Tensor?
    public private(set) var biasGradient: Tensor?
    /// False for a convolution that reads the network's images: nothing needs that gradient.
    public private(set) var computesInputGradient = true
    private var savedInput: Tensor?
    private var packedWeightCache: PackedConvolutionWeights?

    /// The weights in the micro-kernel's layout, packed on first use after every change of
    /// `weight` (nil for convolutions the packed kernel does not take), with the Winograd
    /// weights inference uses (`WinogradTile.forPackedWeights`).
    public var packedWeights: PackedConvolutionWeights? { packedWeights(winograd: WinogradTile.forPackedWeights) }

    /// The packed weights with Winograd weights for `tile`: training's forward pass keeps to
    /// F(2×2, 3×3), whose transforms round least and cost least to redo after every step.
    func packedWeights(winograd tile: WinogradTile) -> PackedConvolutionWeights? {
        guard PackedConvolution.applies(to: geometry) else { return nil }
        if let packedWeightCache, packedWeightCache.winogradTile == tile { return packedWeightCache }
        let packed = PackedConvolutionWeights(weight, geometry: geometry, winogradTile: tile)
        packedWeightCache = packed
        return packed
    }

    public init(_ inputChannels: Int, _ outputChannels: Int, kernelSize: Int, stride: Int = 1,
                padding: Int = 0, dilation: Int = 1, groups: Int = 1, bias: Bool) throws {
        guard inputChannels > 0, outputChannels > 0 else {
            throw ShapeError("a convolution needs positive channel counts, got \(inputChannels) → \(outputChannels)")
        }
        guard kernelSize > 0, stride > 0, dilation > 0, padding >= 0 else {
            throw ShapeError("convolution kernel \(kernelSize), stride \(stride), dilation \(dilation) must be positive and padding \(padding) non-negative")
        }
        guard groups > 0, inputChannels % groups == 0, outputChannels % groups == 0 else {
            throw ShapeError("convolution groups \(groups) must divide both channel counts \(inputChannels) and \(outputChannels)")
        }
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
        self.hasBias = bias
        self.weight = Tensor(shape: [outputChannels, inputChannels / groups, kernelSize, kernelSize])
        self.bias = bias ? Tensor(shape: [outputChannels]) : nil
    }

    public var geometry: Conv2DGeometry {
        Conv2DGeometry(inputChannels: inputChannels, outputChannels: outputChannels, kernelSize: kernelSize,
                       stride: stride, padding: padding, dilation: dilation, groups: groups)
    }

    public func forward(_ inputs: [Tensor]) throws -> Tensor {
        try forward(try singleTensor(inputs), activation: .identity)
    }

    /// The convolution with an activation applied in the same pass (used once a BatchNorm is folded in).
    public func forward(_ input: Tensor, activation: ActivationFunction) throws -> Tensor {
        try forward(input, activation: activation, winograd: WinogradTile.forPackedWeights)
    }

    private func forward(_ input: Tensor, activation: ActivationFunction, winograd tile: WinogradTile) throws -> Tensor {
        guard input.shape.count == 4, input.shape[1] == inputChannels else {
            throw ShapeError("convolution expects \(inputChannels) input channels, got shape \(input.shape)")
        }
        return Conv2D.forward(input, weight: weight, bias: bias, geometry: geometry, activation: activation,
                              packedWeights: packedWeights(winograd: tile))
    }

    public func trainingForward(_ inputs: [Tensor]) throws -> Tensor {
        try trainingForward(try singleTensor(inputs), activation: .identity)
    }

    /// The training forward; the activation is only for heads without batch norm that apply
    /// none (callers needing an activation gradient keep the pre-activation themselves).
    public func trainingForward(_ input: Tensor, activation: ActivationFunction) throws -> Tensor {
        let output = try forward(input, activation: activation, winograd: .f2x2)
        savedInput = input
        return output
    }

    public func backward(_ outputGradient: Tensor) throws -> [Tensor] {
        let input = try saved(savedInput, "input")
        savedInput = nil
        var dW = weightGradient ?? Tensor(shape: weight.shape)
        Conv2DBackward.accumulateWeightGradient(outputGradient, input: input, geometry: geometry, into: &dW)
        weightGradient = dW
        if hasBias {
            var db = biasGradient ?? Tensor(shape: [outputChannels])
            Conv2DBackward.accumulateBiasGradient(outputGradient, into: &db)
            biasGradient = db
        }
        guard computesInputGradient else { return [Tensor(shape: [0])] }
        return [Conv2DBackward.inputGradient(outputGradient, weight: weight, geometry: geometry,
                                             inputHeight: input.shape[2], inputWidth: input.shape[3])]
    }

    /// The training forward of a 1×1 convolution computed only where it will be read (see
    /// `Conv2D.sparsePointwiseForward`); `backward(sparse:)` follows it.
    public func sparseTrainingForward(_ input: Tensor, denseChannels: [Int], cells: [Conv2D.SparseCell]) throws
        -> (dense: [Float], cells: [[Float]]) {
        guard geometry.isPointwise, input.shape.count == 4, input.shape[1] == inputChannels else {
            throw ShapeError("a sparse forward needs a 1×1 convolution of \(inputChannels) input channels, got \(input.shape)")
        }
        savedInput = input
        return Conv2D.sparsePointwiseForward(input, weight: weight, bias: bias, denseChannels: denseChannels, cells: cells)
    }

    /// `backward` for a 1×1 convolution whose output gradient is sparse (a detection head's).
    public func backward(sparse outputGradient: SparseChannelGradient) throws -> [Tensor] {
        guard geometry.isPointwise, outputGradient.channels == outputChannels else {
            throw ShapeError("a sparse gradient needs a 1×1 convolution with \(outputGradient.channels) outputs")
        }
        let input = try saved(savedInput, "input")
        savedInput = nil
        var dW = weightGradient ?? Tensor(shape: weight.shape)
        var db = hasBias ? (biasGradient ?? Tensor(shape: [outputChannels])) : nil
        let dx = Conv2DBackward.accumulateSparsePointwise(outputGradient, input: input, weight: weight, weightGradient: &dW,
                                                          biasGradient: &db, inputGradient: computesInputGradient)
        weightGradient = dW
        biasGradient = db
        return [dx ?? Tensor(shape: [0])]
    }

    public func gradientValue(_ name: String) -> Tensor? {
        name == "weight" ? weightGradient : name == "bias" ? biasGradient : nil
    }

    public func skipInputGradient() { computesInputGradient = false }

    public func zeroOwnGradients() {
        weightGradient = Tensor(shape: weight.shape)
        biasGradient = hasBias ? Tensor(shape: [outputChannels]) : nil
    }

    public func tensorValue(_ name: String) -> Tensor? {
        name == "weight" ? weight : name == "bias" ? bias : nil
    }

    public func setTensorValue(_ name: String, _ value: Tensor) {
        if name == "weight" { weight = value } else if name == "bias" { bias = value }
    }

    public var typeName: String { "torch.nn.modules.conv.Conv2d" }

    public var ownTensors: [TensorSpec] {
        var tensors = [TensorSpec("weight", shape: [outputChannels, inputChannels / groups, kernelSize, kernelSize],
                                  role: .convolutionWeight)]
        if hasBias { tensors.append(TensorSpec("bias", shape: [outputChannels], role: .convolutionBias)) }
        return tensors
    }

    /// PyTorch's output size rule: floor((n + 2p − d(k − 1) − 1) / s) + 1.
    static func outputSize(_ n: Int, kernel: Int, stride: Int, padding: Int, dilation: Int) -> Int {
        (n + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1
    }

    public func outputShape(for inputs: [FeatureShape], flops: inout FLOPCounter) throws -> FeatureShape {
        let input = try singleInput(inputs)
        guard input.channels == inputChannels else {
            throw ShapeError("convolution expects \(inputChannels) input channels, got \(input.channels)")
        }
        let h = Self.outputSize(input.height, kernel: kernelSize, stride: stride, padding: padding, dilation: dilation)
        let w = Self.outputSize(input.width, kernel: kernelSize, stride: stride, padding: padding, dilation: dilation)
        guard h > 0, w > 0 else {
            throw ShapeError("a \(kernelSize)×\(kernelSize) convolution leaves nothing of a \(input.height)×\(input.width) input")
        }
        let output = FeatureShape(channels: outputChannels, height: h, width: w)
        flops.add(Double(output.elementCount) * Double(inputChannels / groups * kernelSize * kernelSize))
        return output
    }
}
