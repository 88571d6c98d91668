import XCTest
import Foundation
import TestSupport
import YOLOConfig
import YOLOData
import YOLOModel
@testable import YOLOEval

/// The whole val.py pipeline on coco128 with the official yolov5n.pt against Ultralytics' own
/// numbers (../shared/reference/val_coco128_yolov5n.json, made with the stable rect sort).
final class ValidationReferenceTests: XCTestCase {
    struct Reference: Decodable {
        struct PerClass: Decodable {
            let `class`: Int
            let instances: Int
            let P: Double
            let R: Double
            let mAP50: Double
            let mAP50_95: Double
            enum CodingKeys: String, CodingKey { case `class`, instances, P, R, mAP50, mAP50_95 = "mAP50-95" }
        }
        let images: Int
        let instances: Int
        let P: Double
        let R: Double
        let mAP50: Double
        let mAP50_95: Double
        let n_predictions_after_nms: Int
        let per_class: [PerClass]
        enum CodingKeys: String, CodingKey {
            case images, instances, P, R, mAP50, mAP50_95 = "mAP50-95", n_predictions_after_nms, per_class
        }
    }

    func testCoco128MetricsEqualUltralytics() throws {
        let referenceData = try Data(contentsOf: URL(fileURLWithPath: try SharedData.path("reference/val_coco128_yolov5n.json")))
        let reference = try JSONDecoder().decode(Reference.self, from: referenceData)
        let spec = try DatasetSpec.load(path: try SharedData.path("datasets/coco128/data.yaml"))
        let model = try ModelLoader.load(weights: try SharedData.path("weights/yolov5n.pt"))
        model.network.fuse()
        let dataset = try DetectionDataset(sources: spec.val, classCount: spec.nc, cache: .off)
        let set = ValidationSet(dataset: dataset, imageSize: 640, batchSize: 32, stride: 32, pad: 0.5, rect: true)
        let result = try Validator().run(network: model.network, set: set, classCount: spec.nc)
        let stats = result.statistics

        XCTAssertEqual(result.images.count, reference.images)
        XCTAssertEqual(stats.instancesPerClass.reduce(0, +), reference.instances)
        // Same uint8 inputs, same batches: the only freedom is float summation order in the network,
        // which could move a handful of the 27,213 low-confidence boxes across conf 0.001. Measured:
        // mAP50 and mAP50-95 equal to every digit, P and R within 2e-7.
        XCTAssertLessThanOrEqual(abs(stats.confidences.count - reference.n_predictions_after_nms), 10)
        let summary = stats.summary()
        print("P \(summary.precision) R \(summary.recall) mAP50 \(summary.map50) mAP50-95 \(summary.map)")
        XCTAssertEqual(summary.precision, reference.P, accuracy: 1e-5)
        XCTAssertEqual(summary.recall, reference.R, accuracy: 1e-5)
        XCTAssertEqual(summary.map50, reference.mAP50, accuracy: 1e-6)
        XCTAssertEqual(summary.map, reference.mAP50_95, accuracy: 1e-6)
        XCTAssertEqual(summary.fitness, 0.1 * reference.mAP50 + 0.9 * reference.mAP50_95, accuracy: 1e-6)

        let perClass = try XCTUnwrap(stats.perClass())
        XCTAssertEqual(perClass.classes, reference.per_class.map(\.class))
        for (i, expected) in reference.per_class.enumerated() {
            XCTAssertEqual(stats.instancesPerClass[expected.class], expected.instances)
            XCTAssertEqual(perClass.ap50[i], expected.mAP50, accuracy: 1e-6, "class \(expected.class)")
            XCTAssertEqual(perClass.ap50to95[i], expected.mAP50_95, accuracy: 1e-6, "class \(expected.class)")
            XCTAssertEqual(perClass.precision[i], expected.P, accuracy: 1e-4, "class \(expected.class)")
            XCTAssertEqual(perClass.recall[i], expected.R, accuracy: 1e-4, "class \(expected.class)")
        }
    }
}
