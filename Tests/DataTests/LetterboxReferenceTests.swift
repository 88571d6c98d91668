import Checkpoint
import TestSupport
import XCTest
import YOLOData

/// Decode + letterbox against the uint8 network inputs Ultralytics produced (shared reference
/// data, README §2–§4): identical bytes mean identical JPEG decoding, resize and padding.
final class LetterboxReferenceTests: XCTestCase {
    func testBusAt640MatchesDetectPyInput() throws {
        let bus = try RGBImage.read(path: try SharedData.path("images/bus.jpg"))
        XCTAssertEqual(bus.width, 810)
        XCTAssertEqual(bus.height, 1080)
        let boxed = Letterbox(size: 640).apply(to: bus)
        XCTAssertEqual(boxed.image.width, 480)
        XCTAssertEqual(boxed.image.height, 640)
        XCTAssertEqual(boxed.padding.width, 0)
        XCTAssertEqual(boxed.padding.height, 0)
        let reference = try NPYFile.read(path: try SharedData.path("reference/bus_input_rgb_chw_uint8.npy"))
        XCTAssertEqual(reference.shape, [3, 640, 480])
        assertSameBytes(boxed.image.planarBytes(), reference.bytes, "bus.jpg letterboxed at 640 (CHW)")
    }

    func testBusAt320MatchesLayerReferenceInput() throws {
        let bus = try RGBImage.read(path: try SharedData.path("images/bus.jpg"))
        let boxed = Letterbox(size: 320).apply(to: bus)
        XCTAssertEqual(boxed.left, 8)
        XCTAssertEqual(boxed.top, 0)
        XCTAssertEqual(boxed.padding.width, 8)
        let reference = try NPYFile.read(path: try SharedData.path("reference/layers_bus320_input_uint8.npy"))
        XCTAssertEqual(reference.shape, [1, 3, 320, 256])
        assertSameBytes(boxed.image.planarBytes(), reference.bytes, "bus.jpg letterboxed at 320 (CHW)")
    }

    func testCoco128LossBatchMatchesReference() throws {
        let reference = try NPYFile.read(path: try SharedData.path("reference/loss_batch_images_uint8.npy"))
        XCTAssertEqual(reference.shape, [4, 3, 320, 320])
        let names = ["000000000009", "000000000025", "000000000030", "000000000034"]
        let expectedTop = [40, 53, 53, 54]   // 480, 426, 428, 425 rows → 240, 213, 214, 212 (212.5 rounds to even)
        var images: [RGBImage] = []
        for (index, name) in names.enumerated() {
            let path = try SharedData.path("datasets/coco128/images/train2017/\(name).jpg")
            let boxed = Letterbox(size: 320, auto: false, scaleUp: true).apply(to: try RGBImage.read(path: path))
            XCTAssertEqual(boxed.top, expectedTop[index], name)
            let plane = 3 * 320 * 320
            assertSameBytes(boxed.image.planarBytes(), Array(reference.bytes[(index * plane)..<((index + 1) * plane)]),
                            "\(name).jpg letterboxed at 320x320")
            images.append(boxed.image)
        }
        // The batch tensor is the same bytes scaled by 1/255.
        let batch = try NetworkInput.batch(images)
        XCTAssertEqual(batch.shape, [4, 3, 320, 320])
        let expected = reference.bytes.map { Float($0) / 255 }
        XCTAssertEqual(batch.storage, expected)
    }
}
