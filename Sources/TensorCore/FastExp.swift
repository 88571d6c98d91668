/// exp(x): Cephes' expf range reduction (x = n·ln2 + r) and degree-6 polynomial, then 2ⁿ from
/// the exponent bits. Within 2 ulp of the exact value (checked against `expf` in the tests);
/// PyTorch's own vectorised exp is within 1 ulp. Written with plain selects and arithmetic so
/// the loops below vectorise.
@inline(__always)
func fastExp(_ value: Float) -> Float {
    let x = value < -87.33654 ? -87.33654 : (value > 88.37626 ? 88.37626 : value)
    // n = round(x / ln2) by the 1.5·2²³ trick: the sum's low mantissa bits hold n, so no float →
    // int conversion (which would check its range) or floorf call (no SSE4.1 at baseline) is needed.
    let shifter: Float = 12_582_912
    let t = x * 1.442_695_04 + shifter
    let n = t - shifter
    let r = (x - n * 0.693_359_375) - n * -2.121_944_4e-4
    var p: Float = 1.987_569_15e-4
    p = p * r + 1.398_199_95e-3
    p = p * r + 8.333_451_9e-3
    p = p * r + 4.166_579_59e-2
    p = p * r + 1.666_666_55e-1
    p = p * r + 5.000_000_12e-1
    let y = p * r * r + r + 1
    let scale = Float(bitPattern: (t.bitPattern &- 0x4B40_0000 &+ 127) &<< 23)
    return y * scale
}

extension ActivationFunction {
    /// SiLU and sigmoid over a buffer with the vectorisable exp; false for other activations.
    func applyVectorised(_ buffer: UnsafeMutableBufferPointer<Float>) -> Bool {
        guard let base = buffer.baseAddress else { return true }
        switch self {
        case .silu:
            for i in 0..<buffer.count {
                let x = base[i]
                base[i] = x / (1 + fastExp(-x))
            }
            return true
        case .sigmoid:
            for i in 0..<buffer.count { base[i] = 1 / (1 + fastExp(-base[i])) }
            return true
        default:
            return false
        }
    }
}
