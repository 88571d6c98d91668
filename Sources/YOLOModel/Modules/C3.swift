import TensorCore
import YOLOConfig

/// Ultralytics' `C3`: two 1×1 branches to c2·e, n bottlenecks on the first, concatenated and
/// fused by a 1×1 Conv. `C3Ghost` is the same block with ghost bottlenecks.
public final class C3: Module, ReadsConcatenationInPlace {
    public let cv1: ConvBlock
    public let cv2: ConvBlock
    public let cv3: ConvBlock
    public let m: Sequential
    public let typeName: String

    /// `makeInner` builds the block repeated inside, given the hidden channel count.
    public init(_ c1: Int, _ c2: Int, repeats: Int, expansion: Double = 0.5, activation: any Module,
                typeName: String = "models.common.C3", makeInner: (Int) throws -> any Module) throws {
        let hidden = Int(Double(c2) * expansion)
        cv1 = try ConvBlock(c1, hidden, activation: activation)
        cv2 = try ConvBlock(c1, hidden, activation: activation)
        cv3 = try ConvBlock(2 * hidden, c2, activation: activation)
        m = Sequential(try (0..<repeats).map { _ in try makeInner(hidden) })
        self.typeName = typeName
    }

    public var children: [(name: String, module: any Module)] {
        [("cv1", cv1), ("cv2", cv2), ("cv3", cv3), ("m", m)]
    }

    public func forward(_ inputs: [Tensor]) throws -> Tensor {
        let x = try singleTensor(inputs)
        if cv1.isFused && cv2.isFused { return try fusedForward(x) }
        let branch = try m.forward([try cv1.forward([x])])
        return try cv3.forward([ChannelOps.concatenate([branch, try cv2.forward([x])])])
    }

    public func trainingForward(_ inputs: [Tensor]) throws -> Tensor {
        let x = try singleTensor(inputs)
        let hidden = cv1.outputChannels
        hiddenChannels = hidden
        if let branches = StackedConvBlocks([cv1, cv2]) {
            // cv1 and cv2 as one product; the bottlenecks' result then replaces cv1's half in
            // place, which makes the concatenation
            var joined = try branches.trainingForward(x)
            let branch = try m.trainingForward([ChannelOps.channels(joined, from: 0, count: hidden)])
            ChannelOps.replaceChannels(&joined, from: 0, with: branch)
            stackedBranches = branches
            return try cv3.trainingForward([joined])
        }
        let branch = try m.trainingForward([try cv1.trainingForward([x])])
        let side = try cv2.trainingForward([x])
        return try cv3.trainingForward([ChannelOps.concatenate([branch, side])])
    }

    private var hiddenChannels: Int?
    /// cv1 and cv2 when the training forward ran them stacked.
    private var stackedBranches: StackedConvBlocks?

    public func backward(_ outputGradient: Tensor) throws -> [Tensor] {
        let hidden = try saved(hiddenChannels, "hidden channel count")
        if let branches = stackedBranches {
            stackedBranches = nil
            var dJoined = try cv3.backward(outputGradient)[0]
            let dBranch = try m.backward(ChannelOps.channels(dJoined, from: 0, count: hidden))[0]
            ChannelOps.replaceChannels(&dJoined, from: 0, with: dBranch)
            return [try branches.backward(dJoined)]
        }
        let halves = ChannelOps.split(try cv3.backward(outputGradient)[0], channelCounts: [hidden, hidden])
        var dx = try cv1.backward(try m.backward(halves[0])[0])[0]
        ChannelOps.addInPlace(&dx, try cv2.backward(halves[1])[0])
        return [dx]
    }

