import XCTest
import YOLOData

/// load_image sizes, letterbox geometry and the label arithmetic, against values printed by
/// Ultralytics' own letterbox / xywhn2xyxy / xyxy2xywhn (numpy 2.4.6) for the cases the
/// dataset fixtures do not reach: a rect letterbox whose ratio is ≤ 1 (numpy float64 scalars)
/// and a square target given as a plain int.
final class ValidationGeometryTests: XCTestCase {
    private let labels = [ObjectLabel(classIndex: 3, x: 0.3333333, y: 0.6, width: 0.2123457, height: 0.1),
                          ObjectLabel(classIndex: 1, x: 0.999, y: 0.01, width: 0.002, height: 0.02)]

    private func check(_ geometry: ValidationGeometry, pixels: [[Float]], targets: [[Float]],
                       file: StaticString = #filePath, line: UInt = #line) {
        let boxes = geometry.pixelBoxes(labels)
        XCTAssertEqual(boxes.map { [Float($0.classIndex), $0.x1, $0.y1, $0.x2, $0.y2] }, pixels, "pixel xyxy", file: file, line: line)
        XCTAssertEqual(geometry.targets(boxes).map(\.row), targets, "targets", file: file, line: line)
    }

    func testRectTargetSmallerThanTheImageUsesFloat64() {
        // letterbox(641x481 image, np.array([480, 640])): ratio np.float64(0.997920997920998), pad (0.0, 0.0).
        let geometry = ValidationGeometry(original: ImageSize(width: 641, height: 481), resized: ImageSize(width: 641, height: 481),
                                          target: ImageSize(width: 640, height: 480), rect: true)
        XCTAssertEqual(geometry.letterboxRatio, 0.997920997920998)
        XCTAssertEqual([geometry.padX, geometry.padY], [0, 0])
        check(geometry,
              pixels: [[3.0, 145.30712890625, 264.0, 281.13775634765625, 312.0000305175781],
                       [1.0, 638.3880615234375, 0.0, 639.6673583984375, 9.59999942779541]],
              targets: [[3.0, 0.33316007256507874, 0.6000000238418579, 0.21223536133766174, 0.1000000610947609],
                        [1.0, 0.9984807968139648, 0.009999999776482582, 0.0019989013671875, 0.019999999552965164]])
    }

    func testRectTargetOfEqualSizeAndAPaddedOne() {
        check(ValidationGeometry(original: ImageSize(width: 640, height: 480), imageSize: 640,
                                 target: ImageSize(width: 640, height: 480), rect: true),
              pixels: [[3.0, 145.3826904296875, 264.0, 281.283935546875, 312.0000305175781],
                       [1.0, 638.7200317382812, 0.0, 640.0, 9.59999942779541]],
              targets: [[3.0, 0.3333333134651184, 0.6000000238418579, 0.212345689535141, 0.1000000610947609],
                        [1.0, 0.9989992380142212, 0.009999999776482582, 0.001998424530029297, 0.019999999552965164]])
        let padded = ValidationGeometry(original: ImageSize(width: 640, height: 427), imageSize: 640,
                                        target: ImageSize(width: 640, height: 448), rect: true)
        XCTAssertEqual(padded.padY, 10.5)
        XCTAssertEqual(padded.ratioPad, RatioPad(gainHeight: 1, gainWidth: 1, padX: 0, padY: 10.5))
        check(padded,
              pixels: [[3.0, 145.3826904296875, 245.35000610351562, 281.283935546875, 288.0500183105469],
                       [1.0, 638.7200317382812, 10.5, 640.0, 19.03999900817871]],
              targets: [[3.0, 0.3333333134651184, 0.5953125357627869, 0.212345689535141, 0.09531252831220627],
                        [1.0, 0.9989992380142212, 0.03296874836087227, 0.001998424530029297, 0.019062498584389687]])
    }

    func testSquareTargetUsesFloat32() {
        // letterbox(641x427 image, 640): ratio 0.9984399375975039 (a Python float), pad (0.0, 107.0).
        let geometry = ValidationGeometry(original: ImageSize(width: 641, height: 427), resized: ImageSize(width: 641, height: 427),
                                          target: ImageSize(width: 640, height: 640), rect: false)
        XCTAssertEqual(geometry.letterboxRatio, 0.9984399375975039)
        XCTAssertEqual([geometry.padX, geometry.padY], [0, 107])
        check(geometry,
              pixels: [[3.0, 145.3826904296875, 341.483642578125, 281.283935546875, 384.1170349121094],
                       [1.0, 638.7200317382812, 107.0, 640.0, 115.52667999267578]],
              targets: [[3.0, 0.3333333134651184, 0.5668755769729614, 0.212345689535141, 0.06661467254161835],
                        [1.0, 0.9989992380142212, 0.173848956823349, 0.001998424530029297, 0.013322937302291393]])
    }

    func testLoadImageSizesUseCeil() {
        // 640 / 427 * 333 = 499.1... → 500 with ceil (v7.0's int() gave 499).
        XCTAssertEqual(ValidationImage.resizedSize(of: ImageSize(width: 333, height: 427), imageSize: 640),
                       ImageSize(width: 500, height: 640))
        XCTAssertEqual(ValidationImage.resizedSize(of: ImageSize(width: 640, height: 218), imageSize: 640),
                       ImageSize(width: 640, height: 218))
        XCTAssertEqual(ValidationImage.resizedSize(of: ImageSize(width: 100, height: 50), imageSize: 640),
                       ImageSize(width: 640, height: 320))
    }

    func testRectBatchesAreAStableSortWithNumpyShapes() {
        // Ratios 0.5, 2, 0.75, 0.5, 1 → stable order 0, 3, 2, 4, 1.
        let sizes = [ImageSize(width: 200, height: 100), ImageSize(width: 50, height: 100), ImageSize(width: 400, height: 300),
                     ImageSize(width: 100, height: 50), ImageSize(width: 70, height: 70)]
        let batches = RectBatches(sizes: sizes, batchSize: 2, imageSize: 640)
        XCTAssertEqual(batches.order, [0, 3, 2, 4, 1])
        XCTAssertEqual(Array(batches.indices(ofBatch: 1)), [2, 4])
        XCTAssertEqual(Array(batches.indices(ofBatch: 2)), [1])
        // [0.5, 1] → ceil(10.5)·32 = 352 x ceil(20.5)·32 = 672; [1, 1] → 672²; [1, 0.5] → 672 x 352.
        XCTAssertEqual(batches.shapes, [ImageSize(width: 672, height: 352), ImageSize(width: 672, height: 672),
                                        ImageSize(width: 352, height: 672)])
        let noPad = RectBatches(sizes: sizes, batchSize: 5, imageSize: 640, pad: 0)
        XCTAssertEqual(noPad.shapes, [ImageSize(width: 640, height: 640)])
    }
}
