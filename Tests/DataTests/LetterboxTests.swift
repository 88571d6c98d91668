import TensorCore
import XCTest
import YOLOData

/// Letterbox geometry (Ultralytics' rounding rules) and the network-input tensors.
final class LetterboxTests: XCTestCase {
    /// 640x425 at 320 without auto: r = 0.5, 212.5 rows round to even (212), 108 rows of padding
    /// split 54/54; the ratio keeps the exact 0.5 (labels are scaled by it, not by 212/425).
    func testHalfPixelRoundsToEvenAndPaddingSplits() {
        let image = RGBImage(width: 640, height: 425, fill: (10, 20, 30))
        let boxed = Letterbox(size: 320, auto: false).apply(to: image)
        XCTAssertEqual(boxed.image.width, 320)
        XCTAssertEqual(boxed.image.height, 320)
        XCTAssertEqual(boxed.ratio.width, 0.5)
        XCTAssertEqual(boxed.ratio.height, 0.5)
        XCTAssertEqual(boxed.padding.height, 54)
        XCTAssertEqual(boxed.top, 54)
        XCTAssertEqual(boxed.image[0, 53].0, 114)
        XCTAssertEqual(boxed.image[0, 54].0, 10)
        XCTAssertEqual(boxed.image[0, 54 + 211].0, 10)
        XCTAssertEqual(boxed.image[0, 54 + 212].0, 114)
    }

    /// An odd padding puts the extra row at the bottom (round(dh - 0.1) vs round(dh + 0.1)).
    func testOddPaddingGoesBelowAndRight() {
        let boxed = Letterbox(height: 10, width: 12, auto: false).apply(to: RGBImage(width: 12, height: 7, fill: (1, 1, 1)))
        XCTAssertEqual(boxed.padding.height, 1.5)
        XCTAssertEqual(boxed.top, 1)
        XCTAssertEqual(boxed.image.height, 10)
        XCTAssertEqual(boxed.image[5, 0].0, 114)
        XCTAssertEqual(boxed.image[5, 1].0, 1)
        XCTAssertEqual(boxed.image[5, 7].0, 1)
        XCTAssertEqual(boxed.image[5, 8].0, 114)
    }

    func testAutoPadsToTheStrideOnly() {
        let boxed = Letterbox(size: 640).apply(to: RGBImage(width: 1000, height: 500))
        XCTAssertEqual(boxed.image.width, 640)
        XCTAssertEqual(boxed.image.height, 320)   // 320 rows fit the stride already
        let odd = Letterbox(size: 640).apply(to: RGBImage(width: 1000, height: 510))
        XCTAssertEqual(odd.image.height, 352)     // round(326.4) = 326 rows + 26 padding
        XCTAssertEqual(odd.padding.height, 13)
    }

    func testScaleUpFalseOnlyPads() {
        let image = RGBImage(width: 100, height: 50, fill: (3, 4, 5))
        let boxed = Letterbox(size: 128, auto: false, scaleUp: false).apply(to: image)
        XCTAssertEqual(boxed.ratio.width, 1)
        XCTAssertEqual(boxed.left, 14)
        XCTAssertEqual(boxed.top, 39)
        XCTAssertEqual(boxed.image.cropped(x: 14, y: 39, width: 100, height: 50), image)
    }

    func testScaleFillStretches() {
        let boxed = Letterbox(height: 64, width: 32, auto: false, scaleFill: true).apply(to: RGBImage(width: 100, height: 50))
        XCTAssertEqual(boxed.image.width, 32)
        XCTAssertEqual(boxed.image.height, 64)
        XCTAssertEqual(boxed.ratio.width, 0.32)
        XCTAssertEqual(boxed.ratio.height, 1.28)
        XCTAssertEqual(boxed.padding.width, 0)
    }

    func testOriginalPointUndoesTheMapping() {
        let boxed = Letterbox(size: 320, auto: false).apply(to: RGBImage(width: 640, height: 425))
        let p = boxed.originalPoint(x: 160, y: 54 + 106.25)
        XCTAssertEqual(p.x, 320, accuracy: 1e-9)
        XCTAssertEqual(p.y, 212.5, accuracy: 1e-9)
    }

    func testNetworkInputIsPlanarAndScaledBy255() throws {
        var image = RGBImage(width: 2, height: 1)
        image.pixels = [255, 0, 51, 1, 2, 3]
        let tensor = image.networkInput()
        XCTAssertEqual(tensor.shape, [1, 3, 1, 2])
        XCTAssertEqual(tensor.storage, [1, Float(1) / 255, 0, Float(2) / 255, Float(51) / 255, Float(3) / 255])
        XCTAssertEqual(image.planarBytes(), [255, 1, 0, 2, 51, 3])
    }

    func testBatchStacksImagesAndRefusesMixedSizes() throws {
        let a = RGBImage(width: 3, height: 2, fill: (255, 255, 255)), b = RGBImage(width: 3, height: 2)
        let batch = try NetworkInput.batch([a, b])
        XCTAssertEqual(batch.shape, [2, 3, 2, 3])
        XCTAssertEqual(Array(batch.storage[0..<18]), [Float](repeating: 1, count: 18))
        XCTAssertEqual(Array(batch.storage[18...]), [Float](repeating: 0, count: 18))
        XCTAssertThrowsError(try NetworkInput.batch([a, RGBImage(width: 2, height: 3)]))
        XCTAssertThrowsError(try NetworkInput.batch([]))
    }
}
