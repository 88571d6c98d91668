/// The shape of one image's feature map, channels × height × width (the batch dimension is implied).
public struct FeatureShape: Sendable, Equatable, CustomStringConvertible {
    public var channels: Int
    public var height: Int
    public var width: Int

    public init(channels: Int, height: Int, width: Int) {
        self.channels = channels
        self.height = height
        self.width = width
    }

    public var elementCount: Int { channels * height * width }

    public var description: String { "\(channels)×\(height)×\(width)" }
}

/// A shape that a module cannot accept; the compiler adds the row and file position.
public struct ShapeError: Error, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
