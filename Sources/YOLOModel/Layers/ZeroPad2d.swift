import TensorCore

/// `torch.nn.ZeroPad2d` with (left, right, top, bottom) padding.
public final class ZeroPad2d: Module {
    public let left: Int, right: Int, top: Int, bottom: Int

    public init(left: Int, right: Int, top: Int, bottom: Int) throws {
        guard min(left, right, top, bottom) >= 0 else {
            throw ShapeError("zero padding must be non-negative, got (\(left), \(right), \(top), \(bottom))")
        }
        self.left = left
        self.right = right
        self.top = top
        self.bottom = bottom
    }

    public var typeName: String { "torch.nn.modules.padding.ZeroPad2d" }

    public func forward(_ inputs: [Tensor]) throws -> Tensor {
        ChannelOps.zeroPad(try singleTensor(inputs), left: left, right: right, top: top, bottom: bottom)
    }

    public func outputShape(for inputs: [FeatureShape], flops: inout FLOPCounter) throws -> FeatureShape {
        let input = try singleInput(inputs)
        return FeatureShape(channels: input.channels, height: input.height + top + bottom,
                            width: input.width + left + right)
    }
}
