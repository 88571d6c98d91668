/// val.py's per-image bookkeeping for a validation run: detections and labels of each image (both in
/// original-image pixels) go in, the concatenated statistics, the metrics and the confusion matrix come out.
public struct ValidationStatistics: Sendable {
    public let classCount: Int
    /// Images seen (val.py's `seen`).
    public private(set) var imageCount = 0
    public private(set) var correct: CorrectMatrix
    public private(set) var confidences: [Float] = []
    public private(set) var predictedClasses: [Int] = []
    public private(set) var targetClasses: [Int] = []
    public private(set) var confusionMatrix: ConfusionMatrix
    private let thresholds: [Float]

    public init(classCount: Int, thresholds: [Float] = MatchingIoU.thresholds) {
        self.classCount = classCount
        correct = CorrectMatrix(count: 0, thresholdCount: thresholds.count)
        confusionMatrix = ConfusionMatrix(classCount: classCount)
        self.thresholds = thresholds
    }

    /// One image, following val.py: without detections only its labels count (as missed objects in the
    /// confusion matrix); with detections but no labels its detections are all false positives (and the
    /// confusion matrix is left alone); with both, `MatchingIoU.correctMatrix` and the confusion matrix run.
    public mutating func add(detections: [Detection], labels: [LabeledBox]) {
        imageCount += 1
        if detections.isEmpty {
            if !labels.isEmpty {
                targetClasses += labels.map(\.classIndex)
                confusionMatrix.processUndetected(labelClasses: labels.map(\.classIndex))
            }
            return
        }
        if labels.isEmpty {
            correct.append(CorrectMatrix(count: detections.count, thresholdCount: thresholds.count))
        } else {
            correct.append(MatchingIoU.correctMatrix(detections: detections, labels: labels, thresholds: thresholds))
            confusionMatrix.process(detections: detections, labels: labels)
        }
        confidences += detections.map(\.confidence)
        predictedClasses += detections.map(\.classIndex)
        targetClasses += labels.map(\.classIndex)
    }

    /// Labels per class, 0 ..< classCount (`np.bincount(tcls, minlength=nc)`; longer if a label's class is
    /// out of range).
    public var instancesPerClass: [Int] {
        var counts = [Int](repeating: 0, count: max(classCount, (targetClasses.max() ?? -1) + 1))
        for c in targetClasses { counts[c] += 1 }
        return counts
    }

    /// `ap_per_class` over everything added, or nil when val.py skips it (no detection correct at any
    /// threshold).
    public func perClass() -> APPerClass? {
        guard correct.any else { return nil }
        return APPerClass(correct: correct, confidences: confidences, predictedClasses: predictedClasses,
                          targetClasses: targetClasses)
    }

    /// val.py's "all" row (zeros when no detection is correct).
    public func summary() -> ValidationSummary {
        perClass()?.summary ?? .zero
    }
}
