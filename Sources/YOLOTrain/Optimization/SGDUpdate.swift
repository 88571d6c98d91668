import TensorCore

/// One torch.optim.SGD step (momentum, Nesterov, dampening 0) for one parameter, with the
/// rounding of torch's CPU kernels: `add(other, alpha)` is a fused multiply-add (its vector
/// kernel calls fmadd and the scalar tail is contracted the same way), `mul_` a plain product.
///
///     d   = g + wd·p                          (only when wd ≠ 0)
///     buf = d on the first step, else buf·m + d
///     d   = d + m·buf                         (Nesterov)
///     p   = p − lr·d
enum SGDUpdate {
    static func apply(parameter: inout [Float], gradient: [Float], state: inout ParameterState, group: ParameterGroup) {
        let weightDecay = Float(group.weightDecay)
        let momentum = Float(group.momentum)
        let negativeRate = Float(-group.learningRate)
        let count = parameter.count
        let usesMomentum = group.momentum != 0
        let first = state.momentumBuffer == nil
        // Taken out of the state so the update writes the one and only copy in place.
        var buffer: [Float] = []
        if usesMomentum {
            buffer = state.momentumBuffer ?? [Float](repeating: 0, count: count)
            state.momentumBuffer = nil
        }
        parameter.withUnsafeMutableBufferPointer { p in
            gradient.withUnsafeBufferPointer { g in
                buffer.withUnsafeMutableBufferPointer { b in
                    Parallel.forEach(count, minimumChunk: elementwiseChunk) { range in
                        for i in range {
                            var d = g[i]
                            if weightDecay != 0 { d = d.addingProduct(p[i], weightDecay) }
                            if usesMomentum {
                                let next = first ? d : b[i] * momentum + d
                                b[i] = next
                                d = d.addingProduct(next, momentum)
                            }
                            p[i] = p[i].addingProduct(d, negativeRate)
                        }
                    }
                }
            }
        }
        if usesMomentum { state.momentumBuffer = buffer }
    }
}

/// Elements per thread below which an element-wise update stays on one thread.
let elementwiseChunk = 1 << 15
