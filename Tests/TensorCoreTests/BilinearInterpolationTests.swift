import XCTest
import Foundation
@testable import TensorCore

/// Multi-scale training's resize against PyTorch's `interpolate(mode="bilinear", align_corners=False)`
/// (Fixtures/bilinear_interpolation.json from scripts/reference/interpolation_fixtures.py).
final class BilinearInterpolationTests: XCTestCase {
    func testMatchesPyTorchBilinearInterpolate() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/bilinear_interpolation.json")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        let input = Tensor(shape: [2, 3, 7, 9], values: (0..<(2 * 3 * 7 * 9)).map { Float(sin(0.37 * Double($0))) })
        for case let entry as [String: Any] in json["cases"] as! [Any] {
            let (height, width) = (entry["height"] as! Int, entry["width"] as! Int)
            let expected = (entry["output"] as! [Double]).map(Float.init)
            let ours = BilinearInterpolation.resize(input, height: height, width: width)
            XCTAssertEqual(ours.shape, [2, 3, height, width])
            let error = zip(ours.storage, expected).map { abs($0 - $1) }.max() ?? 0
            XCTAssertLessThanOrEqual(error, 1e-6, "\(height)×\(width)")  // float32 rounding of the weights
        }
    }
}
