/// A named tensor a module owns, as it appears in PyTorch's state_dict.
public struct TensorSpec: Sendable, Equatable {
    /// What the tensor is for; decides trainability, weight decay group and storage type.
    public enum Role: Sendable, Equatable {
        case convolutionWeight
        case convolutionBias
        case normWeight
        case normBias
        case runningMean
        case runningVariance
        case batchesTracked
        case anchors

        /// Trainable parameters, as opposed to buffers.
        public var isParameter: Bool {
            switch self {
            case .convolutionWeight, .convolutionBias, .normWeight, .normBias: return true
            case .runningMean, .runningVariance, .batchesTracked, .anchors: return false
            }
        }

        /// PyTorch's dtype name for the tensor in a freshly built fp32 model.
        public var dtypeName: String { self == .batchesTracked ? "int64" : "float32" }
    }

    /// The attribute name relative to the owning module (`weight`, `running_mean`, `anchors`).
    public var name: String
    public var shape: [Int]
    public var role: Role

    public init(_ name: String, shape: [Int], role: Role) {
        self.name = name
        self.shape = shape
        self.role = role
    }

    public var elementCount: Int { shape.reduce(1, *) }
}

/// A tensor with its full dotted path in the network (`model.2.cv1.conv.weight`).
public struct NamedTensorSpec: Sendable, Equatable {
    public var name: String
    public var spec: TensorSpec
}
