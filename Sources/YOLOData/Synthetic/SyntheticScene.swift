/// One image of the synthetic dataset: a plain or lightly noisy background with one to four
/// solid shapes of contrasting colour, and the boxes of those shapes.
///
/// The scene is a pure function of (seed, split, index), so an image does not change when the
/// other split or the number of images changes.
public struct SyntheticScene: Sendable {
    public let image: RGBImage
    /// The shapes in drawing order (later ones are painted over earlier ones).
    public let objects: [SyntheticObject]

    /// The dataset's split an image belongs to; part of the image's seed.
    public enum Split: String, Sendable, CaseIterable {
        case train, val
    }

    /// Object sides as a fraction of the image side.
    static let sizeRange = 0.15 ... 0.45
    static let objectCountRange = 1 ... 4
    /// Placements overlapping an earlier shape more than this are drawn again: at IoU 0.1 and
    /// at most 10% of the smaller box covered, no shape is hidden and each box centre shows its
    /// own shape.
    static let maxOverlap = 0.1
    static let placementAttempts = 100
    /// Minimum sum of absolute RGB differences between a shape and the background colour, so
    /// every shape stands out (the dataset must be easy to learn in a few epochs).
    static let minimumContrast = 180

    public init(seed: UInt64, split: Split, index: Int, imageSize: Int) {
        precondition(imageSize > 0, "image size must be positive")
        let splitCode: UInt64 = split == .train ? 0 : 1
        var random = ShapeSceneRandom(seed: ShapeSceneRandom.mix(seed ^ ShapeSceneRandom.mix(UInt64(index) << 1 | splitCode)))

        let background = (UInt8(random.integer(in: 0 ... 255)), UInt8(random.integer(in: 0 ... 255)),
                          UInt8(random.integer(in: 0 ... 255)))
        var image = RGBImage(width: imageSize, height: imageSize, fill: background)
        // Half the images get uniform noise of a few grey levels per channel.
        if random.unit() < 0.5 {
            Self.addNoise(to: &image, amplitude: random.integer(in: 3 ... 10), random: &random)
        }

        var objects: [SyntheticObject] = []
        let wanted = random.integer(in: Self.objectCountRange)
        for _ in 0 ..< wanted {
            guard let object = Self.place(imageSize: imageSize, avoiding: objects, background: background, random: &random)
            else { continue }
            ShapeRasterizer.fill(object, into: &image)
            objects.append(object)
        }
        self.image = image
        self.objects = objects
    }

    /// The label file text: one `class x y w h` row per object.
    public var labelText: String {
        objects.map { $0.labelLine(imageSize: image.width) + "\n" }.joined()
    }

    private static func place(imageSize: Int, avoiding placed: [SyntheticObject], background: (UInt8, UInt8, UInt8),
                              random: inout ShapeSceneRandom) -> SyntheticObject? {
        let shape = SyntheticShape(rawValue: random.integer(in: 0 ... SyntheticShape.allCases.count - 1))!
        let colour = contrastingColour(to: background, random: &random)
        let side = Double(imageSize)
        for _ in 0 ..< placementAttempts {
            let width = max(2, Int((side * random.uniform(sizeRange.lowerBound, sizeRange.upperBound)).rounded()))
            // Triangles vary their aspect a little; squares and circles stay square.
            let height = shape == .triangle
                ? min(imageSize, max(2, Int((Double(width) * random.uniform(0.85, 1.15)).rounded()))) : width
            let x0 = random.integer(in: 0 ... imageSize - width)
            let y0 = random.integer(in: 0 ... imageSize - height)
            let candidate = SyntheticObject(shape: shape, x0: x0, y0: y0, x1: x0 + width, y1: y0 + height, colour: colour)
            if placed.allSatisfy({ !overlapsTooMuch(candidate, $0) }) { return candidate }
        }
        return nil
    }

    static func overlapsTooMuch(_ a: SyntheticObject, _ b: SyntheticObject) -> Bool {
        let w = min(a.x1, b.x1) - max(a.x0, b.x0), h = min(a.y1, b.y1) - max(a.y0, b.y0)
        guard w > 0, h > 0 else { return false }
        let intersection = Double(w * h)
        let areaA = Double(a.width * a.height), areaB = Double(b.width * b.height)
        let iou = intersection / (areaA + areaB - intersection)
        return iou > maxOverlap || intersection > maxOverlap * min(areaA, areaB)
    }

    private static func contrastingColour(to background: (UInt8, UInt8, UInt8),
                                          random: inout ShapeSceneRandom) -> (UInt8, UInt8, UInt8) {
        while true {
            let colour = (UInt8(random.integer(in: 0 ... 255)), UInt8(random.integer(in: 0 ... 255)),
                          UInt8(random.integer(in: 0 ... 255)))
            let distance = abs(Int(colour.0) - Int(background.0)) + abs(Int(colour.1) - Int(background.1))
                + abs(Int(colour.2) - Int(background.2))
            if distance >= minimumContrast { return colour }
        }
    }

    private static func addNoise(to image: inout RGBImage, amplitude: Int, random: inout ShapeSceneRandom) {
        image.pixels.withUnsafeMutableBufferPointer { pixels in
            for i in 0 ..< pixels.count {
                let value = Int(pixels[i]) + random.integer(in: -amplitude ... amplitude)
                pixels[i] = UInt8(clamping: value)
            }
        }
    }
}
