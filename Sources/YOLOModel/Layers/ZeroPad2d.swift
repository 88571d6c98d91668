import YOLOConfig
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

    public func trainingForward(_ inputs: [Tensor]) throws -> Tensor { try forward(inputs) }

    public func backward(_ outputGradient: Tensor) throws -> [Tensor] {
        [ChannelOps.zeroPadBackward(outputGradient, left: left, right: right, top: top, bottom: bottom)]
    }

    public func outputShape(for inputs: [FeatureShape], flops: inout FLOPCounter) throws -> FeatureShape {
        let input = try singleInput(inputs)
        return FeatureShape(channels: input.channels, height: input.height + top + bottom,
                            width: input.width + left + right)
    }
}

/// `nn.ZeroPad2d(padding)` with one int for all sides or `[left, right, top, bottom]`.
public enum ZeroPad2dKind: ModuleKind {
    public static let yamlName = "nn.ZeroPad2d"

    public static func plan(_ row: RowContext) throws -> ModulePlan {
        try row.expectAtMost(1, "[padding]")
        let c1 = try row.singleInputChannels()
        let sides: [Int]
        if let single = row.arguments.first?.value.intValue {
            sides = [single, single, single, single]
        } else {
            sides = try row.intList(0, "padding", default: [])
            guard sides.count == 4 else {
                throw row.error("padding must be an integer or [left, right, top, bottom]", argument: 0)
            }
        }
        guard sides.allSatisfy({ $0 >= 0 }) else { throw row.error("padding must be non-negative", argument: 0) }
        return ModulePlan(outputChannels: c1, printedArguments: row.arguments.map(\.value)) {
            try ZeroPad2d(left: sides[0], right: sides[1], top: sides[2], bottom: sides[3])
        }
    }
}
