/// YOLOv5's model fitness, used to pick best.pt and to rank evolution candidates.
public enum Fitness {
    /// Weights of P, R, mAP@0.5, mAP@0.5:0.95.
    public static let weights: [Double] = [0.0, 0.0, 0.1, 0.9]

    /// Σ metric·weight, summed left to right as numpy sums a row of four.
    public static func of(_ s: ValidationSummary) -> Double {
        let terms = zip([s.precision, s.recall, s.map50, s.map], weights).map { $0 * $1 }
        return NumpySum.pairwise(terms)
    }
}
