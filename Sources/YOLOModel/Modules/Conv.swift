import TensorCore
import YOLOConfig

/// Ultralytics' `Conv`: Conv2d (no bias, "same" padding by default) → BatchNorm2d → activation.
/// `DWConv` is the same block with groups = gcd(c1, c2), so it is this type too.
public final class ConvBlock: Module {
    public let conv: Conv2d
    public let bn: BatchNorm2d
    /// True once the batch norm is folded into the convolution (then `bn` is no longer used).
    public private(set) var isFused = false
    /// The shared default activation, or an Identity when built with act=False.
    public let act: any Module
    public let typeName: String

    public init(_ c1: Int, _ c2: Int, kernelSize: Int = 1, stride: Int = 1, padding: Int? = nil,
                groups: Int = 1, dilation: Int = 1, activation: (any Module)?,
                typeName: String = "models.common.Conv") throws {
        conv = try Conv2d(c1, c2, kernelSize: kernelSize, stride: stride,
                          padding: padding ?? autopad(kernelSize, dilation: dilation),
                          dilation: dilation, groups: groups, bias: false)
        bn = BatchNorm2d(c2)
        act = activation ?? Identity()
        self.typeName = typeName
    }

    public var outputChannels: Int { conv.outputChannels }

    public var children: [(name: String, module: any Module)] {
        isFused ? [("conv", conv), ("act", act)] : [("conv", conv), ("bn", bn), ("act", act)]
    }

    /// The activation applied in the same pass as the layer before it.
    var activationFunction: ActivationFunction { (act as? Activation)?.function ?? .identity }

    /// Folds the batch norm into the convolution's weight and a new bias (Ultralytics' `fuse`).
    public func fuse() {
        guard !isFused else { return }
        let folded = BatchNorm.fold(convolutionWeight: conv.weight, convolutionBias: conv.bias, weight: bn.weight,
                                    bias: bn.bias, runningMean: bn.runningMean, runningVariance: bn.runningVariance,
                                    epsilon: BatchNorm2d.epsilon)
        conv.weight = folded.weight
        conv.bias = folded.bias
        isFused = true
    }

    public func forward(_ inputs: [Tensor]) throws -> Tensor {
        let x = try singleTensor(inputs)
        if isFused { return try conv.forward(x, activation: activationFunction) }
        return try bn.forward(try conv.forward(x, activation: .identity), activation: activationFunction)
    }

    /// The fused block (batch norm folded) on channels that may sit inside a larger tensor,
    /// written to `output`, images `outputImageStride` floats apart (a channel slice of a larger
    /// buffer), or with `adding` added onto what is there (a residual, in the epilogue).
    func forward(_ input: FeatureBlock, into output: UnsafeMutablePointer<Float>, outputImageStride: Int,
                 adding: Bool = false) {
        precondition(isFused, "only a fused Conv block runs into a buffer")
        Conv2D.forward(input: input, weight: conv.weight, bias: conv.bias, geometry: conv.geometry,
                       activation: activationFunction, output: output, outputImageStride: outputImageStride,
                       addingToOutput: adding, packedWeights: conv.packedWeights)
    }

    public func trainingForward(_ inputs: [Tensor]) throws -> Tensor {
        guard !isFused else { throw ShapeError("a fused Conv block cannot be trained (its batch norm is folded)") }
        // batch norm and activation in one pass; backward recomputes the pre-activation
        return try bn.trainingForward(try conv.trainingForward(inputs), activation: activationFunction)
    }

    public func skipInputGradient() { conv.skipInputGradient() }

    public func backward(_ outputGradient: Tensor) throws -> [Tensor] {
        try conv.backward(try bn.backward(outputGradient, activation: activationFunction)[0])
    }

    public func outputShape(for inputs: [FeatureShape], flops: inout FLOPCounter) throws -> FeatureShape {
        let convolved = try conv.outputShape(for: inputs, flops: &flops)
        let normalised = try bn.outputShape(for: [convolved], flops: &flops)
        return try act.outputShape(for: [normalised], flops: &flops)
    }
}

/// Ultralytics' `autopad`: the padding that keeps the size at stride 1 ("same").
public func autopad(_ kernelSize: Int, dilation: Int = 1) -> Int {
    (dilation * (kernelSize - 1) + 1) / 2
}

/// `Conv(c1, c2, k=1, s=1, p=None, g=1, d=1, act=True)`.
public enum ConvKind: ModuleKind {
    public static let yamlName = "Conv"

    public static func plan(_ row: RowContext) throws -> ModulePlan {
        try row.expectAtMost(7, "[c2, k, s, p, g, d, act]")
        let (c1, c2, printed) = try row.convFamilyChannels()
        let k = try row.int(1, "kernel size", default: 1)
        let s = try row.int(2, "stride", default: 1)
        let p = try row.optionalInt(3, "padding")
        let g = try row.int(4, "groups", default: 1)
        let d = try row.int(5, "dilation", default: 1)
        let act = try row.bool(6, "act", default: true)
        let shared = row.defaultActivation
        return ModulePlan(outputChannels: c2, printedArguments: printed) {
            try ConvBlock(c1, c2, kernelSize: k, stride: s, padding: p, groups: g, dilation: d,
                          activation: act ? shared : nil)
        }
    }
}
