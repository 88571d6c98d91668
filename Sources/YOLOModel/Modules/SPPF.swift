import TensorCore
import YOLOConfig

/// Ultralytics' `SPPF`: SPP(5, 9, 13) computed as one k×k max-pool applied three times in a chain.
public final class SPPF: Module {
    public let cv1: ConvBlock
    public let cv2: ConvBlock
    public let m: MaxPool2d

    public init(_ c1: Int, _ c2: Int, kernelSize: Int, activation: any Module) throws {
        let hidden = c1 / 2
        cv1 = try ConvBlock(c1, hidden, activation: activation)
        cv2 = try ConvBlock(hidden * 4, c2, activation: activation)
        m = try MaxPool2d(kernelSize: kernelSize, stride: 1, padding: kernelSize / 2)
    }

    public var typeName: String { "models.common.SPPF" }

    public var children: [(name: String, module: any Module)] { [("cv1", cv1), ("cv2", cv2), ("m", m)] }

    public func forward(_ inputs: [Tensor]) throws -> Tensor {
        if cv1.isFused && m.stride == 1 { return try forwardInOneBuffer(try singleTensor(inputs)) }
        let x = try cv1.forward(inputs)
        let y1 = try m.forward([x])
        let y2 = try m.forward([y1])
        let y3 = try m.forward([y2])
        return try cv2.forward([ChannelOps.concatenate([x, y1, y2, y3])])
    }

    /// Once cv1's batch norm is folded, cv1 and the three pools write their maps side by side
    /// into one buffer, each pool reading the slice before its own: the buffer is the
    /// concatenation cv2 reads, so it costs no copy (at 320 the copy was a serial pass over
    /// 200 KB between the pools and cv2).
    private func forwardInOneBuffer(_ x: Tensor) throws -> Tensor {
        let conv = cv1.conv
        guard x.shape.count == 4, x.shape[1] == conv.inputChannels else {
            throw ShapeError("SPPF expects [batch, \(conv.inputChannels), h, w], got \(x.shape)")
        }
        let (batch, height, width) = (x.shape[0], x.shape[2], x.shape[3])
        let (hidden, g) = (conv.outputChannels, conv.geometry)
        let (outH, outW) = (g.outputSize(height), g.outputSize(width))
        guard outH + 2 * m.padding - m.kernelSize + 1 == outH, outW + 2 * m.padding - m.kernelSize + 1 == outW else {
            throw ShapeError("SPPF's pooling must keep the \(outH)×\(outW) size to be concatenated")
        }
        let slice = hidden * outH * outW
        var joined = Tensor(uninitializedShape: [batch, 4 * hidden, outH, outW])
        x.storage.withUnsafeBufferPointer { source in
            joined.storage.withUnsafeMutableBufferPointer { target in
                let base = target.baseAddress!
                cv1.forward(FeatureBlock(source.baseAddress!, batch: batch, channels: conv.inputChannels, height: height,
                                         width: width),
                            into: base, outputImageStride: 4 * slice)
                for level in 0..<3 {
                    MaxPool.forwardStrideOne(FeatureBlock(base + level * slice, batch: batch, channels: hidden, height: outH,
                                                          width: outW, imageStride: 4 * slice),
                                             kernelSize: m.kernelSize, padding: m.padding, output: base + (level + 1) * slice,
                                             outputImageStride: 4 * slice)
                }
            }
        }
        return try cv2.forward([joined])
    }

    /// The three pools share one module, so the chain's inputs are kept here rather than in it.
    private var savedPoolInputs: [Tensor]?

    public func trainingForward(_ inputs: [Tensor]) throws -> Tensor {
        let x = try cv1.trainingForward(inputs)
        let y1 = try m.forward([x])
        let y2 = try m.forward([y1])
        let y3 = try m.forward([y2])
        savedPoolInputs = [x, y1, y2]
        return try cv2.trainingForward([ChannelOps.concatenate([x, y1, y2, y3])])
    }

    public func backward(_ outputGradient: Tensor) throws -> [Tensor] {
        let poolInputs = try saved(savedPoolInputs, "pool inputs")
        savedPoolInputs = nil
        let hidden = cv1.outputChannels
        let pieces = ChannelOps.split(try cv2.backward(outputGradient)[0], channelCounts: [hidden, hidden, hidden, hidden])
        // walk the chain back: dy3 → y2, (dy2 + that) → y1, (dy1 + that) → x
        var carried = pieces[3]
        for level in stride(from: 2, through: 0, by: -1) {
            var upstream = MaxPool.backward(carried, input: poolInputs[level], kernelSize: m.kernelSize,
                                            stride: m.stride, padding: m.padding)
            ChannelOps.addInPlace(&upstream, pieces[level])
            carried = upstream
        }
        return try cv1.backward(carried)
    }

    public func outputShape(for inputs: [FeatureShape], flops: inout FLOPCounter) throws -> FeatureShape {
        let x = try cv1.outputShape(for: inputs, flops: &flops)
        let y1 = try m.outputShape(for: [x], flops: &flops)
        let y2 = try m.outputShape(for: [y1], flops: &flops)
        let y3 = try m.outputShape(for: [y2], flops: &flops)
        return try cv2.outputShape(for: [try concatenate([x, y1, y2, y3])], flops: &flops)
    }
}

/// `SPPF(c1, c2, k=5)`.
public enum SPPFKind: ModuleKind {
    public static let yamlName = "SPPF"

    public static func plan(_ row: RowContext) throws -> ModulePlan {
        try row.expectAtMost(2, "[c2, k]")
        let (c1, c2, printed) = try row.convFamilyChannels()
        let k = try row.int(1, "kernel size", default: 5)
        guard k > 0, k % 2 == 1 else {
            throw row.error("SPPF kernel size must be odd and positive to keep the size, found \(k)", argument: 1)
        }
        let shared = row.defaultActivation
        return ModulePlan(outputChannels: c2, printedArguments: printed) {
            try SPPF(c1, c2, kernelSize: k, activation: shared)
        }
    }
}
