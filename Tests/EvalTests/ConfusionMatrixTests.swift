import XCTest
@testable import YOLOEval

final class ConfusionMatrixTests: XCTestCase {
    func testMatricesMatchUltralytics() throws {
        let fixture = try MetricsFixture.load()
        for (name, scenario) in fixture.scenarios {
            XCTAssertEqual(MetricsFixture.statistics(scenario).confusionMatrix.matrix, scenario.confusion_matrix, name)
        }
    }

    func testRendering() {
        var cm = ConfusionMatrix(classCount: 2)
        cm.process(detections: [Detection(x1: 0, y1: 0, x2: 10, y2: 10, confidence: 0.9, classIndex: 1),
                                Detection(x1: 50, y1: 50, x2: 60, y2: 60, confidence: 0.8, classIndex: 0),
                                Detection(x1: 80, y1: 80, x2: 90, y2: 90, confidence: 0.1, classIndex: 0)],
                   labels: [LabeledBox(classIndex: 0, x1: 0, y1: 0, x2: 10, y2: 10),
                            LabeledBox(classIndex: 1, x1: 20, y1: 20, x2: 30, y2: 30)])
        // label 0 found as class 1; label 1 missed; the class-0 detection at 0.8 is a false positive,
        // the one at 0.1 is below the 0.25 confidence cut
        XCTAssertEqual(cm.matrix, [[0, 0, 1], [1, 0, 0], [0, 1, 0]])
        XCTAssertEqual(cm.text, "0.0 0.0 1.0\n1.0 0.0 0.0\n0.0 1.0 0.0")
        XCTAssertEqual(cm.csv(names: ["cat", "dog"]),
                       "Predicted \\ True,cat,dog,background\ncat,0,0,1\ndog,1,0,0\nbackground,0,1,0\n")
        XCTAssertEqual(cm.csv(names: ["cat", "dog"], normalize: true),
                       "Predicted \\ True,cat,dog,background\ncat,,,1.00\ndog,1.00,,\nbackground,,1.00,\n")
    }

    /// Without any match in an image YOLOv5 does not count its detections as false positives.
    func testUnmatchedDetectionsCountOnlyWhenSomethingMatched() {
        var cm = ConfusionMatrix(classCount: 1)
        cm.process(detections: [Detection(x1: 100, y1: 100, x2: 110, y2: 110, confidence: 0.9, classIndex: 0)],
                   labels: [LabeledBox(classIndex: 0, x1: 0, y1: 0, x2: 10, y2: 10)])
        XCTAssertEqual(cm.matrix, [[0, 0], [1, 0]])
        cm.processUndetected(labelClasses: [0, 0])
        XCTAssertEqual(cm.matrix, [[0, 0], [3, 0]])
    }
}