    /// cv1 and cv2 read the same input with 1×1 kernels, so once their batch norms are folded
    /// they run as one GEMM with stacked weights, whose output already is the concatenation's
    /// layout. Plain bottlenecks then work inside that buffer: each reads the cv1 half in place
    /// and writes its result back over it (adding the shortcut in its last convolution's
    /// epilogue), so neither the split, the shortcut nor the concatenation costs a pass over
    /// memory; cv3 reads the buffer as it is.
    private func fusedForward(_ x: Tensor) throws -> Tensor {
        let (w, b, packed) = stackedBranchWeights()
        let geometry = Conv2DGeometry(inputChannels: cv1.conv.inputChannels, outputChannels: w.shape[0], kernelSize: 1)
        guard x.shape.count == 4, x.shape[1] == geometry.inputChannels else {
            throw ShapeError("C3 expects \(geometry.inputChannels) input channels, got shape \(x.shape)")
        }
        var both = Conv2D.forward(x, weight: w, bias: b, geometry: geometry, activation: cv1.activationFunction,
                                  packedWeights: packed)
        return try fusedForward(branches: &both)
    }

    /// The rest of the fused forward, from cv1 and cv2's outputs side by side (inout: the
    /// bottlenecks write into the buffer, which must not be shared, or it would be copied).
    private func fusedForward(branches both: inout Tensor) throws -> Tensor {
        let hidden = cv1.conv.outputChannels
        let bottlenecks = m.layers.compactMap { $0 as? Bottleneck }
        guard bottlenecks.count == m.layers.count, bottlenecks.allSatisfy(\.runsInPlace) else {
            let branch = try m.forward([ChannelOps.channels(both, from: 0, count: hidden)])
            ChannelOps.replaceChannels(&both, from: 0, with: branch)
            return try cv3.forward([both])
        }
        let (batch, height, width) = (both.shape[0], both.shape[2], both.shape[3])
        for bottleneck in bottlenecks {
            try bottleneck.forwardInPlace(&both, channels: hidden, batch: batch, height: height, width: width)
        }
        return try cv3.forward([both])
    }

    public var readsConcatenationInPlace: Bool { cv1.isFused && cv2.isFused }

    /// The fused forward of the concatenation of `parts` (each upsampled by its scale), whose
    /// only reader, the stacked cv1/cv2 convolution, reads every channel where it is.
    public func forward(concatenating parts: [(map: Tensor, scale: Int)]) throws -> Tensor {
        guard readsConcatenationInPlace else { throw ShapeError("C3 reads a concatenation in place only once fused") }
        let shapes = parts.map(\.map.shape)
        guard let first = parts.first, shapes.allSatisfy({ $0.count == 4 }) else {
            throw ShapeError("C3 expects [batch, channels, h, w] maps to concatenate, got \(shapes)")
        }
        let (height, width) = (first.map.shape[2] * first.scale, first.map.shape[3] * first.scale)
        for part in parts where part.map.shape[0] != first.map.shape[0] || part.map.shape[2] * part.scale != height
            || part.map.shape[3] * part.scale != width {
            throw ShapeError("cannot concatenate \(shapes) (scales \(parts.map(\.scale))): sizes differ (input size not a multiple of the stride?)")
        }
        let channels = shapes.reduce(0) { $0 + $1[1] }
        guard channels == cv1.conv.inputChannels else {
            throw ShapeError("C3 expects \(cv1.conv.inputChannels) input channels, the concatenation has \(channels)")
        }
        let (w, b, packed) = stackedBranchWeights()
        var both = Conv2D.pointwiseForward(concatenating: parts, weight: w, bias: b, activation: cv1.activationFunction,
                                           packedWeights: packed)
        return try fusedForward(branches: &both)
    }

    private var stackedWeights: (weight: Tensor, bias: Tensor, packed: PackedConvolutionWeights)?

