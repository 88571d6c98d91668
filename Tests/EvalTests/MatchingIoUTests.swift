import XCTest
@testable import YOLOEval

final class MatchingIoUTests: XCTestCase {
    func testThresholdsAreTorchLinspaceInFloat32() throws {
        let fixture = try MetricsFixture.load()
        XCTAssertEqual(MatchingIoU.thresholds.map(\.bitPattern), fixture.iouv_f32_bits)
    }

    func testIoUMatchesBoxIoUBitForBit() throws {
        let fixture = try MetricsFixture.load()
        var compared = 0
        for (name, scenario) in fixture.scenarios {
            for (image, result) in zip(scenario.images, scenario.per_image) {
                guard let expected = result.iou_f32_bits else { continue }
                let detections = image.detectionBoxes
                for (l, label) in image.labelBoxes.enumerated() {
                    for (d, detection) in detections.enumerated() {
                        XCTAssertEqual(BoxGeometry.metricIoU(label.asDetection, detection).bitPattern, expected[l][d], "\(name) l\(l) d\(d)")
                        compared += 1
                    }
                }
            }
        }
        XCTAssertGreaterThan(compared, 1000)
    }

    func testCorrectMatricesMatchProcessBatch() throws {
        let fixture = try MetricsFixture.load()
        for (name, scenario) in fixture.scenarios {
            for (k, (image, result)) in zip(scenario.images, scenario.per_image).enumerated() {
                let detections = image.detectionBoxes
                let correct = image.labels.isEmpty
                    ? CorrectMatrix(count: detections.count)
                    : MatchingIoU.correctMatrix(detections: detections, labels: image.labelBoxes)
                let rows = correct.rows.map { $0.map { $0 ? "1" : "0" }.joined() }
                XCTAssertEqual(rows, result.correct, "\(name) image \(k)")
            }
        }
    }

    /// Two identical labels and two identical detections: every pair ties at IoU 1. numpy's sort leaves
    /// the last label first, and YOLOv5 keeps one pair per label by lowest detection index, so only the
    /// first detection is a true positive and the duplicate label stays unmatched.
    func testDuplicateBoxesTieOrder() {
        let box = (x1: Float(32), y1: Float(32), x2: Float(96), y2: Float(96))
        let labels = [LabeledBox(classIndex: 0, x1: box.x1, y1: box.y1, x2: box.x2, y2: box.y2),
                      LabeledBox(classIndex: 0, x1: box.x1, y1: box.y1, x2: box.x2, y2: box.y2)]
        let detections = [Detection(x1: box.x1, y1: box.y1, x2: box.x2, y2: box.y2, confidence: 0.9, classIndex: 0),
                          Detection(x1: box.x1, y1: box.y1, x2: box.x2, y2: box.y2, confidence: 0.6, classIndex: 0)]
        let correct = MatchingIoU.correctMatrix(detections: detections, labels: labels)
        XCTAssertEqual(correct.row(0), [Bool](repeating: true, count: 10))
        XCTAssertEqual(correct.row(1), [Bool](repeating: false, count: 10))
    }

    func testIoUExactlyAtThresholdMatches() {
        // inter 1024, union 2048 (+1e-7 vanishes in float32): IoU is exactly 0.5
        let labels = [LabeledBox(classIndex: 2, x1: 300, y1: 300, x2: 364, y2: 332)]
        let detections = [Detection(x1: 300, y1: 300, x2: 332, y2: 332, confidence: 0.7, classIndex: 2)]
        XCTAssertEqual(MatchingIoU.correctMatrix(detections: detections, labels: labels).row(0),
                       [true] + [Bool](repeating: false, count: 9))
        // another class never matches
        let other = [Detection(x1: 300, y1: 300, x2: 364, y2: 332, confidence: 0.7, classIndex: 1)]
        XCTAssertFalse(MatchingIoU.correctMatrix(detections: other, labels: labels).any)
    }
}
