import TensorCore
import XCTest
@testable import YOLOTrain

/// clip_grad_norm_(max_norm=10) against torch on 15 gradients of mixed lengths (full blocks of
/// eight and remainders): once with a total norm above 10, once below.
final class GradientClippingTests: XCTestCase {
    func testClipGradNormEqualsTorch() throws {
        let fixture = try OptimizerFixture.load()
        let cases = try XCTUnwrap(fixture["clip"] as? [[String: Any]])
        XCTAssertEqual(cases.count, 2)
        for (index, clipCase) in cases.enumerated() {
            let before = try XCTUnwrap(clipCase["grads"] as? [Any]).map { try OptimizerFixture.floats($0) }
            var gradients = before.map { Tensor(shape: [$0.count], values: $0) }
            let total = GradientClipping.clipNorm(&gradients, maxNorm: try OptimizerFixture.double(clipCase["max_norm"]))
            // The norm is float32 in torch too; the same summation order gives the same bits.
            XCTAssertEqual(Double(total), try OptimizerFixture.double(clipCase["total_norm"]), "case \(index)")
            if let clipped = clipCase["clipped"] as? [Any] {
                XCTAssertGreaterThan(total, 10)
                for (ours, expected) in zip(gradients, clipped) {
                    XCTAssertEqual(ours.storage, try OptimizerFixture.floats(expected), "case \(index)")
                }
            } else {
                XCTAssertLessThan(total, 10)
                XCTAssertEqual(gradients.map(\.storage), before, "below max_norm nothing changes")
            }
        }
    }

    /// The named form (what `Network.parameterGradients` returns) clips the same way.
    func testNamedGradientsClipLikeUnnamed() throws {
        var unnamed = (0..<5).map { index in Tensor(shape: [9 + index], values: (0..<(9 + index)).map { Float($0 + index) * 0.37 }) }
        var named = unnamed.enumerated().map { (name: "p\($0.offset)", gradient: $0.element) }
        let a = GradientClipping.clipNorm(&unnamed, maxNorm: 1)
        let b = GradientClipping.clipNorm(&named, maxNorm: 1)
        XCTAssertEqual(a, b)
        XCTAssertEqual(named.map(\.gradient), unnamed)
        XCTAssertEqual(named.map(\.name), ["p0", "p1", "p2", "p3", "p4"])
        // Clipped to max_norm: the new norm is max_norm up to float32 rounding.
        XCTAssertEqual(GradientClipping.totalNorm(unnamed), 1, accuracy: 1e-6)
    }

    /// The lane-by-lane float32 sum is the L2 norm up to float32 rounding (checked in Double).
    func testVectorNormIsTheL2Norm() {
        for count in [0, 1, 7, 8, 9, 16, 17, 1000] {
            let values = (0..<count).map { Float(sin(Double($0) * 1.7)) }
            let exact = values.map { Double($0) * Double($0) }.reduce(0, +).squareRoot()
            XCTAssertEqual(Double(TorchVectorNorm.norm(values)), exact, accuracy: 1e-6 * max(exact, 1), "\(count) values")
        }
    }
}
