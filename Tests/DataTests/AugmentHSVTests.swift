import XCTest
import YOLOData

/// OpenCV's 8-bit BGR↔HSV and Ultralytics' augment_hsv, byte for byte.
final class AugmentHSVTests: XCTestCase {
    func testRGBToHSVIsByteExact() throws {
        let rgb = try Fixtures.image("augment_hsv_rgb.npy")
        let expected = try Fixtures.image("augment_hsv_of_rgb.npy")
        assertSameBytes(HSVConversion.hsv(fromRGB: rgb), expected.pixels, width: rgb.width, "BGR2HSV")
    }

    /// Width 100: three 32-pixel SIMD blocks (truncating) and a 4-pixel scalar tail (rounding).
    func testHSVToRGBIsByteExact() throws {
        let hsv = try Fixtures.image("augment_hsv_hsv.npy")
        let expected = try Fixtures.image("augment_hsv_rgb_of_hsv.npy")
        assertSameImage(HSVConversion.rgb(fromHSV: hsv.pixels, width: hsv.width, height: hsv.height), expected, "HSV2BGR")
    }

    func testAugmentHSVWithReplayedGainsIsByteExact() throws {
        let rgb = try Fixtures.image("augment_hsv_rgb.npy")
        let c = AugmentFixtures.cases["hsv"] as! [String: Any]
        let g = AugmentFixtures.doubles(c["gains"])
        var random = ReplayedRandom(c["draws"])
        let out = HSVAugment.apply(rgb, hue: g[0], saturation: g[1], value: g[2], random: &random)
        XCTAssertEqual(random.failures, [])
        XCTAssertEqual(random.remaining, 0)
        assertSameImage(out, try Fixtures.image("augment_hsv_augmented.npy"), "augment_hsv")
    }

    /// Zero gains draw nothing and change nothing (Ultralytics' `if hgain or sgain or vgain`).
    func testZeroGainsAreTheIdentity() throws {
        let rgb = try Fixtures.image("augment_hsv_rgb.npy")
        var random = ReplayedRandom([])
        XCTAssertEqual(HSVAugment.apply(rgb, hue: 0, saturation: 0, value: 0, random: &random), rgb)
        XCTAssertEqual(random.failures, [])
    }

    /// The hue table wraps with Python's modulo and truncates: x·1.5 at x = 130 is 195 → 15.
    func testLookupTablesFollowNumpy() {
        let t = HSVAugment.tables(gains: (1.5, 1.2, 0.5))
        XCTAssertEqual(t.hue[130], 15)
        XCTAssertEqual(t.hue[119], 178)  // 178.5 truncated
        XCTAssertEqual(t.saturation[250], 255)  // clipped
        XCTAssertEqual(t.saturation[100], 120)
        XCTAssertEqual(t.value[255], 127)  // 127.5 truncated
    }
}
