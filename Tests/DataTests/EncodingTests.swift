import Foundation
import TestSupport
import XCTest
import YOLOData

final class EncodingTests: XCTestCase {
    private func sample() throws -> RGBImage { try Fixtures.image("resize_linear_100x77.npy") }

    func testPNGRoundTripIsExact() throws {
        let image = try sample()
        let path = try temporaryDirectory(self).appendingPathComponent("out.png").path
        try image.writePNG(path: path)
        XCTAssertEqual(try RGBImage.read(path: path), image)
        XCTAssertEqual(try RGBImage.decode(try image.encodePNG()), image)
    }

    func testJPEGRoundTripIsClose() throws {
        // A smooth picture (a real photo crop enlarged) so JPEG error stays small.
        let image = try Fixtures.image("jpeg_444.npy")
        let directory = try temporaryDirectory(self)
        let path = directory.appendingPathComponent("out.jpg").path
        try image.writeJPEG(path: path)                    // quality 95
        let decoded = try RGBImage.read(path: path)
        XCTAssertEqual(decoded.width, image.width)
        XCTAssertEqual(decoded.height, image.height)
        let errors = zip(decoded.pixels, image.pixels).map { abs(Int($0) - Int($1)) }
        let mean = Double(errors.reduce(0, +)) / Double(errors.count)
        XCTAssertLessThan(mean, 4, "mean absolute error")
        // Lower quality, smaller file.
        let small = try image.encodeJPEG(quality: 30)
        XCTAssertLessThan(small.count, try image.encodeJPEG().count)
        // No temporary file is left beside the output.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["out.jpg"])
    }

    func testWritingIntoAMissingDirectoryNamesTheFile() throws {
        let path = try temporaryDirectory(self).appendingPathComponent("no/such/dir/out.png").path
        assertThrows(try RGBImage(width: 2, height: 2).writePNG(path: path), containing: [path])
        XCTAssertThrowsError(try RGBImage(width: 2, height: 2).encodeJPEG(quality: 0))
    }

    func testOverwriteReplacesTheWholeFile() throws {
        let path = try temporaryDirectory(self).appendingPathComponent("out.png").path
        try RGBImage(width: 300, height: 200, fill: (1, 2, 3)).writePNG(path: path)
        let small = RGBImage(width: 3, height: 2, fill: (9, 8, 7))
        try small.writePNG(path: path)
        XCTAssertEqual(try RGBImage.read(path: path), small)
    }
}
