/// The random draws the training pipeline makes, named after the Python calls Ultralytics uses
/// (`random.random`, `random.uniform`, `random.choices`, `random.shuffle`, `np.random.beta`).
/// `SeededRandom` is the generator used in training; a test can supply the values a reference
/// run drew instead, so only the deterministic arithmetic is compared.
public protocol AugmentationRandom {
    /// `random.random()`: a double in [0, 1).
    mutating func unit() -> Double
    /// `random.uniform(a, b)`.
    mutating func uniform(_ a: Double, _ b: Double) -> Double
    /// `random.choices(candidates, k=count)`.
    mutating func choices(_ candidates: [Int], count: Int) -> [Int]
    /// `random.shuffle(values)`.
    mutating func shuffle(_ values: inout [Int])
    /// `np.random.beta(a, b)`.
    mutating func beta(_ a: Double, _ b: Double) -> Double
}

extension SeededRandom: AugmentationRandom {
    public mutating func choices(_ candidates: [Int], count: Int) -> [Int] {
        precondition(!candidates.isEmpty, "choices from an empty list")
        return (0..<count).map { _ in candidates[integer(in: 0..<candidates.count)] }
    }

    public mutating func shuffle(_ values: inout [Int]) {
        guard values.count > 1 else { return }
        for i in stride(from: values.count - 1, to: 0, by: -1) {
            values.swapAt(i, integer(in: 0..<(i + 1)))
        }
    }
}
