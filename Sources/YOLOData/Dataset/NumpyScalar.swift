/// A scalar in numpy 2 arithmetic with a float32 array (NEP 50 promotion): a Python float is
/// "weak" and is rounded to float32, so the operation stays float32; a numpy float64 scalar is
/// "strong" and turns the result into float64 (which Ultralytics then stores back into a
/// float32 array). Which one a value is decides the last bit of Ultralytics' label coordinates.
struct NumpyScalar {
    var value: Double
    var numpy: Bool

    init(_ value: Double, numpy: Bool) {
        self.value = value
        self.numpy = numpy
    }

    /// `scale * a + offset` for a float32 element `a`, stored as float32. (Only the kind of
    /// `scale` changes results: adding a float32 product and a float32-representable offset
    /// rounds the same in float32 and in float64; the offset's kind is followed anyway.)
    static func affine(_ a: Float, scale: NumpyScalar, offset: NumpyScalar) -> Float {
        if scale.numpy {
            return Float(scale.value * Double(a) + offset.value)
        }
        let product = Float(scale.value) * a
        return offset.numpy ? Float(Double(product) + offset.value) : product + Float(offset.value)
    }
}
