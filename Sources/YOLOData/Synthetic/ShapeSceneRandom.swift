/// The random source of the synthetic dataset: SplitMix64, kept here so the images depend on the
/// seed alone and never on the standard library's `random(in:)` algorithms, which may change
/// between Swift releases.
struct ShapeSceneRandom {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    /// One SplitMix64 output: the state advances by the golden-ratio increment and is mixed.
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Self.mix(state)
    }

    /// SplitMix64's finaliser, also used to derive independent per-image seeds.
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A double in [0, 1) from the top 53 bits.
    mutating func unit() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// A double in [lower, upper).
    mutating func uniform(_ lower: Double, _ upper: Double) -> Double {
        lower + (upper - lower) * unit()
    }

    /// An integer in the closed range, by the high half of a 128-bit product (no modulo bias
    /// worth speaking of for the small ranges used here, and no rejection loop).
    mutating func integer(in range: ClosedRange<Int>) -> Int {
        let count = UInt64(range.upperBound - range.lowerBound + 1)
        return range.lowerBound + Int(next().multipliedFullWidth(by: count).high)
    }
}
