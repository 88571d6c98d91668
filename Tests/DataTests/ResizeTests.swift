import Foundation
import TestSupport
import XCTest
import YOLOData

/// `resize` against `cv2.resize` outputs (OpenCV 5.0.0) stored by image_fixtures.py.
final class ResizeTests: XCTestCase {
    /// Every kernel cv::resize picks, on a random 48x36 source so only the resize is tested.
    func testRandomSourceMatchesOpenCVForEveryKernel() throws {
        let source = try Fixtures.image("resize_source_48x36.npy")
        let cases: [(Interpolation, String, [(Int, Int)])] = [
            (.linear, "linear", [(31, 23), (100, 77), (96, 72), (24, 18), (48, 20), (7, 50), (1, 1)]),
            (.area, "area", [(24, 18), (16, 12), (12, 9), (24, 12), (30, 20), (17, 35), (60, 50), (30, 50)]),
        ]
        for (interpolation, name, sizes) in cases {
            for (width, height) in sizes {
                let expected = try Fixtures.image("resize_\(name)_\(width)x\(height).npy")
                let actual = resize(source, width: width, height: height, interpolation: interpolation)
                assertSameImage(actual, expected, "\(name) 48x36 → \(width)x\(height)")
            }
        }
    }

    func testSameSizeIsACopy() throws {
        let source = try Fixtures.image("resize_source_48x36.npy")
        XCTAssertEqual(resize(source, width: 48, height: 36), source)
        XCTAssertEqual(resize(source, width: 48, height: 36, interpolation: .area), source)
    }

    /// val.py's load_image: long side to 640 with ceil, INTER_AREA (a fractional factor).
    func testBusValPyAreaShrink() throws {
        let bus = try RGBImage.read(path: try SharedData.path("images/bus.jpg"))
        let r = 640.0 / Double(max(bus.width, bus.height))
        let width = Int((Double(bus.width) * r).rounded(.up)), height = Int((Double(bus.height) * r).rounded(.up))
        XCTAssertEqual(width, 480)
        XCTAssertEqual(height, 640)
        let actual = resize(bus, width: width, height: height, interpolation: .area)
        let rows = Array(stride(from: 0, to: height, by: 4)) + [height - 1]
        assertSameImage(actual.rows(rows), try Fixtures.image("bus_area_valpy_rows.npy"), "bus INTER_AREA → 480x640")
    }

    /// Whole factors: 2 (OpenCV's SIMD path, halves round up) and 3 (float path, halves to even).
    func testBusAreaShrinkByWholeFactors() throws {
        let bus = try RGBImage.read(path: try SharedData.path("images/bus.jpg"))
        let half = resize(bus, width: bus.width / 2, height: bus.height / 2, interpolation: .area)
        assertSameImage(half.rows(Array(stride(from: 0, to: half.height, by: 4))),
                        try Fixtures.image("bus_area_half_rows.npy"), "bus INTER_AREA 1/2")
        let third = resize(bus, width: bus.width / 3, height: bus.height / 3, interpolation: .area)
        assertSameImage(third.rows(Array(stride(from: 0, to: third.height, by: 2))),
                        try Fixtures.image("bus_area_third_rows.npy"), "bus INTER_AREA 1/3")
    }

    func testBusCropLinearEnlargement() throws {
        let bus = try RGBImage.read(path: try SharedData.path("images/bus.jpg"))
        let crop = bus.cropped(x: 300, y: 200, width: 64, height: 48)
        let actual = resize(crop, width: 150, height: 113)
        assertSameImage(actual, try Fixtures.image("bus_linear_crop_up.npy"), "bus crop INTER_LINEAR 64x48 → 150x113")
    }

    /// A flat image stays flat under every kernel (weights that do not sum to 2048 would show).
    func testFlatImageStaysFlat() {
        let flat = RGBImage(width: 37, height: 29, fill: (7, 128, 255))
        for interpolation in [Interpolation.linear, .area] {
            for (width, height) in [(5, 3), (74, 58), (100, 13), (18, 29), (1, 1), (37, 1)] {
                let out = resize(flat, width: width, height: height, interpolation: interpolation)
                XCTAssertEqual(out, RGBImage(width: width, height: height, fill: (7, 128, 255)), "\(interpolation) \(width)x\(height)")
            }
        }
    }
}
