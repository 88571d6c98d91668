import XCTest
import YOLOData

/// JPEG decoding against `cv2.imread` (libjpeg-turbo inside OpenCV 5.0.0), byte for byte.
final class JPEGDecodingTests: XCTestCase {
    func testChromaSubsamplingsProgressiveAndGreyMatchOpenCV() throws {
        for name in ["jpeg_420", "jpeg_422", "jpeg_444", "jpeg_progressive", "jpeg_gray"] {
            let decoded = try RGBImage.read(path: Fixtures.path(name + ".jpg"))
            assertSameImage(decoded, try Fixtures.image(name + ".npy"), name)
        }
    }

    func testGreyJPEGBecomesThreeEqualChannels() throws {
        let decoded = try RGBImage.read(path: Fixtures.path("jpeg_gray.jpg"))
        for p in 0..<(decoded.width * decoded.height) {
            XCTAssertEqual(decoded.pixels[3 * p], decoded.pixels[3 * p + 1])
            XCTAssertEqual(decoded.pixels[3 * p], decoded.pixels[3 * p + 2])
        }
    }

    func testAdobeCMYKIsConvertedLikeOpenCV() throws {
        let decoded = try RGBImage.read(path: Fixtures.path("jpeg_cmyk.jpg"))
        assertSameImage(decoded, try Fixtures.image("jpeg_cmyk.npy"), "CMYK JPEG")
    }

    /// All eight EXIF orientations (little- and big-endian TIFF headers alternate).
    func testEXIFOrientationIsApplied() throws {
        for orientation in 1...8 {
            let name = "exif_orientation_\(orientation)"
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Fixtures.path(name + ".jpg"))))
            XCTAssertEqual(EXIFOrientation.inJPEG(bytes).rawValue, orientation)
            let decoded = try RGBImage.read(path: Fixtures.path(name + ".jpg"))
            XCTAssertEqual(decoded.width, orientation >= 5 ? 12 : 20, name)
            assertSameImage(decoded, try Fixtures.image(name + ".npy"), name)
        }
    }

    func testMissingOrBrokenEXIFMeansUpright() {
        XCTAssertEqual(EXIFOrientation.inJPEG([0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x04, 0x45, 0x78]), .up)
        XCTAssertEqual(EXIFOrientation.inJPEG([0xFF, 0xD8]), .up)
        var truncatedTIFF: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x12] + Array("Exif\0\0".utf8)
        truncatedTIFF += [0x49, 0x49, 0x2A, 0x00, 0xFF, 0x00, 0x00, 0x00, 0x01, 0x00]
        XCTAssertEqual(EXIFOrientation.inJPEG(truncatedTIFF), .up)
    }
}
