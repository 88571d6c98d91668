import XCTest
import TestSupport
@testable import YOLOConfig

final class HyperparametersTests: XCTestCase {
    func testStockHypFilesLoadWithUltralyticsValues() throws {
        let low = try Hyperparameters.load(path: SharedData.project("hyps/hyp.scratch-low.yaml"))
        XCTAssertEqual(low, Hyperparameters())  // the defaults are scratch-low's values
        let med = try Hyperparameters.load(path: SharedData.project("hyps/hyp.scratch-med.yaml"))
        XCTAssertEqual(med.lrf, 0.1)
        XCTAssertEqual(med.obj, 0.7)
        XCTAssertEqual(med.scale, 0.9)
        XCTAssertEqual(med.mixup, 0.1)
        let high = try Hyperparameters.load(path: SharedData.project("hyps/hyp.scratch-high.yaml"))
        XCTAssertEqual(high.copyPaste, 0.1)
        XCTAssertEqual(high.cls, 0.3)
        let none = try Hyperparameters.load(path: SharedData.project("hyps/hyp.no-augmentation.yaml"))
        XCTAssertEqual(none.mosaic, 0)
        XCTAssertEqual(none.flipLeftRight, 0)
        XCTAssertEqual(none.hsvHue, 0)
        XCTAssertEqual(none.scale, 0)
        XCTAssertEqual(none.translate, 0)
    }

    func testWrittenTextReadsBackToTheSameValues() throws {
        let high = try Hyperparameters.load(path: SharedData.project("hyps/hyp.scratch-high.yaml"))
        XCTAssertEqual(try Hyperparameters.parse(high.yamlText, file: "hyp.yaml"), high)
        XCTAssertTrue(high.yamlText.hasPrefix("lr0: 0.01\nlrf: 0.1\n"))
    }

    private func stockText(replacing key: String, with line: String?) throws -> String {
        let text = try readTextFile(SharedData.project("hyps/hyp.scratch-low.yaml"))
        return text.split(separator: "\n", omittingEmptySubsequences: false).compactMap { original -> String? in
            guard original.hasPrefix(key + ":") else { return String(original) }
            return line
        }.joined(separator: "\n")
    }

    func testUnknownKeyNamesFileAndLine() throws {
        let text = try stockText(replacing: "lrf", with: "lrff: 0.01")
        assertThrows(try Hyperparameters.parse(text, file: "hyp.yaml"),
                     containing: ["hyp.yaml:4:1", "unknown hyperparameter 'lrff'", "did you mean 'lrf'"])
    }

    func testMissingKeyIsAnError() throws {
        let text = try stockText(replacing: "mosaic", with: nil)
        assertThrows(try Hyperparameters.parse(text, file: "hyp.yaml"), containing: ["hyp.yaml", "missing hyperparameter mosaic"])
    }

    func testNegativeLearningRateIsAnError() throws {
        let text = try stockText(replacing: "lr0", with: "lr0: -0.01")
        assertThrows(try Hyperparameters.parse(text, file: "hyp.yaml"), containing: ["hyp.yaml:3:6", "'lr0' must be a number > 0"])
    }

    func testProbabilityOutsideUnitIntervalIsAnError() throws {
        let text = try stockText(replacing: "fliplr", with: "fliplr: 1.5")
        assertThrows(try Hyperparameters.parse(text, file: "hyp.yaml"),
                     containing: ["'fliplr' must be a probability in [0, 1]", "1.5"])
    }

    func testNonNumericValueIsAnError() throws {
        let text = try stockText(replacing: "box", with: "box: high")
        assertThrows(try Hyperparameters.parse(text, file: "hyp.yaml"), containing: ["'box' must be", "the string 'high'"])
    }
}
