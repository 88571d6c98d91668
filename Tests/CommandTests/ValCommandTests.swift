import XCTest
import Foundation
import TestSupport
import YOLOData
import YOLOModel

/// `yolo val` as a user runs it: the printed table against Ultralytics' printed table, and a
/// dataset with broken files.
final class ValCommandTests: XCTestCase {
    private let runner = CommandRunner()

    func testCoco128TablePrintsUltralyticsRows() throws {
        struct Reference: Decodable { let printed_table: [String] }
        let reference = try JSONDecoder().decode(
            Reference.self, from: Data(contentsOf: URL(fileURLWithPath: try SharedData.path("reference/val_coco128_yolov5n.json"))))
        let project = NSTemporaryDirectory() + "yolo-val-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: project) }
        let result = try runner.run(["val", "--weights", try SharedData.path("weights/yolov5n.pt"),
                                     "--data", try SharedData.path("datasets/coco128/data.yaml"), "--img", "640",
                                     "--verbose", "--no-cache", "--save-json", "--project", project])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines[0].hasPrefix("Scanning ") && lines[0].contains("126 images, 2 backgrounds, 0 corrupt"), lines[0])
        // header, "all" and one row per class with labels: every digit Ultralytics prints
        let expectedTable = reference.printed_table.filter { !$0.hasPrefix("Speed:") }
        XCTAssertEqual(Array(lines[1..<(1 + expectedTable.count)]), expectedTable)
        XCTAssertTrue(lines.contains { $0.hasPrefix("Speed: ") && $0.hasSuffix("per image at shape (32, 3, 640, 640)") })
        let predictions = try XCTUnwrap(try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: project + "/exp/yolov5n_predictions.json"))) as? [[String: Any]])
        XCTAssertGreaterThan(predictions.count, 27_000)
        XCTAssertNotNil(predictions.first?["bbox"] as? [Double])
        XCTAssertTrue(FileManager.default.fileExists(atPath: project + "/exp/confusion_matrix.csv"))
    }

    /// `--bf16` keeps coco128's mAP50 and mAP50-95 within 0.005 of Ultralytics' float32 figures
    /// (the reduced-precision mode's promise; measured 0.545 / 0.349 against 0.542 / 0.348).
    func testBFloat16InferenceKeepsCoco128MAPWithinHalfAPoint() throws {
        try XCTSkipUnless(InferencePrecision.isBFloat16Supported, "this CPU has no AVX512-BF16")
        struct Reference: Decodable { let printed_table: [String] }
        let reference = try JSONDecoder().decode(
            Reference.self, from: Data(contentsOf: URL(fileURLWithPath: try SharedData.path("reference/val_coco128_yolov5n.json"))))
        let project = NSTemporaryDirectory() + "yolo-val-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: project) }
        let result = try runner.run(["val", "--weights", try SharedData.path("weights/yolov5n.pt"), "--bf16",
                                     "--data", try SharedData.path("datasets/coco128/data.yaml"), "--project", project])
        XCTAssertEqual(result.status, 0, result.stderr)
        func mAPs(_ lines: [String]) throws -> (Double, Double) {
            let all = try XCTUnwrap(lines.first { $0.split(separator: " ").first == "all" })
            let fields = all.split(separator: " ").compactMap { Double($0) }
            XCTAssertEqual(fields.count, 6, all)  // images, instances, P, R, mAP50, mAP50-95
            return (fields[4], fields[5])
        }
        let (map50, map) = try mAPs(result.stdout.split(separator: "\n").map(String.init))
        let (expected50, expected) = try mAPs(reference.printed_table)
        XCTAssertEqual(map50, expected50, accuracy: 0.005)
        XCTAssertEqual(map, expected, accuracy: 0.005)
    }

    func testBrokenFilesAreReportedOnceAndGoodImagesCounted() throws {
        let root = NSTemporaryDirectory() + "broken-dataset-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let fm = FileManager.default
        try fm.createDirectory(atPath: root + "/images/val", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: root + "/labels/val", withIntermediateDirectories: true)
        let coco = try SharedData.path("datasets/coco128")
        for stem in ["000000000009", "000000000025", "000000000030"] {
            try fm.copyItem(atPath: "\(coco)/images/train2017/\(stem).jpg", toPath: "\(root)/images/val/\(stem).jpg")
            try fm.copyItem(atPath: "\(coco)/labels/train2017/\(stem).txt", toPath: "\(root)/labels/val/\(stem).txt")
        }
        let whole = try Data(contentsOf: URL(fileURLWithPath: "\(coco)/images/train2017/000000000034.jpg"))
        try whole.prefix(10_000).write(to: URL(fileURLWithPath: "\(root)/images/val/truncated.jpg"))
        try RGBImage(width: 5, height: 5, fill: (200, 10, 10)).writePNG(path: "\(root)/images/val/tiny.png")
        let labelPath = "\(root)/labels/val/000000000009.txt"
        let original = try String(contentsOfFile: labelPath, encoding: .utf8)
        let firstLine = original.split(separator: "\n")[0]
        let originalLines = original.split(separator: "\n").count
        try (original + "\(firstLine)\n99 0.5 0.5 0.1 0.1\n0 1.7 0.5 0.1 0.1\n0 0.5 0.5 0.1\n")
            .write(toFile: labelPath, atomically: true, encoding: .utf8)
        let names = (0..<80).map { "c\($0)" }.joined(separator: ", ")
        try "path: .\ntrain: images/val\nval: images/val\nnc: 80\nnames: [\(names)]\n"
            .write(toFile: root + "/data.yaml", atomically: true, encoding: .utf8)

        let result = try runner.run(["val", "--weights", try SharedData.path("weights/yolov5n.pt"), "--data", root + "/data.yaml",
                                     "--project", root + "/runs"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("3 images, 0 backgrounds, 2 corrupt"), result.stdout)
        XCTAssertTrue(result.stdout.contains(String(repeating: " ", count: 19) + "all          3"), result.stdout)
        let expectedProblems = [
            "\(labelPath):\(originalLines + 1): duplicate",
            "\(labelPath):\(originalLines + 2): class 99",
            "\(labelPath):\(originalLines + 3): x = 1.7",
            "\(labelPath):\(originalLines + 4): 4 fields",
            "\(root)/images/val/tiny.png: image size 5x5",
            "\(root)/images/val/truncated.jpg: corrupt image",
        ]
        for problem in expectedProblems {
            XCTAssertEqual(result.stderr.components(separatedBy: problem).count - 1, 1, "\(problem) in:\n\(result.stderr)")
        }
        XCTAssertFalse(result.stderr.contains("Fatal error"))
        // the second run reads the cache and reports the same problems
        let again = try runner.run(["val", "--weights", try SharedData.path("weights/yolov5n.pt"), "--data", root + "/data.yaml",
                                    "--project", root + "/runs"])
        XCTAssertEqual(again.status, 0)
        XCTAssertTrue(again.stderr.contains("\(labelPath):\(originalLines + 2): class 99"), again.stderr)
    }
}
