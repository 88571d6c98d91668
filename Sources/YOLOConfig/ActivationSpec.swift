/// The activation named by a model YAML's optional `activation:` key (SiLU when absent).
public enum ActivationSpec: Sendable, Equatable, CustomStringConvertible {
    case silu
    case leakyReLU(negativeSlope: Double)
    case relu
    case hardswish
    case sigmoid
    case identity

    /// Reads the Python expressions Ultralytics' YAML files use, e.g. `nn.LeakyReLU(0.1)`.
    /// Only these constructor calls are recognised; nothing is evaluated.
    public static func parse(_ text: String, mark: SourceMark) throws -> ActivationSpec {
        let compact = text.filter { !$0.isWhitespace }
        let name: Substring
        var argument: Substring? = nil
        if let open = compact.firstIndex(of: "("), compact.hasSuffix(")") {
            name = compact[..<open]
            let inside = compact[compact.index(after: open)..<compact.index(before: compact.endIndex)]
            argument = inside.isEmpty ? nil : inside
        } else {
            name = Substring(compact)
        }
        let bare = name.hasPrefix("nn.") ? name.dropFirst(3) : name
        let expected = "expected one of nn.SiLU(), nn.LeakyReLU(slope), nn.ReLU(), nn.Hardswish(), nn.Sigmoid(), nn.Identity()"
        func noArgument(_ spec: ActivationSpec) throws -> ActivationSpec {
            guard argument == nil else {
                throw ConfigError("activation '\(text)' takes no argument here; \(expected)", at: mark)
            }
            return spec
        }
        switch bare {
        case "SiLU": return try noArgument(.silu)
        case "ReLU": return try noArgument(.relu)
        case "Hardswish": return try noArgument(.hardswish)
        case "Sigmoid": return try noArgument(.sigmoid)
        case "Identity": return try noArgument(.identity)
        case "LeakyReLU":
            guard let argument else { return .leakyReLU(negativeSlope: 0.01) }
            let value = argument.hasPrefix("negative_slope=") ? argument.dropFirst("negative_slope=".count) : argument
            guard let slope = Double(String(value)) else {
                throw ConfigError("activation '\(text)': the slope must be a number", at: mark)
            }
            return .leakyReLU(negativeSlope: slope)
        default:
            throw ConfigError("unknown activation '\(text)'; \(expected)", at: mark)
        }
    }

    /// PyTorch's repr of the module, as model summaries print it.
    public var description: String {
        switch self {
        case .silu: return "SiLU()"
        case .leakyReLU(let slope): return "LeakyReLU(negative_slope=\(pythonFloatRepr(slope)))"
        case .relu: return "ReLU()"
        case .hardswish: return "Hardswish()"
        case .sigmoid: return "Sigmoid()"
        case .identity: return "Identity()"
        }
    }
}
