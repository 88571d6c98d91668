import YOLOConfig

/// Everything a module kind may use to plan one row: the row as written, its resolved inputs,
/// the model-wide scaling settings, and typed access to its arguments with precise errors.
public struct RowContext {
    public let row: ModelSpec.Row
    /// Input rows as absolute indices; −1 is the network input.
    public let inputRows: [Int]
    /// Output channels of each input row (`ch[f]` in Ultralytics).
    public let inputChannels: [Int]
    /// The repeat count after depth scaling.
    public let repeats: Int
    /// Arguments with `nc` and `anchors` substituted.
    public let arguments: [MarkedArgument]
    public let widthMultiple: Double
    public let channelMultiple: Int
    public let classCount: Int
    /// Channels of a Detect output convolution (anchors · (classes + 5)); never width-scaled.
    public let detectOutputChannels: Int
    /// The activation every Conv shares (SiLU unless the YAML's `activation:` says otherwise).
    public let defaultActivation: Activation

    public var index: Int { row.index }

    /// An error about this row, pointing at argument `argument` when given.
    public func error(_ message: String, argument: Int? = nil) -> ConfigError {
        if let argument, argument < arguments.count {
            return ConfigError("row \(index) (\(row.module)): \(message)", at: arguments[argument].mark)
        }
        if argument != nil {
            return ConfigError("row \(index) (\(row.module)): \(message)", at: row.argumentsMark)
        }
        return ConfigError("row \(index) (\(row.module)): \(message)", at: row.mark)
    }

    /// The only input's channels; an error if the row lists several inputs.
    public func singleInputChannels() throws -> Int {
        guard inputChannels.count == 1 else {
            throw ConfigError("row \(index) (\(row.module)): takes one input, but 'from' lists \(inputChannels.count)",
                              at: row.fromMark)
        }
        return inputChannels[0]
    }

    /// Ultralytics' `make_divisible(c · width_multiple, 8)`, except for a Detect-sized output.
    public func scaledChannels(_ channels: Int) -> Int {
        guard channels != detectOutputChannels else { return channels }
        return makeDivisible(Double(channels) * widthMultiple, by: channelMultiple)
    }

    public func hasArgument(_ position: Int) -> Bool {
        position < arguments.count && arguments[position].value != .none
    }

    /// An integer argument; `defaultValue` when absent (or None), an error when it has another type.
    public func int(_ position: Int, _ name: String, default defaultValue: Int? = nil) throws -> Int {
        guard position < arguments.count else {
            if let defaultValue { return defaultValue }
            throw error("missing argument \(position) (\(name)), an integer", argument: position)
        }
        switch arguments[position].value {
        case .int(let v): return v
        case .bool(let b): return b ? 1 : 0
        case .none where defaultValue != nil: return defaultValue!
        case let other:
            throw error("argument \(position) (\(name)) must be an integer, found \(other.kindDescription)", argument: position)
        }
    }

    /// An optional integer argument where None means "derive it" (Conv's padding).
    public func optionalInt(_ position: Int, _ name: String) throws -> Int? {
        guard hasArgument(position) else { return nil }
        return try int(position, name)
    }

    /// A boolean argument (Python truthiness for integers, as the constructors see it).
    public func bool(_ position: Int, _ name: String, default defaultValue: Bool) throws -> Bool {
        guard position < arguments.count else { return defaultValue }
        switch arguments[position].value {
        case .bool(let b): return b
        case .int(let v): return v != 0
        case let other:
            throw error("argument \(position) (\(name)) must be True or False, found \(other.kindDescription)", argument: position)
        }
    }

    /// A number argument (int or float).
    public func number(_ position: Int, _ name: String, default defaultValue: Double) throws -> Double {
        guard position < arguments.count else { return defaultValue }
        guard let value = arguments[position].value.numberValue else {
            throw error("argument \(position) (\(name)) must be a number, found \(arguments[position].value.kindDescription)",
                        argument: position)
        }
        return value
    }

    /// A list of integers (SPP's kernel sizes).
    public func intList(_ position: Int, _ name: String, default defaultValue: [Int]) throws -> [Int] {
        guard position < arguments.count else { return defaultValue }
        guard let items = arguments[position].value.listValue, !items.isEmpty else {
            throw error("argument \(position) (\(name)) must be a list of integers, found \(arguments[position].value.kindDescription)",
                        argument: position)
        }
        return try items.map {
            guard let v = $0.intValue else {
                throw error("argument \(position) (\(name)) must hold integers only, found \($0.kindDescription)", argument: position)
            }
            return v
        }
    }

    /// Fails when the row gives more arguments than the constructor takes.
    public func expectAtMost(_ count: Int, _ signature: String) throws {
        if arguments.count > count {
            throw error("takes at most \(count) arguments \(signature), found \(arguments.count)", argument: count)
        }
    }

    /// The Conv-family argument rule of Ultralytics' parse_model: `c1 = ch[from]`,
    /// `c2 = args[0]` width-scaled, printed arguments `[c1, c2, *args[1:]]`.
    public func convFamilyChannels() throws -> (input: Int, output: Int, printed: [ModuleArgument]) {
        let c1 = try singleInputChannels()
        let written = try int(0, "output channels")
        guard written > 0 else { throw error("output channels must be positive, found \(written)", argument: 0) }
        let c2 = scaledChannels(written)
        let printed: [ModuleArgument] = [.int(c1), .int(c2)] + arguments.dropFirst().map(\.value)
        return (c1, c2, printed)
    }
}

/// Ultralytics' `make_divisible`: the smallest multiple of `divisor` not below `value`.
public func makeDivisible(_ value: Double, by divisor: Int) -> Int {
    Int((value / Double(divisor)).rounded(.up)) * divisor
}
