import Foundation

/// The random values one `random_perspective` call draws, in Ultralytics' order. Kept apart from
/// the transform so tests can inject the values a reference run used.
public struct PerspectiveDraw: Sendable, Equatable {
    /// `P[2, 0]` and `P[2, 1]`: uniform in ±perspective.
    public var perspectiveX: Double
    public var perspectiveY: Double
    /// Rotation in degrees, uniform in ±degrees.
    public var angle: Double
    /// Scale, uniform in [1 − scale, 1 + scale].
    public var scale: Double
    /// Shear angles in degrees (x about y, y about x), uniform in ±shear.
    public var shearX: Double
    public var shearY: Double
    /// Translation as a fraction of the output size, uniform in 0.5 ± translate.
    public var translateX: Double
    public var translateY: Double

    public init(perspectiveX: Double = 0, perspectiveY: Double = 0, angle: Double = 0, scale: Double = 1,
                shearX: Double = 0, shearY: Double = 0, translateX: Double = 0.5, translateY: Double = 0.5) {
        self.perspectiveX = perspectiveX
        self.perspectiveY = perspectiveY
        self.angle = angle
        self.scale = scale
        self.shearX = shearX
        self.shearY = shearY
        self.translateX = translateX
        self.translateY = translateY
    }

    /// The draws for the hyperparameters, in the order Ultralytics makes them.
    public static func draw<R: AugmentationRandom>(_ settings: AugmentationSettings, random: inout R) -> PerspectiveDraw {
        let p = settings.perspective, d = settings.degrees, s = settings.scale
        let sh = settings.shear, t = settings.translate
        let px = random.uniform(-p, p), py = random.uniform(-p, p)
        let angle = random.uniform(-d, d), scale = random.uniform(1 - s, 1 + s)
        let shx = random.uniform(-sh, sh), shy = random.uniform(-sh, sh)
        let tx = random.uniform(0.5 - t, 0.5 + t), ty = random.uniform(0.5 - t, 0.5 + t)
        return PerspectiveDraw(perspectiveX: px, perspectiveY: py, angle: angle, scale: scale,
                               shearX: shx, shearY: shy, translateX: tx, translateY: ty)
    }
}

/// Ultralytics' `random_perspective` (utils/augmentations.py): one combined matrix
/// `M = T·S·R·P·C` in float64 (centre, perspective, rotation+scale as
/// `cv2.getRotationMatrix2D`, shear, translation), the image warped with it (only when the
/// border is non-zero or M is not the identity), box corners transformed, clipped to the output
/// and filtered with `box_candidates`.
///
/// `border` is Ultralytics' `border` for both axes: the output is `input + 2·border` on each
/// side (−s/2 for a 2s mosaic gives s).
public enum RandomPerspective {
    /// The 3×3 row-major matrix for an input of `inputWidth × inputHeight` and the given output.
    public static func matrix(_ draw: PerspectiveDraw, inputWidth: Int, inputHeight: Int,
                              outputWidth: Int, outputHeight: Int) -> [Double] {
        var c = identity
        c[2] = -Double(inputWidth) / 2
        c[5] = -Double(inputHeight) / 2
        var p = identity
        p[6] = draw.perspectiveX
        p[7] = draw.perspectiveY
        // cv2.getRotationMatrix2D(angle, center=(0, 0), scale)
        let radians = draw.angle * Double.pi / 180
        let alpha = cos(radians) * draw.scale, beta = sin(radians) * draw.scale
        var r = identity
        r[0] = alpha; r[1] = beta; r[2] = 0
        r[3] = -beta; r[4] = alpha; r[5] = 0
        var s = identity
        s[1] = tan(draw.shearX * Double.pi / 180)
        s[3] = tan(draw.shearY * Double.pi / 180)
        var t = identity
        t[2] = draw.translateX * Double(outputWidth)
        t[5] = draw.translateY * Double(outputHeight)
        return multiply(multiply(multiply(multiply(t, s), r), p), c)
    }

