import XCTest
@testable import YOLOData

/// OpenCV 5.0.0's 8-bit COLOR_RGB2LAB and COLOR_LAB2RGB, byte for byte (tolerance 0), on
/// every colour of a 0, 15, ..., 255 lattice plus 4096 random ones (clahe_fixtures.py).
final class LabConversionTests: XCTestCase {
    func testRGBToLabIsByteExact() throws {
        let colours = try PhotometricFixtures.image("lab_colours.npy")
        let expected = try PhotometricFixtures.image("lab_of_colours.npy")
        assertSameBytes(LabConversion.lab(fromRGB: colours.pixels), expected.pixels, "RGB2LAB")
    }

    /// The same bytes read as L, a, b: any byte triple is a valid 8-bit Lab input.
    func testLabToRGBIsByteExact() throws {
        let lab = try PhotometricFixtures.image("lab_colours.npy")
        let expected = try PhotometricFixtures.image("rgb_of_lab_colours.npy")
        assertSameBytes(LabConversion.rgb(fromLab: lab.pixels), expected.pixels, "LAB2RGB")
    }

    /// Fixed points every 8-bit Lab implementation agrees on: black, white and mid grey.
    func testNeutralColours() {
        XCTAssertEqual(LabConversion.lab(fromRGB: [0, 0, 0, 255, 255, 255]), [0, 128, 128, 255, 128, 128])
        XCTAssertEqual(LabConversion.rgb(fromLab: [0, 128, 128, 255, 128, 128]), [0, 0, 0, 255, 255, 255])
    }
}
