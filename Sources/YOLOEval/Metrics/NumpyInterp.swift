/// numpy's `linspace` and `interp` in float64, bit for bit.
public enum NumpyInterp {
    /// `np.linspace(start, stop, count)`: start + i·step with step = (stop − start)/(count − 1), the last
    /// point set to `stop` exactly.
    public static func linspace(_ start: Double, _ stop: Double, _ count: Int) -> [Double] {
        guard count > 1 else { return count == 1 ? [start] : [] }
        let step = (stop - start) / Double(count - 1)
        var out = (0..<count).map { Double($0) * step + start }
        out[count - 1] = stop
        return out
    }

    /// `np.interp(x, xp, fp, left, right)` for non-decreasing `xp` (left and right default to the end
    /// values of `fp`). With repeated `xp` values the segment is found as numpy finds it: the last
    /// index j with xp[j] ≤ x; an exact hit, or j being the last index, returns fp[j]; otherwise
    /// slope·(x − xp[j]) + fp[j] with slope = (fp[j+1] − fp[j]) / (xp[j+1] − xp[j]).
    public static func interp(_ x: [Double], _ xp: [Double], _ fp: [Double],
                              left: Double? = nil, right: Double? = nil) -> [Double] {
        precondition(xp.count == fp.count && !xp.isEmpty, "xp and fp must be non-empty and of equal length")
        let lval = left ?? fp[0], rval = right ?? fp[fp.count - 1]
        let n = xp.count
        return x.map { value -> Double in
            if value.isNaN { return value }
            if value > xp[n - 1] { return rval }
            if value < xp[0] { return lval }
            // first index whose xp exceeds value, minus one
            var lo = 0, hi = n
            while lo < hi {
                let mid = lo + (hi - lo) >> 1
                if value >= xp[mid] { lo = mid + 1 } else { hi = mid }
            }
            let j = lo - 1
            if j == n - 1 || xp[j] == value { return fp[j] }
            let slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j])
            var y = slope * (value - xp[j]) + fp[j]
            if y.isNaN {  // numpy retries from the other end, then falls back to a flat segment
                y = slope * (value - xp[j + 1]) + fp[j + 1]
                if y.isNaN && fp[j] == fp[j + 1] { y = fp[j] }
            }
            return y
        }
    }
}
