/// Ultralytics' `smooth(y, f)`: a box filter of odd width nf = round(len·f·2) // 2 + 1 over `y` padded at
/// both ends with nf // 2 copies of its end values (`np.convolve(..., np.ones(nf) / nf, "valid")`).
///
/// numpy evaluates each output as a BLAS dot product of the window with the weights 1/nf. To agree to
/// the last bit this follows OpenBLAS's x86-64 Haswell/Zen `ddot` kernel (what numpy's bundled OpenBLAS
/// selects on AVX2 CPUs): the first n − n mod 16 terms go into 16 lanes with fused multiply-adds, the lanes
/// are folded (four vectors of four: high half onto low half, vectors pairwise, then the last two lanes),
/// and the remaining terms are added one by one as rounded products. Other BLAS kernels differ only in
/// the last bits; the filtered values are only used to locate a maximum.
public enum BoxFilter {
    public static func smooth(_ y: [Double], fraction: Double) -> [Double] {
        guard let first = y.first, let last = y.last else { return [] }
        let width = Int((Double(y.count) * fraction * 2).rounded(.toNearestOrEven)) / 2 + 1
        let half = width / 2
        let padded = [Double](repeating: first, count: half) + y + [Double](repeating: last, count: half)
        let weight = 1.0 / Double(width)
        let weights = [Double](repeating: weight, count: width)
        return padded.withUnsafeBufferPointer { p in
            weights.withUnsafeBufferPointer { w in
                (0...(padded.count - width)).map { 0.0 + dot(p.baseAddress! + $0, w.baseAddress!, width) }
            }
        }
    }

    /// OpenBLAS Haswell `ddot` summation order (see the type's comment).
    static func dot(_ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, _ n: Int) -> Double {
        let blocked = n & -16
        var result = 0.0
        if blocked > 0 {
            var lanes = [Double](repeating: 0, count: 16)
            var i = 0
            while i < blocked {
                for k in 0..<16 { lanes[k] = lanes[k].addingProduct(x[i + k], y[i + k]) }
                i += 16
            }
            // each 4-lane vector: high 128 bits onto low -> (l0 + l2, l1 + l3)
            var low = [Double](repeating: 0, count: 4), high = [Double](repeating: 0, count: 4)
            for v in 0..<4 {
                low[v] = lanes[4 * v] + lanes[4 * v + 2]
                high[v] = lanes[4 * v + 1] + lanes[4 * v + 3]
            }
            // vectors 0+1 and 2+3, then their sum, then the two remaining lanes
            let low01: Double = low[0] + low[1], high01: Double = high[0] + high[1]
            let low23: Double = low[2] + low[3], high23: Double = high[2] + high[3]
            let lowSum: Double = low01 + low23, highSum: Double = high01 + high23
            result = lowSum + highSum
        }
        for i in blocked..<n { result += y[i] * x[i] }
        return result
    }
}