    /// Warps `image` and its pixel boxes (`xyxy`) with the draw; the output is
    /// `(width + 2·border) × (height + 2·border)`.
    public static func apply(_ image: RGBImage, boxes: [PixelBox], draw: PerspectiveDraw, border: Int = 0)
        -> (image: RGBImage, boxes: [PixelBox]) {
        let width = image.width + 2 * border, height = image.height + 2 * border
        precondition(width > 0 && height > 0, "random_perspective border \(border) leaves no image")
        let m = matrix(draw, inputWidth: image.width, inputHeight: image.height, outputWidth: width, outputHeight: height)
        let perspective = draw.perspectiveX != 0 || draw.perspectiveY != 0
        var output = image
        if border != 0 || m != identity {
            output = perspective
                ? ImageWarp.perspective(image, matrix: m, width: width, height: height)
                : ImageWarp.affine(image, matrix: Array(m[0..<6]), width: width, height: height)
        }
        return (output, transform(boxes, matrix: m, perspective: perspective, scale: draw.scale,
                                  width: width, height: height))
    }

    /// The box half of `random_perspective`: corners through `M`, min/max, clip, candidates.
    public static func transform(_ boxes: [PixelBox], matrix m: [Double], perspective: Bool, scale: Double,
                                 width: Int, height: Int) -> [PixelBox] {
        var kept: [PixelBox] = []
        kept.reserveCapacity(boxes.count)
        let w = Double(width), h = Double(height)
        for box in boxes {
            let corners = [(box.x1, box.y1), (box.x2, box.y2), (box.x1, box.y2), (box.x2, box.y1)]
            var minX = Double.infinity, minY = Double.infinity, maxX = -Double.infinity, maxY = -Double.infinity
            for (cx, cy) in corners {
                let x = Double(cx), y = Double(cy)
                var tx = x * m[0] + y * m[1] + m[2]
                var ty = x * m[3] + y * m[4] + m[5]
                if perspective {
                    let tw = x * m[6] + y * m[7] + m[8]
                    tx /= tw
                    ty /= tw
                }
                minX = min(minX, tx); maxX = max(maxX, tx)
                minY = min(minY, ty); maxY = max(maxY, ty)
            }
            let new = (x1: clamp(minX, 0, w), y1: clamp(minY, 0, h), x2: clamp(maxX, 0, w), y2: clamp(maxY, 0, h))
            // box1 = targets[:, 1:5].T * s, in float32 as numpy keeps it
            let s = Float(scale)
            let before = (x1: box.x1 * s, y1: box.y1 * s, x2: box.x2 * s, y2: box.y2 * s)
            guard BoxCandidates.keeps(before: before, after: new) else { continue }
            kept.append(PixelBox(classIndex: box.classIndex, x1: Float(new.x1), y1: Float(new.y1),
                                 x2: Float(new.x2), y2: Float(new.y2)))
        }
        return kept
    }

    static let identity: [Double] = [1, 0, 0, 0, 1, 0, 0, 0, 1]

    static func multiply(_ a: [Double], _ b: [Double]) -> [Double] {
        var out = [Double](repeating: 0, count: 9)
        for i in 0..<3 {
            for j in 0..<3 {
                out[i * 3 + j] = a[i * 3] * b[j] + a[i * 3 + 1] * b[3 + j] + a[i * 3 + 2] * b[6 + j]
            }
        }
        return out
    }

    /// numpy's `clip`: NaN stays NaN, otherwise min(max(x, low), high).
    static func clamp(_ x: Double, _ low: Double, _ high: Double) -> Double {
        x.isNaN ? x : min(max(x, low), high)
    }
}

/// Ultralytics' `box_candidates(box1, box2, wh_thr=2, ar_thr=100, area_thr=0.1, eps=1e-16)`: a box
/// survives an augmentation if it is wider and taller than 2 px, keeps more than 10 % of its
/// (scaled) area and its aspect ratio stays under 100.
public enum BoxCandidates {
    public static let minimumSide = 2.0
    public static let maximumAspectRatio = 100.0
    public static let minimumAreaRatio = 0.1
    public static let eps = 1e-16

    /// `before` is the original box times the scale (float32, as numpy holds it), `after` the
    /// transformed box (float64).
    public static func keeps(before: (x1: Float, y1: Float, x2: Float, y2: Float),
                             after: (x1: Double, y1: Double, x2: Double, y2: Double)) -> Bool {
        let w1 = before.x2 - before.x1, h1 = before.y2 - before.y1
        let w2 = after.x2 - after.x1, h2 = after.y2 - after.y1
        let aspect = max(w2 / (h2 + eps), h2 / (w2 + eps))
        // w1·h1 + eps is float32 arithmetic in numpy (eps is a weak Python scalar).
        let areaBefore = w1 * h1 + Float(eps)
        return w2 > minimumSide && h2 > minimumSide && (w2 * h2) / Double(areaBefore) > minimumAreaRatio
            && aspect < maximumAspectRatio
    }
}
