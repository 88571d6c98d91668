import YOLOConfig

/// One row of the layer graph IR: a YAML row after scaling, argument resolution and building.
public struct CompiledRow {
    public let index: Int
    /// `from` as written (printed in the model table).
    public let from: ModelSpec.From
    /// Input rows as absolute indices; −1 is the network input.
    public let inputRows: [Int]
    /// The repeat count after depth scaling.
    public let repeats: Int
    /// The YAML module name (`C3`) and PyTorch's class path (`models.common.C3`).
    public let kindName: String
    public let typeName: String
    /// Constructor arguments after resolution, as Ultralytics prints them.
    public let arguments: [ModuleArgument]
    public let outputChannels: Int
    /// The module, or a Sequential of `repeats` modules for a repeated row.
    public let module: any Module
    /// Rows that read this row's output.
    public internal(set) var consumers: [Int]
    /// True when a row other than the next one reads the output, so it must be kept after the
    /// next row runs (Ultralytics' `save` list).
    public internal(set) var isSaved: Bool
    public let mark: SourceMark

    public var parameterCount: Int { module.parameterCount }

    /// The row's tensors with their state_dict names (`model.N.…`).
    public var namedTensors: [NamedTensorSpec] { module.namedTensors(prefix: "model.\(index)") }
}
