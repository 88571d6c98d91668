import CBLAS

/// Matrix products through OpenBLAS's `cblas_sgemm`, the kernel every convolution lowers to.
public enum GEMM {
    /// C[m×n] = alpha · op(A) · op(B) + beta · C, all row-major and contiguous.
    /// `a` is m×k (k×m when `transposeA`), `b` is k×n (n×k when `transposeB`); `ldc` lets C be a
    /// block of columns inside a wider matrix.
    public static func multiply(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, transposeA: Bool = false,
        b: UnsafePointer<Float>, transposeB: Bool = false,
        c: UnsafeMutablePointer<Float>, ldc: Int? = nil, alpha: Float = 1, beta: Float = 0
    ) {
        cblas_sgemm(
            CblasRowMajor,
            transposeA ? CblasTrans : CblasNoTrans,
            transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k),
            alpha, a, Int32(transposeA ? m : k),
            b, Int32(transposeB ? k : n),
            beta, c, Int32(ldc ?? n))
    }

    /// The product of two 2-D tensors.
    public static func matmul(_ a: Tensor, _ b: Tensor) -> Tensor {
        precondition(a.shape.count == 2 && b.shape.count == 2 && a.shape[1] == b.shape[0],
                     "matmul needs [m, k] × [k, n], got \(a.shape) × \(b.shape)")
        let (m, k, n) = (a.shape[0], a.shape[1], b.shape[1])
        var result = Tensor(shape: [m, n])
        a.storage.withUnsafeBufferPointer { pa in
            b.storage.withUnsafeBufferPointer { pb in
                result.storage.withUnsafeMutableBufferPointer { pc in
                    multiply(m: m, n: n, k: k, a: pa.baseAddress!, b: pb.baseAddress!, c: pc.baseAddress!)
                }
            }
        }
        return result
    }

    /// Sets how many threads OpenBLAS uses (it otherwise takes every core).
    public static func setThreadCount(_ count: Int) {
        openblas_set_num_threads(Int32(max(1, count)))
    }
}
