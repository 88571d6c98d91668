/// A size in pixels.
public struct ImageSize: Sendable, Hashable, Codable, CustomStringConvertible {
    public var width: Int
    public var height: Int

    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    /// `WxH`, the order Ultralytics prints sizes in.
    public var description: String { "\(width)x\(height)" }
}
