import XCTest
import YOLOData

/// Ultralytics' random_perspective with the draws a reference run made.
final class AugmentPerspectiveTests: XCTestCase {
    /// Images byte-exact (affine and perspective); boxes within 1e-4 px (float32 boxes from float64 corners;
    /// numpy's BLAS product may round the last double bit differently).
    func testRandomPerspectiveMatchesUltralytics() throws {
        let source = try Fixtures.image("augment_warp_source.npy")
        let cases = AugmentFixtures.cases["perspective"] as! [String: [String: Any]]
        for (name, c) in cases.sorted(by: { $0.key < $1.key }) {
            let s = c["settings"] as! [String: Double]
            let settings = AugmentationSettings(degrees: s["degrees"]!, translate: s["translate"]!, scale: s["scale"]!,
                                                shear: s["shear"]!, perspective: s["perspective"]!)
            var random = ReplayedRandom(c["draws"])
            let draw = PerspectiveDraw.draw(settings, random: &random)
            XCTAssertEqual(random.failures, [], name)
            XCTAssertEqual(random.remaining, 0, name)
            let boxes = AugmentFixtures.boxes(AugmentFixtures.rows(c["targets_in"]))
            let (image, out) = RandomPerspective.apply(source, boxes: boxes, draw: draw, border: c["border"] as! Int)
            let expected = try Fixtures.image("augment_perspective_\(name).npy")
            assertSameImage(image, expected, name)
            let rows = out.map { [Double($0.classIndex), Double($0.x1), Double($0.y1), Double($0.x2), Double($0.y2)] }
            assertRows(rows, AugmentFixtures.rows(c["targets_out"]), tolerance: 1e-4, name)
        }
    }

    /// box_candidates: > 2 px wide and tall, > 10 % of the scaled area, aspect ratio < 100.
    func testBoxCandidateThresholds() {
        let before: (x1: Float, y1: Float, x2: Float, y2: Float) = (0, 0, 10, 10)
        XCTAssertTrue(BoxCandidates.keeps(before: before, after: (0, 0, 3.5, 3.5)))  // 12.25 % of the area
        XCTAssertFalse(BoxCandidates.keeps(before: before, after: (0, 0, 3, 3)))  // 9 %
        XCTAssertFalse(BoxCandidates.keeps(before: before, after: (0, 0, 2, 50)))  // 2 px is not > 2
        XCTAssertFalse(BoxCandidates.keeps(before: (0, 0, 1000, 10), after: (0, 0, 1000, 9.99)))  // ratio 100.1
    }
}
