/// The synthetic dataset draws from the pipeline's SplitMix64 (`SeededRandom`), so its images
/// depend on the seed alone and never on the standard library's `random(in:)` algorithms.
typealias ShapeSceneRandom = SeededRandom

extension SeededRandom {
    /// SplitMix64's finaliser, used to derive independent per-image seeds.
    static func mix(_ value: UInt64) -> UInt64 { finalise(value) }

    /// An integer in the closed range by the high half of a 128-bit product (no rejection loop;
    /// the bias is negligible for the small ranges the scenes use).
    mutating func integer(in range: ClosedRange<Int>) -> Int {
        let count = UInt64(range.upperBound - range.lowerBound + 1)
        return range.lowerBound + Int(next().multipliedFullWidth(by: count).high)
    }
}
