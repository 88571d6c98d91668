/// One detected object: corners in pixels, confidence and class index.
public struct Detection: Sendable, Equatable {
    public var x1: Float, y1: Float, x2: Float, y2: Float
    public var confidence: Float
    public var classIndex: Int

    public init(x1: Float, y1: Float, x2: Float, y2: Float, confidence: Float, classIndex: Int) {
        self.x1 = x1
        self.y1 = y1
        self.x2 = x2
        self.y2 = y2
        self.confidence = confidence
        self.classIndex = classIndex
    }

    public var width: Float { x2 - x1 }
    public var height: Float { y2 - y1 }
}
