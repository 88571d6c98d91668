import Foundation
import TensorCore

/// One torch.optim.Adam / AdamW step (single-tensor path, the one torch takes on CPU) for one
/// parameter. Scalars are computed in Double as torch does in Python, then rounded to Float.
/// Rounding follows torch's CPU kernels: `add(alpha)`, `lerp_` and `addcmul_` are fused
/// multiply-adds, `addcdiv_` is `p + (value·a)/b`. torch's vectorised sqrt (MKL) can be one
/// ulp off the correctly rounded square root used here, so results agree to about 1e-7 relative.
///
///     p   = p·(1 − lr·wd)                      (AdamW)
///     g   = g + wd·p                           (Adam, L2)
///     m   = lerp(m, g, 1 − β1)
///     v   = v·β2 + (1 − β2)·g·g
///     p   = p − lr/(1 − β1^t) · m / (√v / √(1 − β2^t) + ε)
enum AdamUpdate {
    static func apply(parameter: inout [Float], gradient: [Float], state: inout ParameterState,
                      group: ParameterGroup, decoupledWeightDecay: Bool) {
        state.step += 1
        let step = Double(state.step)
        let beta1 = group.momentum, beta2 = OptimizerKind.adamBeta2
        let lr = group.learningRate, weightDecay = group.weightDecay
        let decayFactor = decoupledWeightDecay && weightDecay != 0 ? Float(1 - lr * weightDecay) : 1
        let l2 = !decoupledWeightDecay ? Float(weightDecay) : 0
        let weight = Float(1 - beta1)
        let weightIsSmall = abs(weight) < 0.5
        let weightMinusOne = weight - 1
        let beta2Float = Float(beta2), oneMinusBeta2 = Float(1 - beta2)
        let biasCorrection1 = 1 - pow(beta1, step)
        let biasCorrection2 = 1 - pow(beta2, step)
        let negativeStepSize = Float(-(lr / biasCorrection1))
        let biasCorrection2Root = Float(pow(biasCorrection2, 0.5))
        let epsilon = Float(OptimizerKind.epsilon)

        let count = parameter.count
        var first = state.firstMoment ?? [Float](repeating: 0, count: count)
        var second = state.secondMoment ?? [Float](repeating: 0, count: count)
        state.firstMoment = nil
        state.secondMoment = nil
        parameter.withUnsafeMutableBufferPointer { p in
            gradient.withUnsafeBufferPointer { g in
                first.withUnsafeMutableBufferPointer { m in
                    second.withUnsafeMutableBufferPointer { v in
                        Parallel.forEach(count, minimumChunk: elementwiseChunk) { range in
                            for i in range {
                                var d = g[i]
                                if l2 != 0 { d = d.addingProduct(p[i], l2) }
                                let decayed = decayFactor != 1 ? p[i] * decayFactor : p[i]
                                let difference = d - m[i]
                                let moment = weightIsSmall ? m[i].addingProduct(weight, difference)
                                    : d.addingProduct(weightMinusOne, difference)
                                m[i] = moment
                                let square = (v[i] * beta2Float).addingProduct(oneMinusBeta2 * d, d)
                                v[i] = square
                                let denominator = square.squareRoot() / biasCorrection2Root + epsilon
                                p[i] = decayed + (negativeStepSize * moment) / denominator
                            }
                        }
                    }
                }
            }
        }
        state.firstMoment = first
        state.secondMoment = second
    }
}
