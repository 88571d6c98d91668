import Foundation

/// The random source of the training pipeline: SplitMix64, small, fast and fully determined by
/// its 64-bit state, so a sample's augmentation depends only on the seed it was given and never
/// on which thread ran it or in what order.
///
/// Ultralytics draws from Python's `random` and numpy's global generators, whose streams depend
/// on worker scheduling; the distributions are reproduced here (uniform, Beta(32, 32), weighted
/// choices), not the streams.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    /// An independent stream for one item of a keyed family: e.g. (seed, epoch, position) for a
    /// sample. Each key is mixed through the SplitMix64 finaliser so neighbouring keys give
    /// unrelated streams.
    public init(seed: UInt64, keys: [UInt64]) {
        var mixed = SeededRandom.finalise(seed &+ 0x9E37_79B9_7F4A_7C15)
        for key in keys {
            mixed = SeededRandom.finalise(mixed ^ (key &+ 0x9E37_79B9_7F4A_7C15 &+ (mixed << 6) &+ (mixed >> 2)))
        }
        state = mixed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SeededRandom.finalise(state)
    }

    static func finalise(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A double in [0, 1) with 53 random bits (Python's `random.random()` has the same grid).
    public mutating func unit() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// `random.uniform(a, b)`: `a + (b - a) * random()`.
    public mutating func uniform(_ a: Double, _ b: Double) -> Double {
        a + (b - a) * unit()
    }

    /// An integer in `range` (`random.randrange`), without modulo bias.
    public mutating func integer(in range: Range<Int>) -> Int {
        precondition(!range.isEmpty, "empty range")
        return range.lowerBound + Int(next(upperBound: UInt64(range.count)))
    }

    /// A standard normal draw (Box–Muller, one value per call).
    public mutating func normal() -> Double {
        var u = unit()
        while u <= 0 { u = unit() }
        let v = unit()
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }

    /// A Gamma(shape, 1) draw (Marsaglia–Tsang; shape ≥ 1).
    public mutating func gamma(shape: Double) -> Double {
        precondition(shape >= 1, "gamma shape must be at least 1")
        let d = shape - 1.0 / 3.0, c = 1.0 / (9 * d).squareRoot()
        while true {
            var x = 0.0, v = 0.0
            repeat {
                x = normal()
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            let u = unit()
            if u < 1 - 0.0331 * x * x * x * x { return d * v }
            if u > 0, log(u) < 0.5 * x * x + d * (1 - v + log(v)) { return d * v }
        }
    }

    /// `np.random.beta(a, b)` through two gamma draws.
    public mutating func beta(_ a: Double, _ b: Double) -> Double {
        let x = gamma(shape: a), y = gamma(shape: b)
        return x / (x + y)
    }

    /// `random.choices(range(n), weights)`: one index drawn with probability proportional to its
    /// weight, by bisection over the cumulative sums as Python does.
    public mutating func weightedIndex(cumulativeWeights: [Double]) -> Int {
        guard let total = cumulativeWeights.last, total > 0 else { return integer(in: 0..<max(1, cumulativeWeights.count)) }
        let target = unit() * total
        var low = 0, high = cumulativeWeights.count - 1
        while low < high {
            let mid = (low + high) / 2
            if target < cumulativeWeights[mid] { high = mid } else { low = mid + 1 }
        }
        return low
    }
}
