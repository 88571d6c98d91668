/// One axis of OpenCV's bilinear resize: for every output position the first of the two
/// source positions it blends and the two 11-bit fixed-point weights.
///
/// The arithmetic is `cv::resize`'s, step by step, because a different but "equally correct"
/// rounding would change output bytes:
/// * the source coordinate is computed in double and rounded to float
///   (`(d + 0.5) * scale - 0.5`, or from pixel footprints for INTER_AREA's bilinear fallback);
/// * its fractional part `f` and `1 - f` are float, each multiplied by 2048 and rounded to
///   nearest-even separately (so a pair may sum to 2047 or 2049);
/// * horizontally, positions left of the first pixel use that pixel at full weight and
///   positions at or past the last pixel use the last pixel at full weight (`edgeStart`);
///   vertically the weights are left as computed and the rows are clamped when fetched.
struct BilinearWeights {
    static let fractionBits = 11
    static let one = 1 << fractionBits   // 2048: a weight of 1.0

    /// The first source position blended into each output position (unclamped vertically).
    var first: [Int]
    /// Two weights per output position, for `first` and `first + 1`.
    var weights: [Int32]
    /// Horizontal only: from this output position on, the source position is the last one
    /// and is copied at full weight (OpenCV's `xmax`).
    var edgeStart: Int

    init(source: Int, target: Int, footprintWeights: Bool, horizontal: Bool) {
        let inverseScale = Double(target) / Double(source)
        let scale = 1.0 / inverseScale
        first = [Int](repeating: 0, count: target)
        weights = [Int32](repeating: 0, count: 2 * target)
        edgeStart = target
        for d in 0..<target {
            var position: Int
            var fraction: Float
            if footprintWeights {
                position = Int((Double(d) * scale).rounded(.down))
                fraction = Float(Double(d + 1) - Double(position + 1) * inverseScale)
                fraction = fraction <= 0 ? 0 : fraction - fraction.rounded(.down)
            } else {
                fraction = Float((Double(d) + 0.5) * scale - 0.5)
                position = Int(fraction.rounded(.down))
                fraction -= Float(position)
            }
            if horizontal {
                if position < 0 {
                    fraction = 0
                    position = 0
                }
                if position + 1 >= source {
                    edgeStart = min(edgeStart, d)
                    if position >= source - 1 {
                        fraction = 0
                        position = source - 1
                    }
                }
            }
            first[d] = position
            weights[2 * d] = Int32(((1 - fraction) * Float(BilinearWeights.one)).rounded(.toNearestOrEven))
            weights[2 * d + 1] = Int32((fraction * Float(BilinearWeights.one)).rounded(.toNearestOrEven))
        }
    }
}
