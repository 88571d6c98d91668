/// A ground-truth object: class and corners in pixels (a row `class x1 y1 x2 y2` of val.py's `labelsn`).
public struct LabeledBox: Sendable, Equatable {
    public var classIndex: Int
    public var x1: Float, y1: Float, x2: Float, y2: Float

    public init(classIndex: Int, x1: Float, y1: Float, x2: Float, y2: Float) {
        self.classIndex = classIndex
        self.x1 = x1
        self.y1 = y1
        self.x2 = x2
        self.y2 = y2
    }

    /// The same box as a `Detection` (confidence 0), for the shared box geometry.
    var asDetection: Detection {
        Detection(x1: x1, y1: y1, x2: x2, y2: y2, confidence: 0, classIndex: classIndex)
    }
}
