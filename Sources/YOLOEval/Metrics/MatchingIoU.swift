/// The IoU thresholds of mAP@0.5:0.95 and val.py's matching of detections to labels.
public enum MatchingIoU {
    /// `torch.linspace(0.5, 0.95, 10)` in float32: 0.5, 0.55, …, 0.95, each the nearest float32.
    public static let thresholds: [Float] = [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95]

    /// YOLOv5's `process_batch` for one image: which detections are true positives at each threshold.
    ///
    /// Boxes are compared with `BoxGeometry.metricIoU` in float32 (label first, as `box_iou(labels,
    /// detections)`). For each threshold t, the candidate pairs are those with IoU ≥ t and equal class,
    /// listed label-major as `torch.where` lists them. They are ordered by IoU descending
    /// (`argsort()[::-1]` with numpy's sort, see `NumpyArgsort`), the first pair of each detection is
    /// kept (`np.unique` by detection, which re-orders the survivors by detection index), then the first
    /// remaining pair of each label. Note that the second step keeps, for a label, the pair with the
    /// lowest detection index, not the highest IoU: YOLOv5 does not re-sort by IoU in between.
    public static func correctMatrix(detections: [Detection], labels: [LabeledBox],
                                     thresholds: [Float] = MatchingIoU.thresholds) -> CorrectMatrix {
        var correct = CorrectMatrix(count: detections.count, thresholdCount: thresholds.count)
        guard !detections.isEmpty, !labels.isEmpty else { return correct }
        let iou = labels.map { label in detections.map { BoxGeometry.metricIoU(label.asDetection, $0) } }

        for (t, threshold) in thresholds.enumerated() {
            var pairs: [(label: Int, detection: Int, iou: Float)] = []
            for (l, label) in labels.enumerated() {
                for (d, detection) in detections.enumerated()
                where iou[l][d] >= threshold && label.classIndex == detection.classIndex {
                    pairs.append((l, d, iou[l][d]))
                }
            }
            if pairs.count > 1 {
                pairs = NumpyArgsort.descendingByReversal(pairs.map(\.iou)).map { pairs[$0] }
                pairs = NumpyUnique.firstOccurrences(pairs.map(\.detection)).map { pairs[$0] }
                pairs = NumpyUnique.firstOccurrences(pairs.map(\.label)).map { pairs[$0] }
            }
            for pair in pairs { correct[pair.detection, t] = true }
        }
        return correct
    }
}
