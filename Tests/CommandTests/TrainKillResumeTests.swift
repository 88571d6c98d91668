import XCTest
import Checkpoint
import Foundation
import TestSupport
import YOLOData
#if canImport(Glibc)
import Glibc
#endif

/// A training process killed with SIGKILL in the middle of an epoch, or while its checkpoint is
/// being written, and then resumed with `--resume`, ends with exactly the weights and results of
/// the run that was never interrupted.
final class TrainKillResumeTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "yolo-kill-resume-\(ProcessInfo.processInfo.processIdentifier)"
        try? FileManager.default.removeItem(atPath: folder)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: folder) }

    private func arguments(name: String, data: String) -> [String] {
        ["train", "--cfg", "models/yolov5n.yaml", "--data", data, "--img", "64", "--batch-size", "6", "--epochs", "3",
         "--workers", "1", "--seed", "5", "--project", folder, "--name", name]
    }

    /// Starts `yolo` with `YOLO_TEST_PAUSE=point`, waits until it reports the pause, and kills it.
    private func killTraining(_ arguments: [String], at point: String) throws {
        let runner = CommandRunner()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: runner.executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: SharedData.projectRoot)
        var environment = ProcessInfo.processInfo.environment
        environment["YOLO_TEST_PAUSE"] = point
        process.environment = environment
        let errPath = folder + "/stderr-\(point.replacingOccurrences(of: ":", with: "-"))"
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(300)
        while !((try? String(contentsOfFile: errPath, encoding: .utf8))?.contains("paused at \(point)") ?? false) {
            guard process.isRunning, Date() < deadline else {
                process.terminate()
                XCTFail("the run ended before reaching \(point): " + ((try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""))
                return
            }
            usleep(50_000)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .uncaughtSignal)
    }

    private func modelTensors(_ run: String) throws -> [String: [UInt8]] {
        let file = try SafetensorsFile.read(path: folder + "/" + run + "/weights/last.safetensors")
        var tensors: [String: [UInt8]] = [:]
        for (name, tensor) in file.tensors { tensors[name] = tensor.bytes }
        return tensors
    }

    func testKilledDuringAnEpochAndDuringACheckpointWriteThenResumedEqualsTheUninterruptedRun() throws {
        let data = try SyntheticDataset.write(to: folder + "/data", trainCount: 12, valCount: 4, imageSize: 64, seed: 9)
        let runner = CommandRunner()
        let full = try runner.run(arguments(name: "full", data: data))
        XCTAssertEqual(full.status, 0, full.stderr)
        let expected = try modelTensors("full")
        let expectedResults = try String(contentsOfFile: folder + "/full/results.csv", encoding: .utf8)

        for (name, point) in [("mid-epoch", "batch:1:1"), ("mid-save", "checkpoint:1")] {
            try killTraining(arguments(name: name, data: data), at: point)
            let weights = folder + "/" + name + "/weights"
            let left = try FileManager.default.contentsOfDirectory(atPath: weights)
            if point.hasPrefix("checkpoint") {
                XCTAssertTrue(left.contains { $0.hasSuffix(".tmp") }, "the killed save leaves only its temporary file: \(left)")
            }
            // the intact checkpoint is epoch 0's either way
            let resumed = try runner.run(["train", "--resume", weights + "/last.safetensors"])
            XCTAssertEqual(resumed.status, 0, resumed.stderr)
            XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: weights).contains { $0.hasSuffix(".tmp") })
            let tensors = try modelTensors(name)
            XCTAssertEqual(Set(tensors.keys), Set(expected.keys))
            let differing = expected.keys.filter { tensors[$0] != expected[$0] }.sorted()
            XCTAssertTrue(differing.isEmpty, "\(name): \(differing.count) tensors differ, first \(differing.first ?? "")")
            XCTAssertEqual(try String(contentsOfFile: folder + "/" + name + "/results.csv", encoding: .utf8), expectedResults, name)
        }
    }
}
