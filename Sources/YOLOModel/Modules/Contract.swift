import TensorCore
import YOLOConfig

/// Ultralytics' `Contract`: space-to-depth by a gain s, (c, h, w) → (c·s², h/s, w/s).
public final class Contract: Module {
    public let gain: Int

    public init(gain: Int) { self.gain = gain }

    public var typeName: String { "models.common.Contract" }

    public func forward(_ inputs: [Tensor]) throws -> Tensor {
        let x = try singleTensor(inputs)
        guard x.shape[2] % gain == 0, x.shape[3] % gain == 0 else {
            throw ShapeError("Contract by \(gain) needs height and width divisible by \(gain), got \(x.shape)")
        }
        return ChannelOps.contract(x, gain: gain)
    }

    public func trainingForward(_ inputs: [Tensor]) throws -> Tensor { try forward(inputs) }

    public func backward(_ outputGradient: Tensor) throws -> [Tensor] {
        [ChannelOps.contractBackward(outputGradient, gain: gain)]
    }

    public func outputShape(for inputs: [FeatureShape], flops: inout FLOPCounter) throws -> FeatureShape {
        let input = try singleInput(inputs)
        guard input.height % gain == 0, input.width % gain == 0 else {
            throw ShapeError("Contract by \(gain) needs height and width divisible by \(gain), got \(input.height)×\(input.width)")
        }
        return FeatureShape(channels: input.channels * gain * gain, height: input.height / gain, width: input.width / gain)
    }
}

/// `Contract(gain=2)`.
public enum ContractKind: ModuleKind {
    public static let yamlName = "Contract"

    public static func plan(_ row: RowContext) throws -> ModulePlan {
        try row.expectAtMost(1, "[gain]")
        let c1 = try row.singleInputChannels()
        let gain = try row.int(0, "gain", default: 2)
        guard gain > 0 else { throw row.error("gain must be positive, found \(gain)", argument: 0) }
        return ModulePlan(outputChannels: c1 * gain * gain, printedArguments: row.arguments.map(\.value)) {
            Contract(gain: gain)
        }
    }
}
