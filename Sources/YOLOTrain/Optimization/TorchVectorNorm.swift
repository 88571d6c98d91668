/// The L2 norm of a float32 vector exactly as torch's CPU kernel computes it
/// (`linalg.vector_norm` / `_foreach_norm`, AVX2 build): eight float32 lanes accumulate x·x
/// (product and sum rounded separately) over the full blocks of eight, the lanes are added
/// left to right, the remaining elements are added one by one, and the root is taken in float32.
///
/// Reproducing the order matters: the clipping coefficient, and through it every clipped
/// gradient, depends on the last bits of the norm (a Double sum differs from torch by ~4e-7).
/// The reference data was made with these eight-lane kernels; torch's AVX-512 kernels use 16 lanes.
enum TorchVectorNorm {
    static let lanes = 8

    static func norm(_ values: UnsafeBufferPointer<Float>) -> Float {
        let fullBlocks = values.count / lanes * lanes
        var accumulator = SIMD8<Float>(repeating: 0)
        var index = 0
        let raw = UnsafeRawPointer(values.baseAddress)
        while index < fullBlocks, let raw {
            let block = raw.loadUnaligned(fromByteOffset: index * MemoryLayout<Float>.stride, as: SIMD8<Float>.self)
            accumulator = accumulator + block * block
            index += lanes
        }
        var sum = accumulator[0]
        for lane in 1..<lanes { sum = sum + accumulator[lane] }
        while index < values.count {
            sum = sum + values[index] * values[index]
            index += 1
        }
        return sum.squareRoot()
    }

    static func norm(_ values: [Float]) -> Float {
        values.withUnsafeBufferPointer { norm($0) }
    }
}
