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
