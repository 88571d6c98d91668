import XCTest
import YOLOData

/// The photometric members of Ultralytics' Albumentations block against albumentations 2.0.8
/// on OpenCV 5.0.0, given the BGR array Ultralytics passes (clahe_fixtures.py), byte for byte
/// (tolerance 0), with the random parameters fixed.
final class PhotometricTests: XCTestCase {
    func testCLAHEMatchesAlbumentations() throws {
        let cases = PhotometricFixtures.list("clahe")
        XCTAssertEqual(cases.count, 4)
        for c in cases {
            let clip = (c["clip_limit"] as! NSNumber).doubleValue
            let out = Photometric.clahe(try PhotometricFixtures.input(of: c), clipLimit: clip)
            assertSameImage(out, try PhotometricFixtures.expected(of: c), "CLAHE \(c["image"]!) clip \(clip)")
        }
    }

    func testBlurMatchesAlbumentations() throws {
        for c in PhotometricFixtures.list("blur") {
            let k = c["kernel"] as! Int
            let out = Photometric.boxBlur(try PhotometricFixtures.input(of: c), size: k)
            assertSameImage(out, try PhotometricFixtures.expected(of: c), "Blur \(c["image"]!) k=\(k)")
        }
    }

    func testMedianBlurMatchesAlbumentations() throws {
        for c in PhotometricFixtures.list("median") {
            let k = c["kernel"] as! Int
            let out = Photometric.medianBlur(try PhotometricFixtures.input(of: c), size: k)
            assertSameImage(out, try PhotometricFixtures.expected(of: c), "MedianBlur \(c["image"]!) k=\(k)")
        }
    }

    func testToGrayMatchesAlbumentations() throws {
        for c in PhotometricFixtures.list("gray") {
            let out = Photometric.toGray(try PhotometricFixtures.input(of: c))
            assertSameImage(out, try PhotometricFixtures.expected(of: c), "ToGray \(c["image"]!)")
        }
    }

    /// The whole block with the draws injected: Blur k=5, no MedianBlur, ToGray, CLAHE at 2.75.
    func testApplyWithReplayedDrawsMatchesAlbumentations() throws {
        let c = PhotometricFixtures.list("apply")[0]
        var random = ReplayedRandom(c["draws"])
        let out = Photometric.apply(try PhotometricFixtures.input(of: c), random: &random)
        XCTAssertEqual(random.failures, [])
        XCTAssertEqual(random.remaining, 0)
        assertSameImage(out, try PhotometricFixtures.expected(of: c), "Albumentations block")
    }

    /// With every probability draw above 0.01 nothing is applied and no parameter is drawn.
    func testNothingAppliedAboveProbability() throws {
        let image = try PhotometricFixtures.image("small.npy")
        var random = ReplayedRandom([["random", 0.5], ["random", 0.01], ["random", 0.2], ["random", 0.99]])
        XCTAssertEqual(Photometric.apply(image, random: &random), image)
        XCTAssertEqual(random.failures, [])
        XCTAssertEqual(random.remaining, 0)
    }
}
