/// YOLOv5's `compute_ap`: area under one precision–recall curve, COCO-style 101-point interpolation.
public enum AveragePrecision {
    /// The 101 recall points 0, 0.01, …, 1 (`np.linspace(0, 1, 101)`).
    public static let recallGrid = NumpyInterp.linspace(0, 1, 101)

    /// Sentinels recall [0, …, 1] and precision [1, …, 0] are added, precision is replaced by its running
    /// maximum from the right (the envelope), sampled at `recallGrid` with `np.interp`, and integrated with
    /// the trapezoid rule (`np.trapezoid`: pairwise sum of Δx·(y[k+1] + y[k]) / 2).
    public static func compute(recall: [Double], precision: [Double]) -> Double {
        let mrec = [0.0] + recall + [1.0]
        var mpre = [1.0] + precision + [0.0]
        for k in stride(from: mpre.count - 2, through: 0, by: -1) where mpre[k + 1] > mpre[k] || mpre[k + 1].isNaN {
            mpre[k] = mpre[k + 1]  // np.maximum: the larger value, NaN wins
        }
        let x = recallGrid
        let y = NumpyInterp.interp(x, mrec, mpre)
        var terms = [Double]()
        terms.reserveCapacity(x.count - 1)
        for k in 0..<(x.count - 1) {
            let dx: Double = x[k + 1] - x[k]
            let ySum: Double = y[k + 1] + y[k]
            terms.append(dx * ySum / 2.0)
        }
        return NumpySum.pairwise(terms)
    }
}
