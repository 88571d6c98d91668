/// Per-plane reductions accumulated in Float64 (batch-norm statistics and gradients, bias
/// gradients, sparse heads' weight gradients): eight floats loaded at a time, widened to two four-lane doubles, so the sums run
/// as vector adds instead of scalar chains. The order of the additions is fixed by the plane
/// length alone, so results do not depend on the thread count.
enum PlaneSums {
    /// Σ x.
    static func sum(_ plane: UnsafePointer<Float>, count: Int) -> Double {
        var (low, high) = (SIMD4<Double>(), SIMD4<Double>())
        var i = 0
        while i + 8 <= count {
            let v = load(plane + i)
            low += SIMD4<Double>(v.lowHalf)
            high += SIMD4<Double>(v.highHalf)
            i += 8
        }
        var tail = 0.0
        while i < count { tail += Double(plane[i]); i += 1 }
        return (low + high).sum() + tail
    }

    /// Σ x and Σ x² in one read of the plane (every x² is exact in Float64, and the sums' rounding
    /// stays far below Float32's, so the variance Σx²/N − mean² loses nothing a Float32 result would show).
    static func sumAndSquares(_ plane: UnsafePointer<Float>, count: Int) -> (sum: Double, squares: Double) {
        var (low, high) = (SIMD4<Double>(), SIMD4<Double>())
        var (squaresLow, squaresHigh) = (SIMD4<Double>(), SIMD4<Double>())
        var i = 0
        while i + 8 <= count {
            let v = load(plane + i)
            let (v0, v1) = (SIMD4<Double>(v.lowHalf), SIMD4<Double>(v.highHalf))
            low += v0
            high += v1
            squaresLow += v0 * v0
            squaresHigh += v1 * v1
            i += 8
        }
        var (tail, tailSquares) = (0.0, 0.0)
        while i < count {
            let v = Double(plane[i])
            tail += v
            tailSquares += v * v
            i += 1
        }
        return ((low + high).sum() + tail, (squaresLow + squaresHigh).sum() + tailSquares)
    }

    /// Σ dY and Σ dY·x̂ with x̂ = (x − mean)·invstd computed in Float32.
    static func gradientSums(_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, count: Int, mean: Float,
                             inverseStd: Float) -> (dy: Double, dyXhat: Double) {
        var (sumLow, sumHigh) = (SIMD4<Double>(), SIMD4<Double>())
        var (productLow, productHigh) = (SIMD4<Double>(), SIMD4<Double>())
        var i = 0
        while i + 8 <= count {
            let g = load(dy + i)
            let xHat = (load(x + i) - mean) * inverseStd
            let (g0, g1) = (SIMD4<Double>(g.lowHalf), SIMD4<Double>(g.highHalf))
            sumLow += g0
            sumHigh += g1
            productLow += g0 * SIMD4<Double>(xHat.lowHalf)
            productHigh += g1 * SIMD4<Double>(xHat.highHalf)
            i += 8
        }
        var (tailSum, tailProduct) = (0.0, 0.0)
        while i < count {
            let g = Double(dy[i])
            tailSum += g
            tailProduct += g * Double((x[i] - mean) * inverseStd)
            i += 1
        }
        return ((sumLow + sumHigh).sum() + tailSum, (productLow + productHigh).sum() + tailProduct)
    }

    /// Σ a·b.
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Double {
        var (low, high) = (SIMD4<Double>(), SIMD4<Double>())
        var i = 0
        while i + 8 <= count {
            let (u, v) = (load(a + i), load(b + i))
            low += SIMD4<Double>(u.lowHalf) * SIMD4<Double>(v.lowHalf)
            high += SIMD4<Double>(u.highHalf) * SIMD4<Double>(v.highHalf)
            i += 8
        }
        var tail = 0.0
        while i < count { tail += Double(a[i]) * Double(b[i]); i += 1 }
        return (low + high).sum() + tail
    }

    @inline(__always)
    private static func load(_ pointer: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
    }
}
