/// y += a·x over `count` floats, eight at a time with fused multiply-adds (the same arithmetic
/// as the scalar tail).
@inline(__always)
func addScaled(_ a: Float, _ x: UnsafePointer<Float>, to y: UnsafeMutablePointer<Float>, count: Int) {
    var i = 0
    while i + 8 <= count {
        let sum = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD8<Float>.self)
            .addingProduct(UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self), a)
        UnsafeMutableRawPointer(y + i).storeBytes(of: sum, as: SIMD8<Float>.self)
        i += 8
    }
    while i < count {
        y[i] = y[i].addingProduct(x[i], a)
        i += 1
    }
}