    private func stackedBranchWeights() -> (Tensor, Tensor, PackedConvolutionWeights) {
        if let stackedWeights { return stackedWeights }
        let hidden = cv1.conv.outputChannels
        let weight = Tensor(shape: [2 * hidden, cv1.conv.inputChannels, 1, 1],
                            values: cv1.conv.weight.storage + cv2.conv.weight.storage)
        let bias = Tensor(shape: [2 * hidden], values: (cv1.conv.bias?.storage ?? []) + (cv2.conv.bias?.storage ?? []))
        let packed = PackedConvolutionWeights(
            weight, geometry: Conv2DGeometry(inputChannels: cv1.conv.inputChannels, outputChannels: 2 * hidden, kernelSize: 1))
        stackedWeights = (weight, bias, packed)
        return (weight, bias, packed)
    }

    public func outputShape(for inputs: [FeatureShape], flops: inout FLOPCounter) throws -> FeatureShape {
        let branch = try m.outputShape(for: [try cv1.outputShape(for: inputs, flops: &flops)], flops: &flops)
        let side = try cv2.outputShape(for: inputs, flops: &flops)
        let joined = try concatenate([branch, side])
        return try cv3.outputShape(for: [joined], flops: &flops)
    }
}

/// The arguments of the C3 family `(c1, c2, n, shortcut=True, g=1, e=0.5)`, where the row's
/// repeat count becomes n, as Ultralytics' parse_model inserts it.
struct C3FamilyArguments {
    let c1: Int, c2: Int, repeats: Int, shortcut: Bool, groups: Int, expansion: Double
    let printed: [ModuleArgument]

    init(_ row: RowContext) throws {
        try row.expectAtMost(4, "[c2, shortcut, g, e]")
        let (c1, c2, printed) = try row.convFamilyChannels()
        self.c1 = c1
        self.c2 = c2
        repeats = row.repeats
        shortcut = try row.bool(1, "shortcut", default: true)
        groups = try row.int(2, "groups", default: 1)
        expansion = try row.number(3, "expansion", default: 0.5)
        var withRepeats = printed
        withRepeats.insert(.int(row.repeats), at: 2)
        self.printed = withRepeats
    }
}

/// `C3(c1, c2, n=1, shortcut=True, g=1, e=0.5)`.
public enum C3Kind: ModuleKind {
    public static let yamlName = "C3"

    public static func plan(_ row: RowContext) throws -> ModulePlan {
        let a = try C3FamilyArguments(row)
        let shared = row.defaultActivation
        return ModulePlan(outputChannels: a.c2, printedArguments: a.printed, consumesRepeats: true) {
            try C3(a.c1, a.c2, repeats: a.repeats, expansion: a.expansion, activation: shared) { hidden in
                try Bottleneck(hidden, hidden, shortcut: a.shortcut, groups: a.groups, expansion: 1.0, activation: shared)
            }
        }
    }
}

/// `C3Ghost(c1, c2, n=1, shortcut=True, g=1, e=0.5)`: C3 whose inner blocks are GhostBottlenecks
/// (which ignore shortcut and groups, as in Ultralytics).
public enum C3GhostKind: ModuleKind {
    public static let yamlName = "C3Ghost"

    public static func plan(_ row: RowContext) throws -> ModulePlan {
        let a = try C3FamilyArguments(row)
        let shared = row.defaultActivation
        return ModulePlan(outputChannels: a.c2, printedArguments: a.printed, consumesRepeats: true) {
            try C3(a.c1, a.c2, repeats: a.repeats, expansion: a.expansion, activation: shared,
                   typeName: "models.common.C3Ghost") { hidden in
                try GhostBottleneck(hidden, hidden, activation: shared)
            }
        }
    }
}

/// Channel concatenation of feature maps of equal height and width.
func concatenate(_ shapes: [FeatureShape]) throws -> FeatureShape {
    guard let first = shapes.first else { throw ShapeError("nothing to concatenate") }
    for shape in shapes.dropFirst() where shape.height != first.height || shape.width != first.width {
        throw ShapeError("cannot concatenate feature maps of different sizes: "
                         + shapes.map(\.description).joined(separator: ", "))
    }
    return FeatureShape(channels: shapes.reduce(0) { $0 + $1.channels }, height: first.height, width: first.width)
}
