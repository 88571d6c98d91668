import Dispatch
import TensorCore
import YOLOConfig

/// `yolo benchmark --gemm N`: OpenBLAS's sgemm on N×N matrices with the benchmark's thread
/// count, the most a convolution lowered to GEMM could reach on this machine.
extension Benchmark {
    func runGEMM(size n: Int) throws {
        guard n > 0 else { throw ConfigError("--gemm must be positive", file: nil) }
        // deterministic, well-scaled values (no denormals, no overflow)
        let a = (0..<n * n).map { Float(($0 * 7919) % 1000) / 1000 - 0.5 }
        let b = (0..<n * n).map { Float(($0 * 104_729) % 997) / 997 - 0.5 }
        var c = [Float](repeating: 0, count: n * n)
        func once() -> Double {
            let start = DispatchTime.now().uptimeNanoseconds
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    c.withUnsafeMutableBufferPointer { pc in
                        GEMM.multiply(m: n, n: n, k: n, a: pa.baseAddress!, b: pb.baseAddress!, c: pc.baseAddress!)
                    }
                }
            }
            return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        }
        for _ in 0..<warmup { _ = once() }
        let times = (0..<runs).map { _ in once() }
        let flops = 2 * Double(n) * Double(n) * Double(n)
        print("gemm: OpenBLAS sgemm \(n)×\(n)×\(n) (float32, row-major), \(threads) threads, \(runs) runs after \(warmup) warm-up")
        print(String(repeating: " ", count: 6) + "size   median ms      min ms      max ms   GFLOP/s")
        let best = median(times)
        print(pad("\(n)", 10) + pad(fixed(best), 14) + pad(fixed(times.min()!), 12) + pad(fixed(times.max()!), 12)
              + pad(fixed(flops / best / 1e6), 10))
    }
}
