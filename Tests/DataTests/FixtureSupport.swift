import Checkpoint
import Foundation
import TestSupport
import XCTest
import YOLOData

/// Fixtures made by scripts/reference/image_fixtures.py with OpenCV 5.0.0.
enum Fixtures {
    static func path(_ name: String) -> String { SharedData.project("Tests/DataTests/Fixtures/" + name) }

    /// A uint8 `.npy` array of shape (h, w, 3), as an image.
    static func image(_ name: String) throws -> RGBImage {
        let stored = try NPYFile.read(path: path(name))
        guard stored.dtype == .uint8, stored.shape.count == 3, stored.shape[2] == 3 else {
            throw ImageError("expected a uint8 (h, w, 3) array, got \(stored.dtype) \(stored.shape)", file: name)
        }
        return RGBImage(width: stored.shape[1], height: stored.shape[0], pixels: stored.bytes)
    }
}

/// Asserts two byte arrays are equal, reporting how many bytes differ and where the first
/// difference is (as pixel and channel of an HWC image `width` wide, when given).
func assertSameBytes(_ actual: [UInt8], _ expected: [UInt8], width: Int? = nil, _ what: String,
                     file: StaticString = #filePath, line: UInt = #line) {
    guard actual.count == expected.count else {
        XCTFail("\(what): \(actual.count) bytes, expected \(expected.count)", file: file, line: line)
        return
    }
    var differing = 0, first = -1, largest = 0
    for i in 0..<actual.count where actual[i] != expected[i] {
        differing += 1
        if first < 0 { first = i }
        largest = max(largest, abs(Int(actual[i]) - Int(expected[i])))
    }
    guard differing > 0 else { return }
    var whereText = "byte \(first)"
    if let width {
        let pixel = first / 3
        whereText = "pixel (x \(pixel % width), y \(pixel / width)) channel \(first % 3)"
    }
    XCTFail("\(what): \(differing) of \(actual.count) bytes differ (largest difference \(largest)); first at \(whereText): "
            + "\(actual[first]) instead of \(expected[first])", file: file, line: line)
}

func assertSameImage(_ actual: RGBImage, _ expected: RGBImage, _ what: String,
                     file: StaticString = #filePath, line: UInt = #line) {
    guard actual.width == expected.width, actual.height == expected.height else {
        XCTFail("\(what): \(actual.width)x\(actual.height), expected \(expected.width)x\(expected.height)", file: file, line: line)
        return
    }
    assertSameBytes(actual.pixels, expected.pixels, width: actual.width, what, file: file, line: line)
}

extension RGBImage {
    /// The listed rows, stacked (how the bus fixtures sample large outputs).
    func rows(_ indices: [Int]) -> RGBImage {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(indices.count * width * 3)
        for y in indices { bytes.append(contentsOf: pixels[(y * width * 3)..<((y + 1) * width * 3)]) }
        return RGBImage(width: width, height: indices.count, pixels: bytes)
    }

    /// The sub-image at columns `x..<x+width`, rows `y..<y+height`.
    func cropped(x: Int, y: Int, width w: Int, height h: Int) -> RGBImage {
        var bytes: [UInt8] = []
        for row in y..<(y + h) {
            bytes.append(contentsOf: pixels[((row * width + x) * 3)..<((row * width + x + w) * 3)])
        }
        return RGBImage(width: w, height: h, pixels: bytes)
    }
}

/// A temporary directory removed when the test ends.
func temporaryDirectory(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("yolo-data-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}
