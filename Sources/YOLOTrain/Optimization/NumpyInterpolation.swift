/// `np.interp(x, [x0, x1], [y0, y1])` with numpy's arithmetic: the end values are returned
/// exactly at and beyond the ends, and inside `slope·(x − x0) + y0` with the slope
/// `(y1 − y0)/(x1 − x0)`, each operation rounded in Double (no fused multiply-add).
func numpyInterpolate(_ x: Double, _ x0: Double, _ x1: Double, _ y0: Double, _ y1: Double) -> Double {
    if x.isNaN { return x }
    if x < x0 { return y0 }
    if x >= x1 { return y1 }
    if x == x0 { return y0 }
    let slope = (y1 - y0) / (x1 - x0)
    return slope * (x - x0) + y0
}
