import YOLOConfig

/// The module kinds a model YAML can name, looked up by YAML name.
public struct ModuleRegistry {
    private var kinds: [String: any ModuleKind.Type] = [:]

    public init(_ kinds: [any ModuleKind.Type]) {
        for kind in kinds { register(kind) }
    }

    public mutating func register(_ kind: any ModuleKind.Type) {
        kinds[kind.yamlName] = kind
    }

    public func kind(named name: String) -> (any ModuleKind.Type)? { kinds[name] }

    public var names: [String] { kinds.keys.sorted() }

    /// Every kind this project implements. Adding a kind means adding its type to this list.
    public static let standard = ModuleRegistry([
        ConvKind.self, DWConvKind.self, GhostConvKind.self, FocusKind.self,
        BottleneckKind.self, BottleneckCSPKind.self, C3Kind.self, C3GhostKind.self, GhostBottleneckKind.self,
        SPPKind.self, SPPFKind.self,
        ConcatKind.self, ContractKind.self, ExpandKind.self,
        UpsampleKind.self, MaxPool2dKind.self, ZeroPad2dKind.self,
        DetectKind.self,
    ])
}
