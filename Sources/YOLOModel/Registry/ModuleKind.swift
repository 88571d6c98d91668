import YOLOConfig

/// One kind of module a model YAML can name. Each kind is one type, registered once in
/// `ModuleRegistry` under its YAML name; the compiler never switches over kinds.
public protocol ModuleKind {
    /// The name rows use in the module field (`C3`, `nn.Upsample`).
    static var yamlName: String { get }
    /// Resolves the row's arguments and output channels and says how to build one instance.
    static func plan(_ row: RowContext) throws -> ModulePlan
}

/// What a kind decided for one row.
public struct ModulePlan {
    /// Channels of the row's output, which later rows see as their input channels.
    public var outputChannels: Int
    /// The constructor arguments after resolution, printed in the model table as Ultralytics does.
    public var printedArguments: [ModuleArgument]
    /// True when the kind takes the repeat count itself (C3 and friends repeat their inner
    /// bottlenecks); otherwise a row with n > 1 becomes a Sequential of n instances.
    public var consumesRepeats: Bool
    /// Builds one instance; called once, or n times for a repeated row.
    public var make: () throws -> any Module

    public init(outputChannels: Int, printedArguments: [ModuleArgument], consumesRepeats: Bool = false,
                make: @escaping () throws -> any Module) {
        self.outputChannels = outputChannels
        self.printedArguments = printedArguments
        self.consumesRepeats = consumesRepeats
        self.make = make
    }
}
