import TensorCore
import YOLOConfig

/// Ultralytics' `SPP`: a 1×1 Conv to c1/2, max-pools of several sizes in parallel (stride 1,
/// "same" padding), the input and the pools concatenated, and a 1×1 Conv to c2.
public final class SPP: Module {
    public let cv1: ConvBlock
    public let cv2: ConvBlock
    public let m: ModuleList

    public init(_ c1: Int, _ c2: Int, kernelSizes: [Int], activation: any Module) throws {
        let hidden = c1 / 2
        cv1 = try ConvBlock(c1, hidden, activation: activation)
        cv2 = try ConvBlock(hidden * (kernelSizes.count + 1), c2, activation: activation)
        m = ModuleList(try kernelSizes.map { try MaxPool2d(kernelSize: $0, stride: 1, padding: $0 / 2) })
    }

    public var typeName: String { "models.common.SPP" }

    public var children: [(name: String, module: any Module)] { [("cv1", cv1), ("cv2", cv2), ("m", m)] }

    public func forward(_ inputs: [Tensor]) throws -> Tensor {
        let x = try cv1.forward(inputs)
        let pooled = try m.items.map { try $0.forward([x]) }
        return try cv2.forward([ChannelOps.concatenate([x] + pooled)])
    }

    private var pooledCount: Int?

    public func trainingForward(_ inputs: [Tensor]) throws -> Tensor {
        let x = try cv1.trainingForward(inputs)
        let pooled = try m.items.map { try $0.trainingForward([x]) }
        pooledCount = pooled.count
        return try cv2.trainingForward([ChannelOps.concatenate([x] + pooled)])
    }

    public func backward(_ outputGradient: Tensor) throws -> [Tensor] {
        let count = try saved(pooledCount, "pool count")
        let dJoined = try cv2.backward(outputGradient)[0]
        let hidden = cv1.outputChannels
        let pieces = ChannelOps.split(dJoined, channelCounts: Array(repeating: hidden, count: count + 1))
        var dx = pieces[0]
        for (pool, piece) in zip(m.items, pieces.dropFirst()) { ChannelOps.addInPlace(&dx, try pool.backward(piece)[0]) }
        return try cv1.backward(dx)
    }

    public func outputShape(for inputs: [FeatureShape], flops: inout FLOPCounter) throws -> FeatureShape {
        let hidden = try cv1.outputShape(for: inputs, flops: &flops)
        var branches = [hidden]
        for pool in m.items { branches.append(try pool.outputShape(for: [hidden], flops: &flops)) }
        return try cv2.outputShape(for: [try concatenate(branches)], flops: &flops)
    }
}

/// `SPP(c1, c2, k=(5, 9, 13))`.
public enum SPPKind: ModuleKind {
    public static let yamlName = "SPP"

    public static func plan(_ row: RowContext) throws -> ModulePlan {
        try row.expectAtMost(2, "[c2, k]")
        let (c1, c2, printed) = try row.convFamilyChannels()
        let kernels = try row.intList(1, "kernel sizes", default: [5, 9, 13])
        for k in kernels where k <= 0 || k % 2 == 0 {
            throw row.error("SPP kernel sizes must be odd and positive to keep the size, found \(k)", argument: 1)
        }
        let shared = row.defaultActivation
        return ModulePlan(outputChannels: c2, printedArguments: printed) {
            try SPP(c1, c2, kernelSizes: kernels, activation: shared)
        }
    }
}
