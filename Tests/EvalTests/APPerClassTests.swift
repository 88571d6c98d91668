import XCTest
@testable import YOLOEval

final class APPerClassTests: XCTestCase {
    func testAPPerClassMatchesUltralytics() throws {
        let fixture = try MetricsFixture.load()
        for (name, scenario) in fixture.scenarios.sorted(by: { $0.key < $1.key }) {
            let stats = MetricsFixture.statistics(scenario)
            let result = APPerClass(correct: stats.correct, confidences: stats.confidences,
                                    predictedClasses: stats.predictedClasses, targetClasses: stats.targetClasses)
            let expected = scenario.ap_per_class
            XCTAssertEqual(result.classes, expected.classes, name)
            XCTAssertEqual(result.bestIndex, expected.smooth_argmax, name)
            XCTAssertEqual(result.ap.count, expected.ap.count, name)
            for (c, (ours, theirs)) in zip(result.ap, expected.ap).enumerated() {
                XCTAssertEqual(ours.count, 10)
                for (t, (a, b)) in zip(ours, theirs).enumerated() { assertRelative(a, b, 1e-9, "\(name) AP class \(c) iou \(t)") }
            }
            for (label, ours, theirs) in [("P", result.precision, expected.p), ("R", result.recall, expected.r),
                                          ("F1", result.f1, expected.f1), ("TP", result.truePositives, expected.tp),
                                          ("FP", result.falsePositives, expected.fp)] {
                XCTAssertEqual(ours.count, theirs.count, "\(name) \(label)")
                for (a, b) in zip(ours, theirs) { assertRelative(a, b, 1e-9, "\(name) \(label)") }
            }
        }
    }

    func testValSummaryAndFitness() throws {
        let fixture = try MetricsFixture.load()
        for (name, scenario) in fixture.scenarios.sorted(by: { $0.key < $1.key }) {
            let stats = MetricsFixture.statistics(scenario)
            let expected = scenario.summary
            XCTAssertEqual(stats.correct.any, expected.any_correct, name)
            XCTAssertEqual(stats.perClass() == nil, !expected.any_correct, name)
            XCTAssertEqual(stats.instancesPerClass, expected.nt, name)
            let summary = stats.summary()
            assertRelative(summary.precision, expected.mp, 1e-9, "\(name) mp")
            assertRelative(summary.recall, expected.mr, 1e-9, "\(name) mr")
            assertRelative(summary.map50, expected.map50, 1e-9, "\(name) map50")
            assertRelative(summary.map, expected.map, 1e-9, "\(name) map")
            assertRelative(summary.fitness, expected.fitness, 1e-9, "\(name) fitness")
        }
    }

    /// One detection on its only label: the recall steps to 1 at confidence 0.75, so AP is the 101-point
    /// trapezoid of a unit step: 0.995 at IoU 0.5; the F1 plateau below 0.75 puts the best index at 0.
    func testSingleMatchHandComputed() throws {
        let fixture = try MetricsFixture.load()
        let stats = MetricsFixture.statistics(try XCTUnwrap(fixture.scenarios["single"]))
        let result = try XCTUnwrap(stats.perClass())
        XCTAssertEqual(result.ap[0][0], 0.995, accuracy: 1e-15)
        XCTAssertEqual(result.bestIndex, 0)
        XCTAssertEqual(result.precision, [1])
        XCTAssertEqual(result.recall, [1])
    }

    func testFitnessWeights() {
        let s = ValidationSummary(precision: 0.7, recall: 0.6, map50: 0.5, map: 0.3)
        XCTAssertEqual(s.fitness, 0.5 * 0.1 + 0.3 * 0.9)
    }
}
