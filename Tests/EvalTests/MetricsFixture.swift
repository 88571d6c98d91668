import Foundation
import XCTest
import TestSupport
@testable import YOLOEval

/// Tests/EvalTests/Fixtures/metrics_fixtures.json, written by scripts/reference/metrics_fixtures.py from
/// Ultralytics YOLOv5's own process_batch, ap_per_class and ConfusionMatrix.
struct MetricsFixture: Decodable {
    struct Image: Decodable {
        let labels: [[Double]]       // class x1 y1 x2 y2
        let detections: [[Double]]   // x1 y1 x2 y2 conf class

        var labelBoxes: [LabeledBox] {
            labels.map { LabeledBox(classIndex: Int($0[0]), x1: Float($0[1]), y1: Float($0[2]), x2: Float($0[3]), y2: Float($0[4])) }
        }
        var detectionBoxes: [Detection] {
            detections.map { Detection(x1: Float($0[0]), y1: Float($0[1]), x2: Float($0[2]), y2: Float($0[3]),
                                       confidence: Float($0[4]), classIndex: Int($0[5])) }
        }
    }
    struct ImageResult: Decodable {
        let iou_f32_bits: [[UInt32]]?
        let correct: [String]
    }
    struct APResult: Decodable {
        let tp, fp, p, r, f1: [Double]
        let ap: [[Double]]
        let classes: [Int]
        let smooth_argmax: Int
        let smooth_max: Double
    }
    struct Summary: Decodable {
        let mp, mr, map50, map, fitness: Double
        let any_correct: Bool
        let nt: [Int]
    }
    struct Scenario: Decodable {
        let nc: Int
        let images: [Image]
        let per_image: [ImageResult]
        let ap_per_class: APResult
        let summary: Summary
        let confusion_matrix: [[Double]]
    }
    struct Kernels: Decodable {
        struct ArgsortProbe: Decodable {
            let keys: [Double]
            let order: [Int]
            let negated_order: [Int]
        }
        struct SmoothProbe: Decodable {
            let y: [Double]
            let f: Double
            let out: [Double]
        }
        let argsort: [ArgsortProbe]
        let smooth: SmoothProbe
    }

    let iouv_f32_bits: [UInt32]
    let openblas_core: String
    let kernels: Kernels
    let scenarios: [String: Scenario]

    static func load() throws -> MetricsFixture {
        let path = SharedData.project("Tests/EvalTests/Fixtures/metrics_fixtures.json")
        return try JSONDecoder().decode(MetricsFixture.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// Every image of a scenario through val.py's bookkeeping.
    static func statistics(_ scenario: Scenario) -> ValidationStatistics {
        var stats = ValidationStatistics(classCount: scenario.nc)
        for image in scenario.images { stats.add(detections: image.detectionBoxes, labels: image.labelBoxes) }
        return stats
    }
}

/// |a − b| ≤ tolerance·max(|a|, |b|), exact for zeros.
func assertRelative(_ a: Double, _ b: Double, _ tolerance: Double, _ message: @autoclosure () -> String,
                    file: StaticString = #filePath, line: UInt = #line) {
    let scale = max(abs(a), abs(b))
    XCTAssertTrue(abs(a - b) <= tolerance * scale, "\(message()): \(a) vs \(b)", file: file, line: line)
}
