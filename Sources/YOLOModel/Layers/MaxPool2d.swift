import YOLOConfig
import TensorCore

/// `torch.nn.MaxPool2d` (floor mode): padding counts as −∞, so padded cells never win.
public final class MaxPool2d: Module {
    public let kernelSize: Int
    public let stride: Int
    public let padding: Int

    public init(kernelSize: Int, stride: Int? = nil, padding: Int = 0) throws {
        let stride = stride ?? kernelSize
        guard kernelSize > 0, stride > 0, padding >= 0 else {
            throw ShapeError("max-pool kernel \(kernelSize) and stride \(stride) must be positive and padding \(padding) non-negative")
        }
        guard padding * 2 <= kernelSize else {
            throw ShapeError("max-pool padding \(padding) must be at most half the kernel \(kernelSize)")
        }
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
    }

    public var typeName: String { "torch.nn.modules.pooling.MaxPool2d" }

    public func forward(_ inputs: [Tensor]) throws -> Tensor {
        MaxPool.forward(try singleTensor(inputs), kernelSize: kernelSize, stride: stride, padding: padding)
    }

    private var savedInput: Tensor?

    public func trainingForward(_ inputs: [Tensor]) throws -> Tensor {
        savedInput = try singleTensor(inputs)
        return try forward(inputs)
    }

    public func backward(_ outputGradient: Tensor) throws -> [Tensor] {
        let input = try saved(savedInput, "input")
        savedInput = nil
        return [MaxPool.backward(outputGradient, input: input, kernelSize: kernelSize, stride: stride, padding: padding)]
    }

    public func outputShape(for inputs: [FeatureShape], flops: inout FLOPCounter) throws -> FeatureShape {
        let input = try singleInput(inputs)
        let h = Conv2d.outputSize(input.height, kernel: kernelSize, stride: stride, padding: padding, dilation: 1)
        let w = Conv2d.outputSize(input.width, kernel: kernelSize, stride: stride, padding: padding, dilation: 1)
        guard h > 0, w > 0 else {
            throw ShapeError("a \(kernelSize)×\(kernelSize) max-pool leaves nothing of a \(input.height)×\(input.width) input")
        }
        return FeatureShape(channels: input.channels, height: h, width: w)
    }
}

/// `nn.MaxPool2d(kernel_size, stride=None, padding=0)` (dilation 1, floor mode).
public enum MaxPool2dKind: ModuleKind {
    public static let yamlName = "nn.MaxPool2d"

    public static func plan(_ row: RowContext) throws -> ModulePlan {
        try row.expectAtMost(3, "[kernel_size, stride, padding]")
        let c1 = try row.singleInputChannels()
        let k = try row.int(0, "kernel_size")
        let s = try row.optionalInt(1, "stride")
        let p = try row.int(2, "padding", default: 0)
        do { _ = try MaxPool2d(kernelSize: k, stride: s, padding: p) } catch let e as ShapeError {
            throw row.error(e.message, argument: 0)
        }
        return ModulePlan(outputChannels: c1, printedArguments: row.arguments.map(\.value)) {
            try MaxPool2d(kernelSize: k, stride: s, padding: p)
        }
    }
}
