import Foundation

/// YOLOv5's detection confusion matrix: (classes + 1)² counts, rows the predicted class, columns the
/// true class, the last row and column "background".
///
/// Per image, detections with confidence > 0.25 are matched to labels of any class with IoU > 0.45
/// (both compared in float32): pairs ordered by IoU descending, the first pair of each detection kept,
/// re-ordered by IoU descending, then the first pair of each label (numpy's sort; see `NumpyArgsort`).
/// A matched label counts at (detection class, label class), an unmatched one at (background, label
/// class). Unmatched detections count at (detection class, background), but only when the image has at
/// least one match: YOLOv5 skips them otherwise.
public struct ConfusionMatrix: Sendable, Equatable {
    public let classCount: Int
    public let confidenceThreshold: Float
    public let iouThreshold: Float
    /// `matrix[predicted][true]`, float64 counts as numpy holds them.
    public private(set) var matrix: [[Double]]

    public init(classCount: Int, confidenceThreshold: Float = 0.25, iouThreshold: Float = 0.45) {
        self.classCount = classCount
        self.confidenceThreshold = confidenceThreshold
        self.iouThreshold = iouThreshold
        matrix = [[Double]](repeating: [Double](repeating: 0, count: classCount + 1), count: classCount + 1)
    }

    /// One image with detections (before the confidence filter) and labels.
    public mutating func process(detections allDetections: [Detection], labels: [LabeledBox]) {
        let detections = allDetections.filter { $0.confidence > confidenceThreshold }
        var pairs: [(label: Int, detection: Int, iou: Float)] = []
        for (l, label) in labels.enumerated() {
            let box = label.asDetection
            for (d, detection) in detections.enumerated() {
                let iou = BoxGeometry.metricIoU(box, detection)
                if iou > iouThreshold { pairs.append((l, d, iou)) }
            }
        }
        if pairs.count > 1 {
            pairs = NumpyArgsort.descendingByReversal(pairs.map(\.iou)).map { pairs[$0] }
            pairs = NumpyUnique.firstOccurrences(pairs.map(\.detection)).map { pairs[$0] }
            pairs = NumpyArgsort.descendingByReversal(pairs.map(\.iou)).map { pairs[$0] }
            pairs = NumpyUnique.firstOccurrences(pairs.map(\.label)).map { pairs[$0] }
        }
        let background = classCount
        for (l, label) in labels.enumerated() {
            let matched = pairs.filter { $0.label == l }
            if matched.count == 1 {
                matrix[detections[matched[0].detection].classIndex][label.classIndex] += 1
            } else {
                matrix[background][label.classIndex] += 1
            }
        }
        if !pairs.isEmpty {
            let matchedDetections = Set(pairs.map(\.detection))
            for (d, detection) in detections.enumerated() where !matchedDetections.contains(d) {
                matrix[detection.classIndex][background] += 1
            }
        }
    }

    /// An image without detections (`process_batch(detections=None, labels=...)`): every label is missed.
    public mutating func processUndetected(labelClasses: [Int]) {
        for c in labelClasses { matrix[classCount][c] += 1 }
    }

    /// Column-normalized matrix as Ultralytics plots it: each count over its column sum + 1e-9.
    public func normalized() -> [[Double]] {
        let n = classCount + 1
        var sums = [Double](repeating: 0, count: n)
        for row in matrix { for j in 0..<n { sums[j] += row[j] } }
        return matrix.map { row in (0..<n).map { row[$0] / (sums[$0] + 1e-9) } }
    }

    /// `ConfusionMatrix.print()`: one line per predicted class, counts as Python prints floats ("3.0").
    public var text: String {
        matrix.map { $0.map(Self.pythonFloat).joined(separator: " ") }.joined(separator: "\n")
    }

    /// A CSV with the plot's layout: header `Predicted \ True`, the class names and `background`; one row
    /// per predicted class. Counts, or column-normalized values with two decimals (blank below 0.005, as the
    /// plot leaves them unannotated).
    public func csv(names: [String]? = nil, normalize: Bool = false) -> String {
        let labels = (names?.count == classCount ? names! : (0..<classCount).map(String.init)) + ["background"]
        let values = normalize ? normalized() : matrix
        var lines = ["Predicted \\ True," + labels.map(Self.csvField).joined(separator: ",")]
        for (i, row) in values.enumerated() {
            let cells = row.map { v -> String in
                if normalize { return v < 0.005 ? "" : String(format: "%.2f", v) }
                return v == v.rounded() ? String(Int(v)) : "\(v)"
            }
            lines.append(([Self.csvField(labels[i])] + cells).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func pythonFloat(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e16 { return "\(Int(v)).0" }
        return "\(v)"
    }

    static func csvField(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}
