import XCTest
import Foundation
import TestSupport

/// Runs the built `yolo` executable as a user would and checks its output and exit status.
final class InfoCommandTests: XCTestCase {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// The folder holding the built products (the test bundle sits beside the executable).
    private var yoloExecutable: String {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        var candidates = [bundle.appendingPathComponent("yolo").path]
        for path in Bundle.allBundles.map(\.bundleURL) {
            candidates.append(path.deletingLastPathComponent().appendingPathComponent("yolo").path)
        }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[0]
    }

    private func run(_ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: yoloExecutable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: SharedData.projectRoot)
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    private func temporaryYAML(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "yolo-cli-\(UUID().uuidString).yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    private func assertCleanFailure(_ result: Result, mentions fragments: [String], file: StaticString = #filePath, line: UInt = #line) {
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
