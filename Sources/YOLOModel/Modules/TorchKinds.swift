import YOLOConfig

/// `nn.Upsample(size=None, scale_factor=None, mode='nearest')`; nearest with an integer factor.
public enum UpsampleKind: ModuleKind {
    public static let yamlName = "nn.Upsample"

    public static func plan(_ row: RowContext) throws -> ModulePlan {
        try row.expectAtMost(3, "[size, scale_factor, mode]")
        let c1 = try row.singleInputChannels()
        if row.hasArgument(0) {
            throw row.error("a fixed output size is not supported; use size None and a scale factor", argument: 0)
        }
        let factor = try row.number(1, "scale_factor", default: .nan)
        guard factor.isFinite, factor > 0, factor == factor.rounded() else {
            throw row.error("scale_factor must be a positive integer", argument: 1)
        }
        if row.arguments.count > 2 {
            guard case .string("nearest") = row.arguments[2].value else {
                throw row.error("only mode 'nearest' is supported, found \(row.arguments[2].value)", argument: 2)
            }
        }
        return ModulePlan(outputChannels: c1, printedArguments: row.arguments.map(\.value)) {
            try Upsample(scaleFactor: Int(factor))
        }
    }
}

/// `nn.MaxPool2d(kernel_size, stride=None, padding=0)` (dilation 1, floor mode).
public enum MaxPool2dKind: ModuleKind {
    public static let yamlName = "nn.MaxPool2d"

    public static func plan(_ row: RowContext) throws -> ModulePlan {
        try row.expectAtMost(3, "[kernel_size, stride, padding]")
        let c1 = try row.singleInputChannels()
        let k = try row.int(0, "kernel_size")
        let s = try row.optionalInt(1, "stride")
        let p = try row.int(2, "padding", default: 0)
        do { _ = try MaxPool2d(kernelSize: k, stride: s, padding: p) } catch let e as ShapeError {
            throw row.error(e.message, argument: 0)
        }
        return ModulePlan(outputChannels: c1, printedArguments: row.arguments.map(\.value)) {
            try MaxPool2d(kernelSize: k, stride: s, padding: p)
        }
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
