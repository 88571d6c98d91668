import XCTest
import YOLOData

/// `cv2.createCLAHE(clipLimit, (8, 8)).apply` on L planes, byte for byte (tolerance 0):
/// 64×48 (tiles divide evenly), 100×75 (padded both ways) and 120×90 from bus.jpg (width
/// divides, yet OpenCV pads both ways), with clip limits 1 to 4 and 40 (OpenCV's default).
final class ContrastLimitedEqualizationTests: XCTestCase {
    func testPlanesMatchOpenCV() throws {
        let cases = PhotometricFixtures.list("clahe_plane")
        XCTAssertEqual(cases.count, 5)
        for c in cases {
            let pair = try PhotometricFixtures.planePair(c["fixture"] as! String)
            let clip = (c["clip_limit"] as! NSNumber).doubleValue
            let out = ContrastLimitedEqualization(clipLimit: clip).apply(pair.input, width: pair.width, height: pair.height)
            assertSameBytes(out, pair.output, "CLAHE clip \(clip) on \(pair.width)x\(pair.height)")
        }
    }

    /// A flat plane has one histogram spike per tile; clipping spreads it over all bins, so
    /// every tile maps the value to the same level and the plane stays flat.
    func testFlatPlaneStaysFlat() {
        let out = ContrastLimitedEqualization(clipLimit: 2).apply([UInt8](repeating: 90, count: 64 * 64), width: 64, height: 64)
        XCTAssertEqual(Set(out).count, 1)
    }
}
