import XCTest
import YOLOModel
import Foundation
import TestSupport

/// Runs the built `yolo` executable as a user would and checks its output and exit status.
final class InfoCommandTests: XCTestCase {
    private let runner = CommandRunner()
    private func run(_ arguments: [String]) throws -> CommandRunner.Result { try runner.run(arguments) }

    private func temporaryYAML(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "yolo-cli-\(UUID().uuidString).yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    private func assertCleanFailure(_ result: CommandRunner.Result, mentions fragments: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(result.status, 2, result.stderr, file: file, line: line)
        XCTAssertTrue(result.stderr.hasPrefix("error: "), result.stderr, file: file, line: line)
        for fragment in fragments {
            XCTAssertTrue(result.stderr.contains(fragment), "\(fragment) not in: \(result.stderr)", file: file, line: line)
        }
        for crashSign in ["Stack dump", "Fatal error", "Backtrace", "Current stack trace"] {
            XCTAssertFalse(result.stderr.contains(crashSign), result.stderr, file: file, line: line)
        }
    }

    func testDefaultCommandPrintsTheYolov5sTableAndSummary() throws {
        let result = try run(["--cfg", "models/yolov5s.yaml"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.last, "YOLOv5s summary: 125 layers, 7,235,389 parameters, 7,235,389 gradients, 16.6 GFLOPs")
        XCTAssertTrue(lines.contains { $0.hasPrefix(" 24      [17, 20, 23]  1    229245  models.yolo.Detect") })
        XCTAssertEqual(lines.filter { $0.contains("models.common.C3 ") }.count, 8)
    }

    func testInfoSubcommandFindsModelsByNameAndOverridesNc() throws {
        let result = try run(["info", "--cfg", "yolov5s", "--nc", "3", "--img", "320"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("Overriding model.yaml nc=80 with nc=3"))
        // 7,027,720 parameters with nc=3 is the figure Ultralytics reports for the same override.
        XCTAssertTrue(result.stdout.contains("YOLOv5s summary: 125 layers, 7,027,720 parameters, 7,027,720 gradients, 4.0 GFLOPs"),
                      result.stdout)
    }

    func testActivationLineForLeakyReLUModel() throws {
        let result = try run(["--cfg", "models/hub/yolov5s-LeakyReLU.yaml"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.hasPrefix("activation: LeakyReLU(negative_slope=0.1)\n"), result.stdout)
    }

    func testMalformedYAMLExitsWithStatus2AndPosition() throws {
        let path = try temporaryYAML("nc: 80\nbackbone: [[-1, 1, Conv, [64]]\nhead: []\n")
        assertCleanFailure(try run(["--cfg", path]), mentions: [path + ":3:", "malformed YAML"])
    }

    func testUnknownModuleExitsWithStatus2() throws {
        let path = try temporaryYAML("""
        nc: 80
        depth_multiple: 1.0
        width_multiple: 1.0
        anchors: 3
        backbone:
          - [-1, 1, Conv, [64, 3, 2]]
          - [-1, 1, Transformer, [64]]
        head: []
        """)
        assertCleanFailure(try run(["--cfg", path]), mentions: [path + ":7:13", "unknown module 'Transformer'"])
    }

    func testMissingModelFileAndBadImageSizeExitWithStatus2() throws {
        assertCleanFailure(try run(["--cfg", "models/nope.yaml"]), mentions: ["models/nope.yaml", "not found"])
        assertCleanFailure(try run(["--cfg", "yolov5n", "--img", "0"]), mentions: ["--img must be a positive"])
    }
}

/// `yolo detect` end to end with the official checkpoint: our JPEG decoding, letterbox, network,
/// NMS and box mapping against Ultralytics' detections on bus.jpg.
final class DetectCommandTests: XCTestCase {
    struct Reference: Decodable {
        struct Image: Decodable {
            struct Item: Decodable { let class_id: Int; let conf: Double; let xyxy: [Double] }
            let detections: [Item]
        }
        let images: [String: Image]
    }

    /// The run's predictions.json for bus.jpg against Ultralytics' detections: the same classes
    /// in the same order, confidences and box corners within the given tolerances.
    private func assertBusPredictionsMatchUltralytics(in runFolder: String, confidence: Double, corners: Double,
                                                      file: StaticString = #filePath, line: UInt = #line) throws {
        let json = try Data(contentsOf: URL(fileURLWithPath: runFolder + "/predictions.json"))
        let records = try XCTUnwrap(try JSONSerialization.jsonObject(with: json) as? [[String: Any]], file: file, line: line)
        let ours = try XCTUnwrap(records.first?["detections"] as? [[String: Any]], file: file, line: line)
        let data = try Data(contentsOf: URL(fileURLWithPath: try SharedData.path("reference/detections_bus.json")))
        let expected = try XCTUnwrap(try JSONDecoder().decode(Reference.self, from: data).images["bus.jpg"],
                                     file: file, line: line).detections
        XCTAssertEqual(ours.count, expected.count, file: file, line: line)
        for (a, b) in zip(ours, expected) {
            XCTAssertEqual(a["class_id"] as? Int, b.class_id, file: file, line: line)
            XCTAssertEqual(try XCTUnwrap(a["confidence"] as? Double, file: file, line: line), b.conf, accuracy: confidence,
                           file: file, line: line)
            for (p, q) in zip(try XCTUnwrap(a["xyxy"] as? [Double], file: file, line: line), b.xyxy) {
                XCTAssertEqual(p, q, accuracy: corners, file: file, line: line)
            }
        }
    }

    func testDetectOnBusMatchesUltralyticsAndWritesRunOutputs() throws {
        let weights = try SharedData.path("weights/yolov5n.pt")
        let image = try SharedData.path("images/bus.jpg")
        let project = NSTemporaryDirectory() + "yolo-detect-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: project) }
        let runner = CommandRunner()
        let result = try runner.run(["detect", "--weights", weights, "--source", image, "--project", project,
                                     "--save-txt", "--save-conf"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("image 1/1 \(image): 640x480 4 persons, 1 bus, "), result.stdout)
        XCTAssertTrue(result.stdout.contains("Results saved to \(project)/exp"), result.stdout)

        try assertBusPredictionsMatchUltralytics(in: project + "/exp", confidence: 1e-3, corners: 0.5)
        XCTAssertTrue(FileManager.default.fileExists(atPath: project + "/exp/bus.jpg"))
        let labels = try String(contentsOfFile: project + "/exp/labels/bus.txt", encoding: .utf8)
        XCTAssertEqual(labels.split(separator: "\n").count, 5)
        XCTAssertTrue(labels.hasPrefix("5 0.51"), labels)  // lowest confidence (the bus) first, as detect.py writes

        // a second run goes to exp2
        XCTAssertEqual(try runner.run(["detect", "--weights", weights, "--source", image, "--project", project, "--nosave"]).status, 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: project + "/exp2/predictions.json"))
    }

    /// `detect --bf16` finds Ultralytics' float32 detections on bus.jpg, to bfloat16's rounding
    /// (confidence within 0.02, corners within 3 px of the 810×1080 image: the bus's are 2.2 px
    /// off, the persons' under 0.6); `--bf16` with the training benchmark is refused.
    func testDetectInBFloat16FindsTheSameObjects() throws {
        try XCTSkipUnless(InferencePrecision.isBFloat16Supported, "this CPU has no AVX512-BF16")
        let image = try SharedData.path("images/bus.jpg")
        let project = NSTemporaryDirectory() + "yolo-detect-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: project) }
        let runner = CommandRunner()
        let result = try runner.run(["detect", "--weights", try SharedData.path("weights/yolov5n.pt"), "--source", image,
                                     "--project", project, "--nosave", "--bf16"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("640x480 4 persons, 1 bus, "), result.stdout)
        try assertBusPredictionsMatchUltralytics(in: project + "/exp", confidence: 0.02, corners: 3)
        let training = try runner.run(["benchmark", "--train", "--bf16", "--runs", "1"])
        XCTAssertEqual(training.status, 2)
        XCTAssertTrue(training.stderr.contains("--bf16 is an inference mode"), training.stderr)
    }

    func testDetectReportsMissingWeightsAndCorruptCheckpoints() throws {
        let runner = CommandRunner()
        let missing = try runner.run(["detect", "--weights", "nope.pt", "--source", "x.jpg"])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("nope.pt: weights not found"), missing.stderr)
        let corrupt = NSTemporaryDirectory() + "corrupt-\(UUID().uuidString).pt"
        try Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 31) }).write(to: URL(fileURLWithPath: corrupt))
        defer { try? FileManager.default.removeItem(atPath: corrupt) }
        let result = try runner.run(["detect", "--weights", corrupt, "--source", try SharedData.path("images/bus.jpg")])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.hasPrefix("error: \(corrupt)"), result.stderr)
        XCTAssertFalse(result.stderr.contains("Fatal error"))
        // every command reports a corrupt checkpoint the same way
        let benchmark = try runner.run(["benchmark", "--weights", corrupt, "--runs", "1", "--warmup", "0"])
        XCTAssertEqual(benchmark.status, 2, benchmark.stderr)
        XCTAssertTrue(benchmark.stderr.hasPrefix("error: \(corrupt)"), benchmark.stderr)
    }
}
