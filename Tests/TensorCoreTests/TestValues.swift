/// Deterministic pseudo-random values in [−1, 1] (a 64-bit LCG), so kernel tests reproduce exactly.
func testValues(_ count: Int, seed: UInt64) -> [Float] {
    var state = seed
    return (0..<count).map { _ in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Float(Int64(bitPattern: state >> 11) % 2001 - 1000) / 1000
    }
}
