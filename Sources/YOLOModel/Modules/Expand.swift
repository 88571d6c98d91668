import TensorCore
import YOLOConfig

/// Ultralytics' `Expand`: depth-to-space by a gain s, (c, h, w) → (c/s², h·s, w·s).
public final class Expand: Module {
    public let gain: Int

    public init(gain: Int) { self.gain = gain }

    public var typeName: String { "models.common.Expand" }

    public func forward(_ inputs: [Tensor]) throws -> Tensor {
        ChannelOps.expand(try singleTensor(inputs), gain: gain)
    }

    public func trainingForward(_ inputs: [Tensor]) throws -> Tensor { try forward(inputs) }

    public func backward(_ outputGradient: Tensor) throws -> [Tensor] {
        [ChannelOps.expandBackward(outputGradient, gain: gain)]
    }

    public func outputShape(for inputs: [FeatureShape], flops: inout FLOPCounter) throws -> FeatureShape {
        let input = try singleInput(inputs)
        guard input.channels % (gain * gain) == 0 else {
            throw ShapeError("Expand by \(gain) needs channels divisible by \(gain * gain), got \(input.channels)")
        }
        return FeatureShape(channels: input.channels / (gain * gain), height: input.height * gain, width: input.width * gain)
    }
}

/// `Expand(gain=2)`.
public enum ExpandKind: ModuleKind {
    public static let yamlName = "Expand"

    public static func plan(_ row: RowContext) throws -> ModulePlan {
        try row.expectAtMost(1, "[gain]")
        let c1 = try row.singleInputChannels()
        let gain = try row.int(0, "gain", default: 2)
        guard gain > 0 else { throw row.error("gain must be positive, found \(gain)", argument: 0) }
        guard c1 % (gain * gain) == 0 else {
            throw row.error("Expand by \(gain) needs input channels divisible by \(gain * gain), found \(c1)", argument: 0)
        }
        return ModulePlan(outputChannels: c1 / (gain * gain), printedArguments: row.arguments.map(\.value)) {
            Expand(gain: gain)
        }
    }
}
