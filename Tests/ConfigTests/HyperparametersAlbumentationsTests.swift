import XCTest
import TestSupport
@testable import YOLOConfig

/// The optional `albumentations` hyp key (this project's switch for Ultralytics' Albumentations
/// block) and the hyp.yaml a run writes with it.
final class HyperparametersAlbumentationsTests: XCTestCase {
    private func stock(plus line: String?) throws -> String {
        let text = try readTextFile(SharedData.project("hyps/hyp.scratch-low.yaml"))
        return line.map { text + $0 + "\n" } ?? text
    }

    func testAbsentMeansOff() throws {
        XCTAssertFalse(try Hyperparameters.parse(stock(plus: nil), file: "hyp.yaml").albumentations)
    }

    func testBooleansAndZeroOneParse() throws {
        for (value, expected) in [("true", true), ("false", false), ("1", true), ("0", false), ("True", true), ("false # off", false)] {
            let h = try Hyperparameters.parse(stock(plus: "albumentations: \(value)"), file: "hyp.yaml")
            XCTAssertEqual(h.albumentations, expected, value)
        }
    }

    func testOtherValuesNameTheLine() throws {
        let lineCount = try stock(plus: nil).split(separator: "\n", omittingEmptySubsequences: false).count
        for value in ["2", "0.5", "maybe", "[true]"] {
            XCTAssertThrowsError(try Hyperparameters.parse(stock(plus: "albumentations: \(value)"), file: "hyp.yaml"), value) { error in
                let text = "\(error)"
                XCTAssertTrue(text.contains("'albumentations' must be true or false"), text)
                XCTAssertTrue(text.contains("hyp.yaml:\(lineCount):"), text)
            }
        }
    }

    /// What train.py writes: `yaml.safe_dump(hyp, sort_keys=False)` of Ultralytics'
    /// hyp.scratch-low.yaml (master 5081342f) with `albumentations: True` added, made with
    /// PyYAML in /work/venv-ref — file order, the new key last, PyYAML's float spelling.
    func testWrittenTextKeepsUltralyticsKeyOrder() throws {
        let expected = """
            lr0: 0.01
            lrf: 0.01
            momentum: 0.937
            weight_decay: 0.0005
            warmup_epochs: 3.0
            warmup_momentum: 0.8
            warmup_bias_lr: 0.1
            box: 0.05
            cls: 0.5
            cls_pw: 1.0
            obj: 1.0
            obj_pw: 1.0
            iou_t: 0.2
            anchor_t: 4.0
            fl_gamma: 0.0
            hsv_h: 0.015
            hsv_s: 0.7
            hsv_v: 0.4
            degrees: 0.0
            translate: 0.1
            scale: 0.5
            shear: 0.0
            perspective: 0.0
            flipud: 0.0
            fliplr: 0.5
            mosaic: 1.0
            mixup: 0.0
            copy_paste: 0.0
            albumentations: true

            """
        let h = try Hyperparameters.parse(stock(plus: "albumentations: true"), file: "hyp.yaml")
        XCTAssertEqual(h.yamlText, expected)
        XCTAssertEqual(try Hyperparameters.parse(h.yamlText, file: "hyp.yaml"), h)
        // Off is the default and is not written, as a file without the key round-trips.
        XCTAssertFalse(try Hyperparameters.parse(stock(plus: "albumentations: false"), file: "hyp.yaml").yamlText.contains("albumentations"))
    }
}
