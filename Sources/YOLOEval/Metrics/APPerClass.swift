/// YOLOv5's `ap_per_class`: precision, recall, F1 and AP per class from the concatenated detections of a
/// whole validation run, in float64 as numpy computes them.
///
/// 1. Detections are ordered by confidence descending (`np.argsort(-conf)`, numpy's unstable sort: see
///    `NumpyArgsort` for the order of equal confidences).
/// 2. The classes are those present among the labels (`np.unique`); a class without detections keeps AP,
///    P and R at 0, detections of a class without labels are ignored.
/// 3. Per class: cumulative TP/FP counts; recall = TP / (labels + 1e-16), precision = TP / (TP + FP); AP per
///    IoU threshold with `AveragePrecision.compute`; recall and precision at IoU 0.5 sampled on a
///    1000-point confidence grid with `np.interp` on negated confidences (recall 0 and precision 1 above
///    the highest confidence).
/// 4. F1 = 2PR / (P + R + 1e-16) on the grid; the reported P, R, F1 are taken at the grid index that
///    maximizes the box-filtered (`BoxFilter.smooth`, fraction 0.1) class-mean F1.
public struct APPerClass: Sendable {
    /// Classes present in the labels, ascending.
    public let classes: [Int]
    /// Labels per class (`nt`).
    public let labelCounts: [Int]
    /// Per class, at `bestIndex`.
    public let precision: [Double]
    public let recall: [Double]
    public let f1: [Double]
    /// `round(recall · labels)` and `round(TP / (precision + 1e-16) − TP)`, as Ultralytics returns them.
    public let truePositives: [Double]
    public let falsePositives: [Double]
    /// AP per class and IoU threshold: `ap[class][threshold]`.
    public let ap: [[Double]]
    /// Index into `confidenceGrid` of the maximum smoothed mean F1.
    public let bestIndex: Int
    /// `np.linspace(0, 1, 1000)` and the per-class curves on it (for plots).
    public let confidenceGrid: [Double]
    public let precisionCurve: [[Double]]
    public let recallCurve: [[Double]]
    public let f1Curve: [[Double]]

    public static let eps = 1e-16

    /// - Parameters:
    ///   - correct: one row per detection (all images concatenated), one column per IoU threshold.
    ///   - confidences, predictedClasses: per detection, in the same order.
    ///   - targetClasses: the class of every label of every image.
    public init(correct: CorrectMatrix, confidences: [Float], predictedClasses: [Int], targetClasses: [Int]) {
        precondition(correct.count == confidences.count && confidences.count == predictedClasses.count,
                     "correct, confidences and predictedClasses need one entry per detection")
        let eps = Self.eps
        let order = NumpyArgsort.ascending(confidences.map { -$0 })
        let (classes, counts) = NumpyUnique.counts(targetClasses)
        let grid = NumpyInterp.linspace(0, 1, 1000)
        let negatedGrid = grid.map { -$0 }
        let thresholdCount = correct.thresholdCount

        var ap = [[Double]](repeating: [Double](repeating: 0, count: thresholdCount), count: classes.count)
        var pCurve = [[Double]](repeating: [Double](repeating: 0, count: grid.count), count: classes.count)
        var rCurve = pCurve
        for (ci, c) in classes.enumerated() {
            let members = order.filter { predictedClasses[$0] == c }
            let labels = counts[ci]
            if members.isEmpty || labels == 0 { continue }

            var tpc = [Int](repeating: 0, count: thresholdCount)
            var recall = [[Double]](repeating: [], count: thresholdCount)
            var precision = [[Double]](repeating: [], count: thresholdCount)
            for (k, d) in members.enumerated() {
                for j in 0..<thresholdCount {
                    if correct[d, j] { tpc[j] += 1 }
                    let fpc = k + 1 - tpc[j]
                    recall[j].append(Double(tpc[j]) / (Double(labels) + eps))
                    precision[j].append(Double(tpc[j]) / Double(tpc[j] + fpc))
                }
            }
            let negatedConfidence = members.map { -Double(confidences[$0]) }
            rCurve[ci] = NumpyInterp.interp(negatedGrid, negatedConfidence, recall[0], left: 0)
            pCurve[ci] = NumpyInterp.interp(negatedGrid, negatedConfidence, precision[0], left: 1)
            for j in 0..<thresholdCount {
                ap[ci][j] = AveragePrecision.compute(recall: recall[j], precision: precision[j])
            }
        }

        let f1Curve = zip(pCurve, rCurve).map { p, r in zip(p, r).map { p, r in 2 * p * r / (p + r + eps) } }
        let best = classes.isEmpty ? 0 : Self.firstMaximum(BoxFilter.smooth(NumpySum.columnMeans(f1Curve), fraction: 0.1))

        self.classes = classes
        labelCounts = counts
        precision = pCurve.map { $0[best] }
        recall = rCurve.map { $0[best] }
        f1 = f1Curve.map { $0[best] }
        truePositives = zip(recall, counts).map { ($0 * Double($1)).rounded(.toNearestOrEven) }
        falsePositives = zip(truePositives, precision).map { tp, p in (tp / (p + eps) - tp).rounded(.toNearestOrEven) }
        self.ap = ap
        bestIndex = best
        confidenceGrid = grid
        precisionCurve = pCurve
        recallCurve = rCurve
        self.f1Curve = f1Curve
    }

    /// `np.argmax`: the first index of the largest value (a NaN counts as largest).
    static func firstMaximum(_ values: [Double]) -> Int {
        var best = 0
        for (i, v) in values.enumerated() {
            if v.isNaN { return i }
            if v > values[best] { best = i }
        }
        return best
    }

    /// AP at IoU 0.5 per class (`ap[:, 0]`).
    public var ap50: [Double] { ap.map { $0.first ?? 0 } }
    /// AP averaged over the IoU thresholds per class (`ap.mean(1)`).
    public var ap50to95: [Double] { ap.map(NumpySum.mean) }

    /// val.py's overall row: means over the classes of P, R, AP50 and AP50-95.
    public var summary: ValidationSummary {
        ValidationSummary(precision: NumpySum.mean(precision), recall: NumpySum.mean(recall),
                          map50: NumpySum.mean(ap50), map: NumpySum.mean(ap50to95))
    }
}
