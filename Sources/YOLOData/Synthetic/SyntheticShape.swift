/// The classes of the synthetic dataset, in class-index order.
public enum SyntheticShape: Int, CaseIterable, Sendable {
    case circle = 0
    case square = 1
    case triangle = 2

    /// The class names written to the data YAML.
    public static var names: [String] { allCases.map(\.name) }

    public var name: String {
        switch self {
        case .circle: return "circle"
        case .square: return "square"
        case .triangle: return "triangle"
        }
    }
}

/// One drawn object: its class, its box in whole pixels and its fill colour.
///
/// The box is `x0 ..< x1`, `y0 ..< y1` in pixel indices: squares and circles fill exactly these
/// rows and columns, a triangle (apex up, base on the bottom row) reaches all four sides to
/// within a pixel (its apex row is empty when the width is even).
public struct SyntheticObject: Sendable, Equatable {
    public var shape: SyntheticShape
    public var x0: Int
    public var y0: Int
    public var x1: Int
    public var y1: Int
    public var colour: (UInt8, UInt8, UInt8)

    public init(shape: SyntheticShape, x0: Int, y0: Int, x1: Int, y1: Int, colour: (UInt8, UInt8, UInt8)) {
        self.shape = shape
        self.x0 = x0
        self.y0 = y0
        self.x1 = x1
        self.y1 = y1
        self.colour = colour
    }

    public var width: Int { x1 - x0 }
    public var height: Int { y1 - y0 }

    /// The YOLO label row `class x_center y_center width height`, normalised by the image side,
    /// six decimals (the precision Ultralytics' converters write).
    public func labelLine(imageSize: Int) -> String {
        let side = Double(imageSize)
        let values = [Double(x0 + x1) / 2 / side, Double(y0 + y1) / 2 / side, Double(width) / side, Double(height) / side]
        return "\(shape.rawValue) " + values.map { formatFixed6($0) }.joined(separator: " ")
    }

    public static func == (a: SyntheticObject, b: SyntheticObject) -> Bool {
        a.shape == b.shape && a.x0 == b.x0 && a.y0 == b.y0 && a.x1 == b.x1 && a.y1 == b.y1 && a.colour == b.colour
    }
}

/// `%.6f` for values in [0, 1] without Foundation's locale handling: the label text must not
/// depend on the machine's settings.
func formatFixed6(_ value: Double) -> String {
    let scaled = (value * 1_000_000).rounded(.toNearestOrEven)
    let whole = Int(scaled) / 1_000_000
    let fraction = String(Int(scaled) % 1_000_000)
    return "\(whole)." + String(repeating: "0", count: 6 - fraction.count) + fraction
}
