import Foundation

/// PyTorch's `BCEWithLogitsLoss` per element with a positive weight, optionally wrapped in
/// Ultralytics' `FocalLoss` (gamma > 0, alpha 0.25), with the derivative w.r.t. the logit.
public struct BCEWithLogits: Sendable, Equatable {
    public var positiveWeight: Double
    public var focalGamma: Double
    public var focalAlpha: Double

    public init(positiveWeight: Double = 1, focalGamma: Double = 0, focalAlpha: Double = 0.25) {
        self.positiveWeight = positiveWeight
        self.focalGamma = focalGamma
        self.focalAlpha = focalAlpha
    }

    /// The loss of logit `x` against target `y` and dLoss/dx.
    public func evaluate(logit x: Double, target y: Double) -> (loss: Double, derivative: Double) {
        let logWeight = (positiveWeight - 1) * y + 1
        let softplusNeg = log1p(exp(-abs(x))) + Swift.max(-x, 0)  // −log σ(x)
        let s = 1 / (1 + exp(-x)), oneMinusS = 1 / (1 + exp(x))
        var loss = (1 - y) * x + logWeight * softplusNeg
        var derivative = (1 - y) - logWeight * oneMinusS
        if focalGamma > 0 {
            let pt = y * s + (1 - y) * oneMinusS
            let alphaFactor = y * focalAlpha + (1 - y) * (1 - focalAlpha)
            let q = 1 - pt
            let modulating = pow(q, focalGamma)
            let dq = -(2 * y - 1) * s * oneMinusS
            let dModulating = q > 0 ? focalGamma * pow(q, focalGamma - 1) * dq : 0
            derivative = alphaFactor * (derivative * modulating + loss * dModulating)
            loss *= alphaFactor * modulating
        }
        return (loss, derivative)
    }
}
