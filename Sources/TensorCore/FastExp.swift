/// exp(x): Cephes' expf range reduction (x = n·ln2 + r) and degree-6 polynomial (Horner, with
/// fused multiply-adds), then 2ⁿ from the exponent bits. Within 2 ulp of the exact value
/// (checked against `expf` in the tests); PyTorch's own vectorised exp is within 1 ulp. The
/// scalar and eight-lane forms do the same operations, so they give the same results.
@inline(__always)
func fastExp(_ value: Float) -> Float {
    let x = value < -87.33654 ? -87.33654 : (value > 88.37626 ? 88.37626 : value)
    let shifter: Float = 12_582_912
    let t = shifter.addingProduct(x, 1.442_695_04)
    let n = t - shifter
    let r = x.addingProduct(n, -0.693_359_375).addingProduct(n, 2.121_944_4e-4)
    var p = Float(1.398_199_95e-3).addingProduct(1.987_569_15e-4, r)
    p = Float(8.333_451_9e-3).addingProduct(p, r)
    p = Float(4.166_579_59e-2).addingProduct(p, r)
    p = Float(1.666_666_55e-1).addingProduct(p, r)
    p = Float(5.000_000_12e-1).addingProduct(p, r)
    let y = (r + 1).addingProduct(p, r * r)
    return y * Float(bitPattern: (t.bitPattern &- 0x4B40_0000 &+ 127) &<< 23)
}

/// `fastExp` on eight lanes.
@inline(__always)
func fastExp(_ value: SIMD8<Float>) -> SIMD8<Float> {
    let low = SIMD8<Float>(repeating: -87.33654), high = SIMD8<Float>(repeating: 88.37626)
    let x = value.replacing(with: low, where: value .< low).replacing(with: high, where: value .> high)
    // n = round(x / ln2) by the 1.5·2²³ trick: the sum's low mantissa bits hold n, so no float →
    // int conversion is needed
    let shifter = SIMD8<Float>(repeating: 12_582_912)
    let t = shifter.addingProduct(x, 1.442_695_04)
    let n = t - shifter
    let r = x.addingProduct(n, -0.693_359_375).addingProduct(n, 2.121_944_4e-4)
    var p = SIMD8<Float>(repeating: 1.398_199_95e-3).addingProduct(SIMD8(repeating: 1.987_569_15e-4), r)
    p = SIMD8<Float>(repeating: 8.333_451_9e-3).addingProduct(p, r)
    p = SIMD8<Float>(repeating: 4.166_579_59e-2).addingProduct(p, r)
    p = SIMD8<Float>(repeating: 1.666_666_55e-1).addingProduct(p, r)
    p = SIMD8<Float>(repeating: 5.000_000_12e-1).addingProduct(p, r)
    let y = (r + 1).addingProduct(p, r * r)
    let bits = (unsafeBitCast(t, to: SIMD8<Int32>.self) &- 0x4B40_0000 &+ 127) &<< 23
    return y * unsafeBitCast(bits, to: SIMD8<Float>.self)
}
