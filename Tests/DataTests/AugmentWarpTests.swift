import XCTest
import YOLOData

/// cv2.warpAffine / cv2.warpPerspective (OpenCV 5.0.0, AVX2) against ImageWarp.
final class AugmentWarpTests: XCTestCase {
    func testAffineWarpsAreByteExactWithOpenCV() throws {
        let source = try Fixtures.image("augment_warp_source.npy")
        let cases = AugmentFixtures.cases["warp"] as! [[String: Any]]
        for (i, c) in cases.enumerated() where !(c["perspective"] as! Bool) {
            let m = AugmentFixtures.doubles(c["matrix"])
            let out = ImageWarp.affine(source, matrix: Array(m[0..<6]), width: c["width"] as! Int, height: c["height"] as! Int)
            assertSameImage(out, try Fixtures.image(c["file"] as! String), "warpAffine case \(i)")
        }
    }

    /// The perspective kernel's scalar-tail formula and the 3×3 inverse were inferred (by analogy
    /// with the affine kernel and `cv::invert`'s small-matrix path) and are checked here byte-exact.
    func testPerspectiveWarpIsByteExactWithOpenCV() throws {
        let source = try Fixtures.image("augment_warp_source.npy")
        let cases = AugmentFixtures.cases["warp"] as! [[String: Any]]
        for c in cases where c["perspective"] as! Bool {
            let out = ImageWarp.perspective(source, matrix: AugmentFixtures.doubles(c["matrix"]),
                                            width: c["width"] as! Int, height: c["height"] as! Int)
            assertSameImage(out, try Fixtures.image(c["file"] as! String), "warpPerspective")
        }
    }

    /// M = T·S·R·P·C from the draws equals numpy's matrix to float64 rounding (relative 1e-12).
    func testMatrixMatchesNumpy() {
        let cases = AugmentFixtures.cases["warp"] as! [[String: Any]]
        for c in cases {
            let d = c["draw"] as! [String: Double]
            let draw = PerspectiveDraw(perspectiveX: d["perspective_x"]!, perspectiveY: d["perspective_y"]!, angle: d["angle"]!,
                                       scale: d["scale"]!, shearX: d["shear_x"]!, shearY: d["shear_y"]!,
                                       translateX: d["translate_x"]!, translateY: d["translate_y"]!)
            let m = RandomPerspective.matrix(draw, inputWidth: c["input_width"] as! Int, inputHeight: c["input_height"] as! Int,
                                             outputWidth: c["width"] as! Int, outputHeight: c["height"] as! Int)
            for (a, e) in zip(m, AugmentFixtures.doubles(c["matrix"])) {
                XCTAssertEqual(a, e, accuracy: 1e-12 * max(1, abs(e)))
            }
        }
    }
}
