/// One labelled object as a YOLO label file states it: a class index and the box centre and
/// size as fractions of the image's width and height. The numbers are float32, as Ultralytics
/// keeps them (`np.array(..., dtype=np.float32)`).
public struct ObjectLabel: Sendable, Equatable, Codable {
    public var classIndex: Int
    public var x: Float
    public var y: Float
    public var width: Float
    public var height: Float

    public init(classIndex: Int, x: Float, y: Float, width: Float, height: Float) {
        self.classIndex = classIndex
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    /// The row Ultralytics' label arrays hold: `[class, x, y, w, h]`.
    public var row: [Float] { [Float(classIndex), x, y, width, height] }

    // Stored as `[class, x, y, w, h]`; the floats go through Double, whose JSON text reads back
    // to the same float32 exactly.
    public init(from decoder: Decoder) throws {
        var values = try decoder.unkeyedContainer()
        classIndex = try values.decode(Int.self)
        x = Float(try values.decode(Double.self))
        y = Float(try values.decode(Double.self))
        width = Float(try values.decode(Double.self))
        height = Float(try values.decode(Double.self))
    }

    public func encode(to encoder: Encoder) throws {
        var values = encoder.unkeyedContainer()
        try values.encode(classIndex)
        for value in [x, y, width, height] { try values.encode(Double(value)) }
    }
}

/// A labelled box in pixels of some image: class and corners `x1 y1 x2 y2` (float32).
public struct PixelBox: Sendable, Equatable {
    public var classIndex: Int
    public var x1: Float
    public var y1: Float
    public var x2: Float
    public var y2: Float

    public init(classIndex: Int, x1: Float, y1: Float, x2: Float, y2: Float) {
        self.classIndex = classIndex
        self.x1 = x1
        self.y1 = y1
        self.x2 = x2
        self.y2 = y2
    }
}
