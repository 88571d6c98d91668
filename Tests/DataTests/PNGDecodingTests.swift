import XCTest
import YOLOData

/// PNG decoding against `cv2.imread(IMREAD_COLOR)`: grey and palette expanded, alpha and
/// tRNS dropped without compositing, 16-bit reduced to the high byte, gamma ignored, eXIf
/// orientation applied.
final class PNGDecodingTests: XCTestCase {
    func testEveryColourTypeMatchesOpenCV() throws {
        let exact = ["png_gray8", "png_gray1", "png_gray2", "png_gray4", "png_gray16", "png_gray_alpha8",
                     "png_rgb8_gamma", "png_rgb8_srgb_trns", "png_rgb16", "png_rgba8", "png_rgba16_opaque",
                     "png_palette4_trns", "png_palette8", "png_exif6"]
        for name in exact {
            let decoded = try RGBImage.read(path: Fixtures.path(name + ".png"))
            assertSameImage(decoded, try Fixtures.image(name + ".npy"), name)
        }
    }

    func testEXIFChunkRotatesThePicture() throws {
        let decoded = try RGBImage.read(path: Fixtures.path("png_exif6.png"))
        XCTAssertEqual(decoded.width, 5)
        XCTAssertEqual(decoded.height, 7)
    }

    /// The documented deviation: 16-bit colour under partial alpha is recovered from libpng's
    /// premultiplied output, so it may be a level off (fully transparent pixels come out 0).
    func testSixteenBitWithPartialAlphaIsWithinOneLevel() throws {
        let decoded = try RGBImage.read(path: Fixtures.path("png_rgba16.png"))
        let expected = try Fixtures.image("png_rgba16.npy")
        XCTAssertEqual(decoded.width, expected.width)
        let largest = zip(decoded.pixels, expected.pixels).map { abs(Int($0) - Int($1)) }.max() ?? 0
        XCTAssertLessThanOrEqual(largest, 1)
    }
}
