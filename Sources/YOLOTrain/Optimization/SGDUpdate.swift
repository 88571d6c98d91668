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
                        let start = range.lowerBound
                        update(p.baseAddress! + start, gradient: g.baseAddress! + start,
                               momentumBuffer: usesMomentum ? b.baseAddress! + start : nil, count: range.count,
                               weightDecay: weightDecay, momentum: momentum, negativeRate: negativeRate, first: first)
                    }
                }
            }
        }
        if usesMomentum { state.momentumBuffer = buffer }
    }

    /// The update over `count` elements, eight lanes at a time (the tail through a padded
    /// vector, so every element goes through the same lane operations).
    @inline(__always)
    private static func update(_ p: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>,
                               momentumBuffer b: UnsafeMutablePointer<Float>?, count: Int, weightDecay: Float,
                               momentum: Float, negativeRate: Float, first: Bool) {
        var i = 0
        while i < count {
            let lanes = min(8, count - i)
            @inline(__always) func load(_ source: UnsafePointer<Float>) -> SIMD8<Float> {
                if lanes == 8 { return UnsafeRawPointer(source).loadUnaligned(as: SIMD8<Float>.self) }
                var v = SIMD8<Float>()
                for lane in 0..<lanes { v[lane] = source[lane] }
                return v
            }
            @inline(__always) func store(_ v: SIMD8<Float>, _ target: UnsafeMutablePointer<Float>) {
                if lanes == 8 { return UnsafeMutableRawPointer(target).storeBytes(of: v, as: SIMD8<Float>.self) }
                for lane in 0..<lanes { target[lane] = v[lane] }
            }
            let parameter = load(p + i)
            var d = load(g + i)
            if weightDecay != 0 { d = d.addingProduct(parameter, SIMD8(repeating: weightDecay)) }
            if let b {
                let next = first ? d : load(b + i) * momentum + d
                store(next, b + i)
                d = d.addingProduct(next, SIMD8(repeating: momentum))
            }
            store(parameter.addingProduct(d, SIMD8(repeating: negativeRate)), p + i)
            i += 8
        }
    }
}

/// Elements per thread below which an element-wise update stays on one thread.
let elementwiseChunk = 1 << 15
