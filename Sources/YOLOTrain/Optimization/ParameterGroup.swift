/// One of the optimizer's parameter groups: which parameters it updates, in order, and the
/// hyperparameters torch keeps per group (warm-up and the LR schedule change them every iteration).
public struct ParameterGroup: Sendable, Equatable {
    /// smart_optimizer's three groups; the raw value is the group's index in
    /// `optimizer.param_groups` (biases first, because the optimizer is created with them).
    public enum Kind: Int, Sendable, Equatable, CaseIterable {
        /// Every `bias` (batch-norm and convolution): no weight decay; warm-up starts its LR at warmup_bias_lr.
        case bias = 0
        /// Convolution weights: the only group with weight decay.
        case decayedWeight = 1
        /// Batch-norm weights: no weight decay.
        case normWeight = 2
    }

    public let kind: Kind
    /// State-dict names of the parameters, in `model.modules()` order.
    public let names: [String]
    /// The current learning rate (`group["lr"]`).
    public var learningRate: Double
    /// SGD's and RMSprop's momentum; Adam's and AdamW's beta1.
    public var momentum: Double
    public var weightDecay: Double
    /// The LR the schedule multiplies by lf(epoch) (`group["initial_lr"]`, set by LambdaLR).
    public var initialLearningRate: Double

    public init(kind: Kind, names: [String], learningRate: Double, momentum: Double, weightDecay: Double,
                initialLearningRate: Double? = nil) {
        self.kind = kind
        self.names = names
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
        self.initialLearningRate = initialLearningRate ?? learningRate
    }
}
