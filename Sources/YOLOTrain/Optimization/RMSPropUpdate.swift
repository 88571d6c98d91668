import TensorCore

/// One torch.optim.RMSprop step (not centred; alpha 0.99, eps 1e-8) for one parameter, with
/// torch's CPU rounding (`add(alpha)` and `addcmul_` fused, `addcdiv_` as `p + (value·a)/b`;
/// torch's MKL sqrt may differ from the correctly rounded one by an ulp).
///
///     g   = g + wd·p                           (only when wd ≠ 0)
///     s   = s·α + (1 − α)·g·g
///     a   = √s + ε
///     buf = buf·m + g/a,  p = p − lr·buf       (momentum > 0)
///     p   = p − lr·g/a                         (momentum = 0)
enum RMSPropUpdate {
    static func apply(parameter: inout [Float], gradient: [Float], state: inout ParameterState, group: ParameterGroup) {
        state.step += 1
        let alpha = OptimizerKind.rmsPropAlpha
        let alphaFloat = Float(alpha), oneMinusAlpha = Float(1 - alpha)
        let epsilon = Float(OptimizerKind.epsilon)
        let weightDecay = Float(group.weightDecay)
        let momentum = Float(group.momentum)
        let usesMomentum = group.momentum > 0
        let negativeRate = Float(-group.learningRate)

        let count = parameter.count
        var square = state.squareAverage ?? [Float](repeating: 0, count: count)
        state.squareAverage = nil
        var buffer: [Float] = []
        if usesMomentum {
            buffer = state.momentumBuffer ?? [Float](repeating: 0, count: count)
            state.momentumBuffer = nil
        }
        parameter.withUnsafeMutableBufferPointer { p in
            gradient.withUnsafeBufferPointer { g in
                square.withUnsafeMutableBufferPointer { s in
                    buffer.withUnsafeMutableBufferPointer { b in
                        Parallel.forEach(count, minimumChunk: elementwiseChunk) { range in
                            for i in range {
                                var d = g[i]
                                if weightDecay != 0 { d = d.addingProduct(p[i], weightDecay) }
                                let average = (s[i] * alphaFloat).addingProduct(oneMinusAlpha * d, d)
                                s[i] = average
                                let denominator = average.squareRoot() + epsilon
                                if usesMomentum {
                                    let next = b[i] * momentum + d / denominator
                                    b[i] = next
                                    p[i] = p[i].addingProduct(next, negativeRate)
                                } else {
                                    p[i] = p[i] + (negativeRate * d) / denominator
                                }
                            }
                        }
                    }
                }
            }
        }
        state.squareAverage = square
        if usesMomentum { state.momentumBuffer = buffer }
    }
}
