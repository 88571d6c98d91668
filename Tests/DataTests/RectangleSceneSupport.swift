import Foundation
import XCTest
import YOLOData

/// Images holding one filled rectangle of a solid colour on a dark background, and the inverse:
/// the box of the pixels of a colour in a transformed image. The geometry tests compare the
/// label box the pipeline carries with where the rectangle's pixels actually went.
enum RectangleScene {
    static let background: (UInt8, UInt8, UInt8) = (20, 20, 20)
    /// Ultralytics' fill for mosaic canvases, warp borders and letterbox padding.
    static let fill: (UInt8, UInt8, UInt8) = (114, 114, 114)
    /// Rectangle colour `i` is drawn for class `i`.
    static let colours: [(UInt8, UInt8, UInt8)] = [(230, 30, 30), (30, 30, 230), (230, 230, 30), (30, 230, 230)]

    /// A rectangle covering pixel columns `x ..< x + w` and rows `y ..< y + h`.
    struct Rectangle {
        var x: Int, y: Int, w: Int, h: Int
    }

    static func image(width: Int, height: Int, rectangle r: Rectangle, colour: Int) -> RGBImage {
        var image = RGBImage(width: width, height: height, fill: background)
        let c = colours[colour]
        for row in r.y..<(r.y + r.h) {
            for column in r.x..<(r.x + r.w) {
                let i = (row * width + column) * 3
                image.pixels[i] = c.0; image.pixels[i + 1] = c.1; image.pixels[i + 2] = c.2
            }
        }
        return image
    }

    /// The label of the rectangle: pixel edges `x … x + w` normalised (Ultralytics' convention:
    /// box corners are pixel edges).
    static func label(_ r: Rectangle, width: Int, height: Int, colour: Int) -> ObjectLabel {
        ObjectLabel(classIndex: colour, x: Float(Double(r.x) + Double(r.w) / 2) / Float(width),
                    y: Float(Double(r.y) + Double(r.h) / 2) / Float(height),
                    width: Float(r.w) / Float(width), height: Float(r.h) / Float(height))
    }

    /// The box, in pixel edges, of the pixels whose nearest palette colour (background, fill and
    /// the rectangle colours) is `colour`, and how many there are; nil when there are none.
    /// A bilinear edge pixel counts when it is more than about half rectangle, so the box is the
    /// rectangle's outline to within a pixel.
    static func found(_ image: RGBImage, colour: Int) -> (x1: Double, y1: Double, x2: Double, y2: Double, count: Int)? {
        let mask = self.mask(image, colour: colour)
        var minX = Int.max, minY = Int.max, maxX = -1, maxY = -1, count = 0
        for y in 0..<image.height {
            for x in 0..<image.width {
                guard mask[y * image.width + x] else { continue }
                count += 1
                minX = min(minX, x); maxX = max(maxX, x); minY = min(minY, y); maxY = max(maxY, y)
            }
        }
        guard count > 0 else { return nil }
        return (Double(minX), Double(minY), Double(maxX + 1), Double(maxY + 1), count)
    }

    /// Per pixel, whether its nearest palette colour is `colour`.
    static func mask(_ image: RGBImage, colour: Int) -> [Bool] {
        let palette = ([background, fill] + colours).map { (Int($0.0), Int($0.1), Int($0.2)) }
        let target = colour + 2
        var mask = [Bool](repeating: false, count: image.width * image.height)
        image.pixels.withUnsafeBufferPointer { pixels in
            for p in 0..<mask.count {
                let (r, g, b) = (Int(pixels[3 * p]), Int(pixels[3 * p + 1]), Int(pixels[3 * p + 2]))
                var best = 0, bestDistance = Int.max
                for k in 0..<palette.count {
                    let c = palette[k]
                    let d = (r - c.0) * (r - c.0) + (g - c.1) * (g - c.1) + (b - c.2) * (b - c.2)
                    if d < bestDistance { bestDistance = d; best = k }
                }
                mask[p] = best == target
            }
        }
        return mask
    }

    /// The connected regions (4-neighbours) of the pixels of `colour`, each as `found` gives it:
    /// a mosaic may hold several copies of one tile.
    static func regions(_ image: RGBImage, colour: Int) -> [(x1: Double, y1: Double, x2: Double, y2: Double, count: Int)] {
        let (width, height) = (image.width, image.height)
        let mask = self.mask(image, colour: colour)
        var seen = [Bool](repeating: false, count: width * height)
        var result: [(x1: Double, y1: Double, x2: Double, y2: Double, count: Int)] = []
        for start in 0..<(width * height) where mask[start] && !seen[start] {
            var stack = [start], count = 0
            var minX = Int.max, minY = Int.max, maxX = -1, maxY = -1
            seen[start] = true
            while let p = stack.popLast() {
                let (x, y) = (p % width, p / width)
                count += 1
                minX = min(minX, x); maxX = max(maxX, x); minY = min(minY, y); maxY = max(maxY, y)
                for (nx, ny) in [(x - 1, y), (x + 1, y), (x, y - 1), (x, y + 1)]
                where nx >= 0 && ny >= 0 && nx < width && ny < height && mask[ny * width + nx] && !seen[ny * width + nx] {
                    seen[ny * width + nx] = true
                    stack.append(ny * width + nx)
                }
            }
            result.append((Double(minX), Double(minY), Double(maxX + 1), Double(maxY + 1), count))
        }
        return result
    }

    /// A normalised label as pixel corners of a `width × height` image.
    static func pixelBox(_ label: ObjectLabel, width: Int, height: Int) -> PixelBox {
        let w = Float(width), h = Float(height)
        return PixelBox(classIndex: label.classIndex, x1: (label.x - label.width / 2) * w, y1: (label.y - label.height / 2) * h,
                        x2: (label.x + label.width / 2) * w, y2: (label.y + label.height / 2) * h)
    }

    /// The smallest box holding all of `boxes`.
    static func union(_ boxes: [PixelBox]) -> PixelBox {
        PixelBox(classIndex: boxes[0].classIndex, x1: boxes.map(\.x1).min()!, y1: boxes.map(\.y1).min()!,
                 x2: boxes.map(\.x2).max()!, y2: boxes.map(\.y2).max()!)
    }

    /// Writes the images as PNG (lossless, so the rectangles keep their exact edges and colours)
    /// and returns them as verified dataset entries.
    static func write(_ images: [(RGBImage, [ObjectLabel])], to folder: URL) throws -> [VerifiedImage] {
        try images.enumerated().map { i, item in
            let path = folder.appendingPathComponent("scene\(i).png").path
            try item.0.writePNG(path: path)
            return VerifiedImage(imagePath: path, labelPath: "", size: ImageSize(width: item.0.width, height: item.0.height),
                                 labels: item.1, labelStatus: .found)
        }
    }
}

/// Asserts that the label box and the rectangle's pixels agree to `tolerance` pixels on every side.
func assertBoxMatchesPixels(_ box: PixelBox, _ found: (x1: Double, y1: Double, x2: Double, y2: Double, count: Int)?,
                            tolerance: Double, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
    guard let found else {
        XCTFail("\(message): label \(box) but no pixels of colour \(box.classIndex)", file: file, line: line)
        return
    }
    let label = [Double(box.x1), Double(box.y1), Double(box.x2), Double(box.y2)]
    let pixels = [found.x1, found.y1, found.x2, found.y2]
    let worst = zip(label, pixels).map { abs($0 - $1) }.max()!
    XCTAssertLessThanOrEqual(worst, tolerance, "\(message): label \(label) vs pixels \(pixels)", file: file, line: line)
}
