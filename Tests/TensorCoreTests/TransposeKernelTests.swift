import XCTest
import CKernels

/// `yolo_transpose` over shapes with and without partial blocks of eight in either direction,
/// between strided buffers: every element lands where the definition puts it, nothing else is written.
final class TransposeKernelTests: KernelTierTestCase {
    func testTransposeMatchesTheDefinitionAndWritesNothingElse() {
        for (rows, columns) in [(1, 1), (3, 5), (8, 8), (8, 13), (9, 8), (17, 23), (24, 1), (1, 40), (0, 5), (5, 0)] {
            let (sourceStride, targetStride) = (columns + 3, rows + 2)
            let source = (0..<(rows * sourceStride)).map { Float($0) }
            let sentinel: Float = -1
            var target = [Float](repeating: sentinel, count: max(columns, 1) * targetStride + 8)
            target.withUnsafeMutableBufferPointer {
                yolo_transpose(source, sourceStride, rows, columns, $0.baseAddress!, targetStride)
            }
            for (index, value) in target.enumerated() {
                let (c, r) = (index / targetStride, index % targetStride)
                let expected = c < columns && r < rows ? source[r * sourceStride + c] : sentinel
                XCTAssertEqual(value, expected, "\(rows)×\(columns): target[\(index)]")
            }
        }
    }
}
