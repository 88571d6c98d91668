/// Fills synthetic shapes into an RGB image, one row span at a time.
///
/// A pixel is painted when its centre `(x + 0.5, y + 0.5)` lies inside the shape, so squares
/// and circles cover exactly the columns `x0 ..< x1` and rows `y0 ..< y1` of their box.
enum ShapeRasterizer {
    static func fill(_ object: SyntheticObject, into image: inout RGBImage) {
        let width = image.width
        let (r, g, b) = object.colour
        let w = Double(object.width), h = Double(object.height)
        let centreX = Double(object.x0) + w / 2, centreY = Double(object.y0) + h / 2
        image.pixels.withUnsafeMutableBufferPointer { pixels in
            for y in max(object.y0, 0) ..< min(object.y1, image.height) {
                let span: (Int, Int)
                switch object.shape {
                case .square:
                    span = (object.x0, object.x1 - 1)
                case .circle:
                    // Row y holds the points with |x - cx| <= sqrt(r² - dy²).
                    let radius = w / 2
                    let dy = Double(y) + 0.5 - centreY
                    let squared = radius * radius - dy * dy
                    guard squared >= 0 else { continue }
                    span = centredSpan(centreX, halfWidth: squared.squareRoot())
                case .triangle:
                    // Apex at the top centre, base along the bottom edge: the half-width grows
                    // linearly from 0 at y0 to w/2 at y1.
                    let t = (Double(y) + 0.5 - Double(object.y0)) / h
                    span = centredSpan(centreX, halfWidth: t * w / 2)
                }
                let first = max(span.0, object.x0, 0), last = min(span.1, object.x1 - 1, width - 1)
                guard first <= last else { continue }
                var i = (y * width + first) * 3
                for _ in first ... last {
                    pixels[i] = r; pixels[i + 1] = g; pixels[i + 2] = b
                    i += 3
                }
            }
        }
    }

    /// The pixel columns whose centres lie within `halfWidth` of `centre`.
    private static func centredSpan(_ centre: Double, halfWidth: Double) -> (Int, Int) {
        let first = Int((centre - halfWidth - 0.5).rounded(.up))
        let last = Int((centre + halfWidth - 0.5).rounded(.down))
        return (first, last)
    }
}
