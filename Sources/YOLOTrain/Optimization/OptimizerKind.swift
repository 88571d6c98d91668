/// The optimizers Ultralytics' `smart_optimizer` can build, each with torch.optim's semantics.
public enum OptimizerKind: String, Sendable, Equatable, CaseIterable {
    /// torch.optim.SGD(momentum, nesterov=True, dampening 0).
    case sgd = "SGD"
    /// torch.optim.Adam(betas=(momentum, 0.999), eps 1e-8), weight decay added to the gradient (L2).
    case adam = "Adam"
    /// torch.optim.AdamW(betas=(momentum, 0.999), eps 1e-8), decoupled weight decay.
    case adamW = "AdamW"
    /// torch.optim.RMSprop(alpha 0.99, eps 1e-8, momentum).
    case rmsProp = "RMSProp"

    /// The name as Ultralytics spells it (`--optimizer SGD`), case-sensitive as `smart_optimizer` is.
    public init(name: String) throws {
        guard let kind = OptimizerKind(rawValue: name) else {
            throw OptimizationError("unknown optimizer '\(name)' (expected one of "
                + OptimizerKind.allCases.map(\.rawValue).joined(separator: ", ") + ")")
        }
        self = kind
    }

    /// Whether torch's parameter groups carry a `momentum` key, which warm-up ramps; Adam and
    /// AdamW keep theirs in `betas`, so train.py leaves their beta1 alone.
    public var hasMomentumKey: Bool {
        switch self {
        case .sgd, .rmsProp: return true
        case .adam, .adamW: return false
        }
    }

    /// Adam's second-moment decay (torch's default beta2).
    static let adamBeta2 = 0.999
    /// Adam's and RMSprop's denominator epsilon (torch's default).
    static let epsilon = 1e-8
    /// RMSprop's smoothing constant (torch's default alpha).
    static let rmsPropAlpha = 0.99
}
