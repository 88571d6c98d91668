import YOLOConfig

/// Turns a `ModelSpec` into a `Network`: resolves `from` indices, scales repeats and channels,
/// plans each row through the module registry, builds the modules and infers every shape.
///
/// This is Ultralytics' `parse_model` and the stride/anchor set-up of `DetectionModel.__init__`,
/// without `eval` and without a chain of module checks.
public struct ModelCompiler {
    public var registry: ModuleRegistry

    public init(registry: ModuleRegistry = .standard) {
        self.registry = registry
    }

    /// Compiles a spec; `classCount` overrides the YAML's `nc` as `--nc` does.
    public func compile(_ spec: ModelSpec, classCount: Int? = nil) throws -> Network {
        var spec = spec
        if let classCount {
            guard classCount > 0 else { throw ConfigError("--nc must be a positive integer, got \(classCount)", file: spec.file) }
            spec.nc = classCount
        }
        let anchorsPerLevel: Int
        switch spec.anchors {
        case .perLevel(let levels, _): anchorsPerLevel = levels[0].count / 2
        case .count(let n): anchorsPerLevel = n
        }
        let detectOutputChannels = anchorsPerLevel * (spec.nc + 5)
        let sharedActivation = Activation(spec.activation ?? .silu)

        var rows: [CompiledRow] = []
        var channels: [Int] = []  // output channels per compiled row
        for row in spec.rows {
            let inputRows = try resolveInputs(row)
            let inputChannels = inputRows.map { $0 == -1 ? spec.inputChannels : channels[$0] }
            let repeats = row.number > 1 ? max(Int((Double(row.number) * spec.depthMultiple).rounded(.toNearestOrEven)), 1)
                                         : row.number
            guard let kind = registry.kind(named: row.module) else {
                let known = registry.names.joined(separator: ", ")
                throw ConfigError("row \(row.index): unknown module '\(row.module)'; known modules: \(known)", at: row.moduleMark)
            }
            let context = RowContext(
                row: row, inputRows: inputRows, inputChannels: inputChannels, repeats: repeats,
                arguments: spec.resolvedArguments(of: row), widthMultiple: spec.widthMultiple,
                channelMultiple: spec.channelMultiple, classCount: spec.nc,
                detectOutputChannels: detectOutputChannels, defaultActivation: sharedActivation)
            let plan = try kind.plan(context)
            let module: any Module
            let typeName: String
            do {
                if repeats > 1 && !plan.consumesRepeats {
                    let copies = try (0..<repeats).map { _ in try plan.make() }
                    module = Sequential(copies)
                    typeName = copies[0].typeName  // the table names the repeated class
                } else {
                    module = try plan.make()
                    typeName = module.typeName
                }
            } catch let error as ShapeError {
                throw ConfigError("row \(row.index) (\(row.module)): \(error.message)", at: row.mark)
            }
            rows.append(CompiledRow(
                index: row.index, from: row.from, inputRows: inputRows, repeats: repeats, kindName: row.module,
                typeName: typeName,
                arguments: plan.printedArguments, outputChannels: plan.outputChannels, module: module,
                consumers: [], isSaved: false, mark: row.mark))
            channels.append(plan.outputChannels)
        }

        // Ultralytics keeps ("saves") every output referenced by an explicit index, not through -1.
        for row in rows {
            for (written, input) in zip(row.from.indices, row.inputRows) where input >= 0 {
                rows[input].consumers.append(row.index)
                if written != -1 { rows[input].isSaved = true }
            }
        }
        return try Network(spec: spec, rows: rows, activation: sharedActivation)
    }

    /// Absolute input rows: negative indices count back from the row; −1 on row 0 is the image.
    private func resolveInputs(_ row: ModelSpec.Row) throws -> [Int] {
        try row.from.indices.map { written in
            let absolute = written < 0 ? row.index + written : written
            if row.index == 0 && absolute == -1 { return -1 }
            guard absolute >= 0 && absolute < row.index else {
                let valid = row.index == 0 ? "only -1 (the image)" : "-\(row.index)...-1 or 0...\(row.index - 1)"
                throw ConfigError("row \(row.index): 'from' index \(written) is out of range; a row can only read earlier rows (\(valid))",
                                  at: row.fromMark)
            }
            return absolute
        }
    }
}
