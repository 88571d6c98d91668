import XCTest
import Foundation
import Checkpoint
import TestSupport
@testable import YOLOEval

final class NonMaxSuppressionTests: XCTestCase {
    struct Reference: Decodable {
        struct Image: Decodable {
            struct Item: Decodable {
                let class_id: Int
                let conf: Float
                let xyxy: [Float]
                let xyxy_letterboxed: [Float]?
            }
            let original_hw: [Int]
            let letterboxed_input_hw: [Int]
            let detections: [Item]
            let detections_unfused_model: [Item]
            let n_candidates_obj_gt_conf: Int
        }
        let images: [String: Image]
    }

    private func reference() throws -> Reference.Image {
        let data = try Data(contentsOf: URL(fileURLWithPath: try SharedData.path("reference/detections_bus.json")))
        return try XCTUnwrap(try JSONDecoder().decode(Reference.self, from: data).images["bus.jpg"])
    }

    /// PyTorch's own raw output fed to our NMS must give PyTorch's detections (same inputs,
    /// so the only freedom is summation order: 1e-4 px and 1e-6 in confidence).
    func testPyTorchRawPredictionsGiveTheReferenceDetections() throws {
        for (file, unfused) in [("reference/bus_raw_pred_fused.npy", false), ("reference/bus_raw_pred_unfused.npy", true)] {
            let raw = try NPYFile.read(path: try SharedData.path(file))
            XCTAssertEqual(raw.shape, [1, 18900, 85])
            let values = raw.floats()
            let expected = try reference()
            let items = unfused ? expected.detections_unfused_model : expected.detections
            let nms = NonMaxSuppression(confidenceThreshold: 0.25, iouThreshold: 0.45, maxDetections: 1000)
            let detections = values.withUnsafeBufferPointer { nms.run(rows: $0.baseAddress!, count: 18900, stride: 85) }
            XCTAssertEqual(detections.count, items.count, file)
            let mapping = LetterboxMapping(inputHeight: expected.letterboxed_input_hw[0], inputWidth: expected.letterboxed_input_hw[1],
                                           originalHeight: expected.original_hw[0], originalWidth: expected.original_hw[1])
            for (ours, theirs) in zip(detections, items) {
                XCTAssertEqual(ours.classIndex, theirs.class_id)
                XCTAssertEqual(ours.confidence, theirs.conf, accuracy: 1e-6)
                let letterboxed = [ours.x1, ours.y1, ours.x2, ours.y2]
                if let reference = theirs.xyxy_letterboxed {
                    for (a, b) in zip(letterboxed, reference) { XCTAssertEqual(a, b, accuracy: 1e-4) }
                }
                let original = mapping.toOriginal(ours, originalWidth: expected.original_hw[1], originalHeight: expected.original_hw[0])
                for (a, b) in zip([original.x1, original.y1, original.x2, original.y2], theirs.xyxy) {
                    XCTAssertEqual(a, b, accuracy: 1e-4)
                }
            }
        }
    }

    private func rows(_ boxes: [[Float]]) -> [Float] { boxes.flatMap { $0 } }

    func testSuppressionIsPerClassUnlessAgnostic() {
        // two overlapping boxes of different classes, one far box
        let data = rows([
            [50, 50, 20, 20, 0.9, 0.9, 0.1],
            [52, 50, 20, 20, 0.8, 0.1, 0.9],
            [53, 50, 20, 20, 0.7, 0.9, 0.1],
            [200, 200, 10, 10, 0.6, 1.0, 0.0],
        ])
        let perClass = data.withUnsafeBufferPointer { NonMaxSuppression(confidenceThreshold: 0.25).run(rows: $0.baseAddress!, count: 4, stride: 7) }
        XCTAssertEqual(perClass.map(\.classIndex), [0, 1, 0])
        XCTAssertEqual(perClass.map(\.confidence), [0.81, 0.72, 0.6].map { Float($0) }, accuracy: 1e-6)
        let agnostic = data.withUnsafeBufferPointer {
            NonMaxSuppression(confidenceThreshold: 0.25, agnostic: true).run(rows: $0.baseAddress!, count: 4, stride: 7)
        }
        XCTAssertEqual(agnostic.count, 2)
        let onlyClass1 = data.withUnsafeBufferPointer {
            NonMaxSuppression(confidenceThreshold: 0.25, classes: [1]).run(rows: $0.baseAddress!, count: 4, stride: 7)
        }
        XCTAssertEqual(onlyClass1.map(\.classIndex), [1])
    }

    func testMultiLabelKeepsEveryClassAboveThresholdAndMaxDetections() {
        let data = rows([[50, 50, 20, 20, 0.9, 0.8, 0.7]])
        let multi = data.withUnsafeBufferPointer {
            NonMaxSuppression(confidenceThreshold: 0.001, iouThreshold: 0.6, multiLabel: true).run(rows: $0.baseAddress!, count: 1, stride: 7)
        }
        XCTAssertEqual(multi.map(\.classIndex), [0, 1])
        let capped = data.withUnsafeBufferPointer {
            NonMaxSuppression(confidenceThreshold: 0.001, multiLabel: true, maxDetections: 1).run(rows: $0.baseAddress!, count: 1, stride: 7)
        }
        XCTAssertEqual(capped.count, 1)
        // objectness at the threshold is not a candidate (strict >)
        let edge = rows([[50, 50, 20, 20, 0.25, 1.0, 0.0]])
        XCTAssertTrue(edge.withUnsafeBufferPointer { NonMaxSuppression().run(rows: $0.baseAddress!, count: 1, stride: 7) }.isEmpty)
    }
}

private func XCTAssertEqual(_ a: [Float], _ b: [Float], accuracy: Float, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, file: file, line: line)
    for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: accuracy, file: file, line: line) }
}
