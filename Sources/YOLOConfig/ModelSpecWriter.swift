extension ModelSpec {
    /// The spec written back as an Ultralytics-format model YAML (rows in flow style). Reading
    /// the text gives an equal spec; Ultralytics can read it too. Used to embed a model's
    /// description in the weight files this project writes.
    public var yamlText: String {
        var lines: [String] = []
        lines.append("nc: \(nc)")
        lines.append("depth_multiple: \(pythonFloatRepr(depthMultiple))")
        lines.append("width_multiple: \(pythonFloatRepr(widthMultiple))")
        switch anchors {
        case .count(let n):
            lines.append("anchors: \(n)")
        case .perLevel(_, let written):
            lines.append("anchors:")
            for level in written.listValue ?? [] { lines.append("  - \(level)") }
        }
        if let activation { lines.append("activation: \(activation.yamlExpression)") }
        if channelMultiple != 8 { lines.append("channel_multiple: \(channelMultiple)") }
        if inputChannels != 3 { lines.append("ch: \(inputChannels)") }
        let split = backboneRowCount ?? rows.count
        for (section, sectionRows) in [("backbone", rows[..<split]), ("head", rows[split...])] {
            lines.append("\(section):")
            lines.append("  [")
            for row in sectionRows {
                let args = ModuleArgument.list(row.arguments.map(\.value)).description
                lines.append("    [\(row.from), \(row.number), \(row.module), \(args)],")
            }
            lines.append("  ]")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension ActivationSpec {
    /// The Python expression Ultralytics' YAML files use for this activation.
    public var yamlExpression: String {
        switch self {
        case .silu: return "nn.SiLU()"
        case .leakyReLU(let slope): return "nn.LeakyReLU(\(pythonFloatRepr(slope)))"
        case .relu: return "nn.ReLU()"
        case .hardswish: return "nn.Hardswish()"
        case .sigmoid: return "nn.Sigmoid()"
        case .identity: return "nn.Identity()"
        }
    }
}
