/// Ultralytics' `non_max_suppression` for one image's decoded predictions.
///
/// Candidates need objectness > conf; confidence = objectness × class probability; either the best
/// class per box or (multi-label) every class above the threshold; at most `maxCandidates`
/// (30000) by confidence go into greedy IoU suppression, done per class by offsetting boxes by
/// class × 7680 px unless agnostic; the first `maxDetections` survivors are returned, highest
/// confidence first. Unlike Ultralytics there is no time limit that silently drops images.
public struct NonMaxSuppression: Sendable {
    public var confidenceThreshold: Float = 0.25
    public var iouThreshold: Float = 0.45
    public var classes: Set<Int>? = nil
    public var agnostic = false
    public var multiLabel = false
    public var maxDetections = 300
    public var maxCandidates = 30_000
    /// Ultralytics' `max_wh`: the per-class offset that keeps classes apart in one NMS call.
    public static let classOffset: Float = 7680

    public init(confidenceThreshold: Float = 0.25, iouThreshold: Float = 0.45, classes: Set<Int>? = nil,
                agnostic: Bool = false, multiLabel: Bool = false, maxDetections: Int = 300) {
        self.confidenceThreshold = confidenceThreshold
        self.iouThreshold = iouThreshold
        self.classes = classes
        self.agnostic = agnostic
        self.multiLabel = multiLabel
        self.maxDetections = maxDetections
    }

    /// `rows` points at `count` rows of `stride` values: cx, cy, w, h, objectness, class probabilities.
    public func run(rows: UnsafePointer<Float>, count: Int, stride: Int) -> [Detection] {
        let classCount = stride - 5
        let multi = multiLabel && classCount > 1
        var candidates: [Detection] = []
        for r in 0..<count {
            let row = rows + r * stride
            let objectness = row[4]
            guard objectness > confidenceThreshold else { continue }
            let box = BoxGeometry.corners(centerX: row[0], centerY: row[1], width: row[2], height: row[3])
            if multi {
                for c in 0..<classCount {
                    let confidence = row[5 + c] * objectness
                    if confidence > confidenceThreshold {
                        candidates.append(Detection(x1: box.x1, y1: box.y1, x2: box.x2, y2: box.y2,
                                                    confidence: confidence, classIndex: c))
                    }
                }
            } else {
                // torch.max returns the first index of the maximum
                var best = 0
                var bestConfidence = row[5] * objectness
                for c in 1..<max(classCount, 1) {
                    let confidence = row[5 + c] * objectness
                    if confidence > bestConfidence { best = c; bestConfidence = confidence }
                }
                if bestConfidence > confidenceThreshold {
                    candidates.append(Detection(x1: box.x1, y1: box.y1, x2: box.x2, y2: box.y2,
                                                confidence: bestConfidence, classIndex: best))
                }
            }
        }
        if let classes { candidates = candidates.filter { classes.contains($0.classIndex) } }
        guard !candidates.isEmpty else { return [] }

        // stable descending order, as torch's CPU sort and torchvision's NMS order ties
        var order = Array(candidates.indices)
        order.sort { candidates[$0].confidence > candidates[$1].confidence || 
            (candidates[$0].confidence == candidates[$1].confidence && $0 < $1) }
        if order.count > maxCandidates { order.removeLast(order.count - maxCandidates) }
        let sorted = order.map { candidates[$0] }

        let offsetBoxes = sorted.map { d -> (Float, Float, Float, Float) in
            let offset = agnostic ? 0 : Float(d.classIndex) * Self.classOffset
            return (d.x1 + offset, d.y1 + offset, d.x2 + offset, d.y2 + offset)
        }
        let areas = offsetBoxes.map { ($0.2 - $0.0) * ($0.3 - $0.1) }
        var suppressed = [Bool](repeating: false, count: sorted.count)
        var kept: [Detection] = []
        for i in sorted.indices where !suppressed[i] {
            kept.append(sorted[i])
            if kept.count == maxDetections { break }
            for j in (i + 1)..<sorted.count where !suppressed[j] {
                if BoxGeometry.nmsIoU(offsetBoxes[i], areaA: areas[i], offsetBoxes[j], areaB: areas[j]) > iouThreshold {
                    suppressed[j] = true
                }
            }
        }
        return kept
    }
}
