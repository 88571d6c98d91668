/// train.py's warm-up: over the first nw iterations the accumulation count grows from 1 to
/// 64/batch, the bias group's LR falls from warmup_bias_lr and the other groups' LRs rise from 0
/// to their scheduled value, and the momentum rises from warmup_momentum to momentum, all by
/// np.interp over `[0, nw]`. It applies while `ni <= nw`.
public struct WarmUp: Sendable, Equatable {
    /// nw = `max(round(warmup_epochs · nb), 100)`.
    public let iterations: Int

    /// The same count from warmup_epochs and the batches per epoch, with Python's round-half-to-even.
    public init(warmupEpochs: Double, batchesPerEpoch: Int) {
        iterations = max(Int((warmupEpochs * Double(batchesPerEpoch)).rounded(.toNearestOrEven)), 100)
    }

    public init(iterations: Int) {
        self.iterations = iterations
    }

    /// Whether iteration `ni` (counted from the start of training) is still warming up.
    public func isActive(iteration ni: Int) -> Bool { ni <= iterations }

    /// `max(1, round(interp(ni, [0, nw], [1, 64/batch])))`, numpy's round being half-to-even.
    public func accumulation(iteration ni: Int, batchSize: Int) -> Int {
        let ramp = interpolate(ni, 1, Double(NominalBatch.size) / Double(batchSize))
        return max(1, Int(ramp.rounded(.toNearestOrEven)))
    }

    /// A group's LR: from warmup_bias_lr (bias group) or 0 (the others) to `target`,
    /// the group's `initial_lr · lf(epoch)`.
    public func learningRate(iteration ni: Int, kind: ParameterGroup.Kind, warmupBiasLearningRate: Double,
                             target: Double) -> Double {
        interpolate(ni, kind == .bias ? warmupBiasLearningRate : 0.0, target)
    }

    /// The momentum from warmup_momentum to momentum.
    public func momentum(iteration ni: Int, warmupMomentum: Double, momentum: Double) -> Double {
        interpolate(ni, warmupMomentum, momentum)
    }

    private func interpolate(_ ni: Int, _ start: Double, _ end: Double) -> Double {
        numpyInterpolate(Double(ni), 0, Double(iterations), start, end)
    }
}
