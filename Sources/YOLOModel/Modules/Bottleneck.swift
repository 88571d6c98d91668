import TensorCore
import YOLOConfig

/// Ultralytics' `Bottleneck`: 1×1 Conv to c2·e, 3×3 Conv to c2, plus the input when
/// `shortcut` is set and the channel counts match.
public final class Bottleneck: Module {
    public let cv1: ConvBlock
    public let cv2: ConvBlock
    public let addsShortcut: Bool

    public init(_ c1: Int, _ c2: Int, shortcut: Bool = true, groups: Int = 1, expansion: Double = 0.5,
                activation: any Module) throws {
        let hidden = Int(Double(c2) * expansion)
        cv1 = try ConvBlock(c1, hidden, kernelSize: 1, stride: 1, activation: activation)
        cv2 = try ConvBlock(hidden, c2, kernelSize: 3, stride: 1, groups: groups, activation: activation)
        addsShortcut = shortcut && c1 == c2
    }

    public var typeName: String { "models.common.Bottleneck" }

    public var children: [(name: String, module: any Module)] { [("cv1", cv1), ("cv2", cv2)] }

    public func forward(_ inputs: [Tensor]) throws -> Tensor {
        let x = try singleTensor(inputs)
        var y = try cv2.forward([try cv1.forward([x])])
        if addsShortcut { ChannelOps.addInPlace(&y, x) }  // x + cv2(cv1(x)); addition order does not change the sum
        return y
    }

    /// True when the block can work inside a C3's buffer: both convolutions folded, stride 1,
    /// channels kept (the hidden convolution's output is a separate tensor).
    var runsInPlace: Bool {
        cv1.isFused && cv2.isFused && cv2.conv.stride == 1 && cv1.conv.stride == 1
            && cv1.conv.inputChannels == cv2.conv.outputChannels
    }

    /// The forward pass on the first `channels` channels of `buffer` [batch, C, height, width],
    /// written back over them: y = x + cv2(cv1(x)) (or cv2(cv1(x))), the shortcut added in
    /// cv2's epilogue. x is only read by cv1 and by the epilogue at the position it writes.
    func forwardInPlace(_ buffer: inout Tensor, channels: Int, batch: Int, height: Int, width: Int) throws {
        let imageStride = buffer.shape[1] * height * width
        let hiddenConv = cv1.conv, outputConv = cv2.conv
        guard outputConv.geometry.outputSize(height) == height, outputConv.geometry.outputSize(width) == width else {
            throw ShapeError("a bottleneck inside C3 must keep the \(height)×\(width) size")
        }
        var hidden = Tensor(uninitializedShape: [batch, hiddenConv.outputChannels, height, width])
        buffer.storage.withUnsafeBufferPointer { source in
            hidden.storage.withUnsafeMutableBufferPointer { target in
                cv1.forward(FeatureBlock(source.baseAddress!, batch: batch, channels: channels, height: height, width: width,
                                         imageStride: imageStride),
                            into: target.baseAddress!, outputImageStride: hiddenConv.outputChannels * height * width)
            }
        }
        hidden.storage.withUnsafeBufferPointer { source in
            buffer.storage.withUnsafeMutableBufferPointer { target in
                cv2.forward(FeatureBlock(source.baseAddress!, batch: batch, channels: hiddenConv.outputChannels,
                                         height: height, width: width),
                            into: target.baseAddress!, outputImageStride: imageStride, adding: addsShortcut)
            }
        }
    }

    public func trainingForward(_ inputs: [Tensor]) throws -> Tensor {
        let x = try singleTensor(inputs)
        var y = try cv2.trainingForward([try cv1.trainingForward([x])])
        if addsShortcut { ChannelOps.addInPlace(&y, x) }
        return y
    }

    public func backward(_ outputGradient: Tensor) throws -> [Tensor] {
        var dx = try cv1.backward(try cv2.backward(outputGradient)[0])[0]
        if addsShortcut { ChannelOps.addInPlace(&dx, outputGradient) }  // the shortcut passes dY straight through
        return [dx]
    }

    public func outputShape(for inputs: [FeatureShape], flops: inout FLOPCounter) throws -> FeatureShape {
        let hidden = try cv1.outputShape(for: inputs, flops: &flops)
        return try cv2.outputShape(for: [hidden], flops: &flops)
    }
}

/// `Bottleneck(c1, c2, shortcut=True, g=1, e=0.5)`.
public enum BottleneckKind: ModuleKind {
    public static let yamlName = "Bottleneck"

    public static func plan(_ row: RowContext) throws -> ModulePlan {
        try row.expectAtMost(4, "[c2, shortcut, g, e]")
        let (c1, c2, printed) = try row.convFamilyChannels()
        let shortcut = try row.bool(1, "shortcut", default: true)
        let g = try row.int(2, "groups", default: 1)
        let e = try row.number(3, "expansion", default: 0.5)
        let shared = row.defaultActivation
        return ModulePlan(outputChannels: c2, printedArguments: printed) {
            try Bottleneck(c1, c2, shortcut: shortcut, groups: g, expansion: e, activation: shared)
        }
    }
}
