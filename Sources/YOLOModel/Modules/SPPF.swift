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
        let x = try cv1.forward(inputs)
        let y1 = try m.forward([x])
        let y2 = try m.forward([y1])
        let y3 = try m.forward([y2])
        return try cv2.forward([ChannelOps.concatenate([x, y1, y2, y3])])
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
