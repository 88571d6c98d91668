import XCTest
@testable import TensorCore

final class GEMMTests: XCTestCase {

    /// Reference product in Float64, indices written out.
    private func naive(m: Int, n: Int, k: Int, a: [Float], ta: Bool, b: [Float], tb: Bool) -> [Double] {
        var c = [Double](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k {
                    let av = ta ? a[p * m + i] : a[i * k + p]
                    let bv = tb ? b[j * k + p] : b[p * n + j]
                    sum += Double(av) * Double(bv)
                }
                c[i * n + j] = sum
            }
        }
        return c
    }

    func testProductsMatchFloat64ReferenceForEveryTransposeCombination() {
        let (m, n, k) = (7, 5, 13)
        let a = testValues(m * k, seed: 1), b = testValues(k * n, seed: 2)
        for ta in [false, true] {
            for tb in [false, true] {
                var c = [Float](repeating: 0, count: m * n)
                a.withUnsafeBufferPointer { pa in
                    b.withUnsafeBufferPointer { pb in
                        c.withUnsafeMutableBufferPointer { pc in
                            GEMM.multiply(m: m, n: n, k: k, a: pa.baseAddress!, transposeA: ta,
                                          b: pb.baseAddress!, transposeB: tb, c: pc.baseAddress!)
                        }
                    }
                }
                let expected = naive(m: m, n: n, k: k, a: a, ta: ta, b: b, tb: tb)
                for (got, want) in zip(c, expected) {
                    // 13 products of magnitude ≤ 1 in float32: error well under 1e-5
                    XCTAssertEqual(Double(got), want, accuracy: 1e-5, "transposeA \(ta) transposeB \(tb)")
                }
            }
        }
    }

    func testMatmulOfTensorsAndAccumulationWithBeta() {
        let a = Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
        let b = Tensor(shape: [3, 2], values: [7, 8, 9, 10, 11, 12])
        XCTAssertEqual(GEMM.matmul(a, b), Tensor(shape: [2, 2], values: [58, 64, 139, 154]))

        var c: [Float] = [1, 1, 1, 1]
        a.storage.withUnsafeBufferPointer { pa in
            b.storage.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    GEMM.multiply(m: 2, n: 2, k: 3, a: pa.baseAddress!, b: pb.baseAddress!, c: pc.baseAddress!,
                                  alpha: 2, beta: 1)
                }
            }
        }
        XCTAssertEqual(c, [117, 129, 279, 309])
    }
}
