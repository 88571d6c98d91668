import CBLAS

/// Matrix products through OpenBLAS's `cblas_sgemm`, the kernel every convolution lowers to.
/// OpenBLAS runs single-threaded: a product started outside a parallel region is cut into
/// blocks of columns (or of rows, when there are few columns) that `Parallel` hands to its
/// workers, so OpenBLAS's own threads never spin against ours. The blocks depend only on the
/// matrix shapes (OpenBLAS's rounding can depend on a block's size), so the result does not
/// depend on the thread count.
public enum GEMM {
    /// C[m×n] = alpha · op(A) · op(B) + beta · C, row-major.
    /// `a` is m×k (k×m when `transposeA`), `b` is k×n (n×k when `transposeB`); `lda`, `ldb`, `ldc`
    /// default to contiguous rows and let a matrix be a block inside a wider one.
    public static func multiply(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, transposeA: Bool = false, lda: Int? = nil,
        b: UnsafePointer<Float>, transposeB: Bool = false, ldb: Int? = nil,
        c: UnsafeMutablePointer<Float>, ldc: Int? = nil, alpha: Float = 1, beta: Float = 0
    ) {
        let product = Product(transposeA: transposeA, transposeB: transposeB, k: k,
                              lda: lda ?? (transposeA ? m : k), ldb: ldb ?? (transposeB ? k : n), ldc: ldc ?? n,
                              alpha: alpha, beta: beta)
        let split = Split(m: m, n: n, k: k)
        if split.blocks == 1 || Parallel.isInsideRegion {
            product.run(rows: 0..<m, columns: 0..<n, a: a, b: b, c: c)
            return
        }
        Parallel.distribute(split.blocks) { next in
            while let block = next() {
                let (rows, columns) = split.block(block, m: m, n: n)
                product.run(rows: rows, columns: columns, a: a, b: b, c: c)
            }
        }
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

    /// Keeps OpenBLAS on the calling thread (set once, before the first product).
    private static let singleThreaded: Bool = {
        openblas_set_num_threads(1)
        return true
    }()

    /// One sgemm call's fixed arguments; `run` computes the block of C at `rows` × `columns`.
    private struct Product {
        let transposeA: Bool, transposeB: Bool, k: Int, lda: Int, ldb: Int, ldc: Int
        let alpha: Float, beta: Float

        func run(rows: Range<Int>, columns: Range<Int>, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                 c: UnsafeMutablePointer<Float>) {
            _ = GEMM.singleThreaded
            guard !rows.isEmpty, !columns.isEmpty else { return }
            let aBlock = transposeA ? a + rows.lowerBound : a + rows.lowerBound * lda
            let bBlock = transposeB ? b + columns.lowerBound * ldb : b + columns.lowerBound
            cblas_sgemm(
                CblasRowMajor,
                transposeA ? CblasTrans : CblasNoTrans,
                transposeB ? CblasTrans : CblasNoTrans,
                Int32(rows.count), Int32(columns.count), Int32(k),
                alpha, aBlock, Int32(lda),
                bBlock, Int32(ldb),
                beta, c + rows.lowerBound * ldc + columns.lowerBound, Int32(ldc))
        }
    }

    /// How a product is cut into blocks: by columns when there are enough of them, else by rows;
    /// about 16 blocks, none under a size where sgemm loses efficiency, none for small products.
    struct Split {
        let byColumns: Bool
        let blockSize: Int
        let blocks: Int

        init(m: Int, n: Int, k: Int) {
            let work = m * n * max(k, 1)
            if work < 1 << 21 {
                (byColumns, blockSize, blocks) = (true, max(n, 1), 1)
            } else if n >= 512 {
                let size = max(256, roundUp(n / 16, to: 64))
                (byColumns, blockSize, blocks) = (true, size, (n + size - 1) / size)
            } else if m >= 64 {
                let size = max(32, roundUp(m / 8, to: 16))
                (byColumns, blockSize, blocks) = (false, size, (m + size - 1) / size)
            } else if n >= 128 {
                let size = max(64, roundUp(n / 4, to: 32))
                (byColumns, blockSize, blocks) = (true, size, (n + size - 1) / size)
            } else {
                (byColumns, blockSize, blocks) = (true, max(n, 1), 1)
            }
        }

        func block(_ index: Int, m: Int, n: Int) -> (rows: Range<Int>, columns: Range<Int>) {
            let start = index * blockSize
            return byColumns ? (0..<m, start..<min(n, start + blockSize)) : (start..<min(m, start + blockSize), 0..<n)
        }
    }
}

@inline(__always)
func roundUp(_ value: Int, to multiple: Int) -> Int { (value + multiple - 1) / multiple * multiple }
