import XCTest
import Foundation
import TestSupport

/// `yolo demo` and `yolo train` end to end on a tiny synthetic dataset: Ultralytics' run folder
/// (weights/last and best, hyp.yaml, opt.yaml, results.csv, train_batch*.jpg), checkpoints that
/// `yolo val` accepts, and clear errors for what cannot be done.
final class TrainCommandTests: XCTestCase {
    func testDemoTrainsValidatesDetectsAndWritesTheRunFolder() throws {
        let project = NSTemporaryDirectory() + "yolo-train-command-\(ProcessInfo.processInfo.processIdentifier)"
        try? FileManager.default.removeItem(atPath: project)
        defer { try? FileManager.default.removeItem(atPath: project) }
        let runner = CommandRunner()
        let demo = try runner.run(["demo", "--epochs", "2", "--train-images", "8", "--val-images", "4", "--img", "64",
                                   "--batch-size", "4", "--workers", "1", "--project", project])
        XCTAssertEqual(demo.status, 0, demo.stdout + demo.stderr)
        let run = project + "/train"
        for file in ["weights/last.safetensors", "weights/best.safetensors", "hyp.yaml", "opt.yaml", "results.csv",
                     "train_batch0.jpg", "train_batch1.jpg"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: run + "/" + file), file)
        }
        let csv = try String(contentsOfFile: run + "/results.csv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(csv.count, 3)  // header + one row per epoch
        XCTAssertTrue(csv[0].hasPrefix("               epoch,      train/box_loss,"), String(csv[0]))
        let opt = try String(contentsOfFile: run + "/opt.yaml", encoding: .utf8)
        XCTAssertTrue(opt.contains("epochs: 2\n") && opt.contains("imgsz: 64\n") && opt.contains("save_dir: "), opt)
        let hyp = try String(contentsOfFile: run + "/hyp.yaml", encoding: .utf8)
        XCTAssertTrue(hyp.hasPrefix("lr0: 0.002\nlrf: 0.01\nmomentum: 0.937\n"), hyp)  // the demo's Adam LR
        XCTAssertTrue(demo.stdout.contains("      Epoch        Mem   box_loss   obj_loss   cls_loss  Instances       Size"))
        XCTAssertTrue(demo.stdout.contains("Optimizer stripped from \(run)/weights/best.safetensors"))
        XCTAssertTrue(demo.stdout.contains("                circle "), demo.stdout)  // the per-class table of best
        let detected = try FileManager.default.contentsOfDirectory(atPath: project + "/detect").filter { $0.hasSuffix(".jpg") }
        XCTAssertEqual(detected.count, 4)

        // the checkpoint is a model for val; it cannot be resumed once stripped
        let val = try runner.run(["val", "--weights", run + "/weights/best.safetensors", "--data",
                                  project + "/synthetic-shapes/data.yaml", "--img", "64", "--project", project])
        XCTAssertEqual(val.status, 0, val.stderr)
        XCTAssertTrue(val.stdout.contains("                   all          4 "), val.stdout)
        let resume = try runner.run(["train", "--resume", run + "/weights/last.safetensors", "--data", "unused.yaml"])
        XCTAssertEqual(resume.status, 2)
        XCTAssertTrue(resume.stderr.contains("stripped"), resume.stderr)

        // a two-value sweep on the same data: two run folders and sweep.csv ranked by fitness
        let sweep = try runner.run(["sweep", "--grid", "lr0=0.01,0.02", "--cfg", "models/yolov5n.yaml", "--data",
                                    project + "/synthetic-shapes/data.yaml", "--epochs", "1", "--img", "64", "--batch-size", "4",
                                    "--workers", "1", "--project", project, "--name", "sweep"])
        XCTAssertEqual(sweep.status, 0, sweep.stdout + sweep.stderr)
        let table = try String(contentsOfFile: project + "/sweep/sweep.csv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(table.first, "lr0,fitness,precision,recall,mAP_0.5,mAP_0.5:0.95,best_epoch,run")
        XCTAssertEqual(table.count, 3)
        let fitness = table.dropFirst().map { Double($0.split(separator: ",")[1])! }
        XCTAssertGreaterThanOrEqual(fitness[0], fitness[1])
        XCTAssertEqual(Set(table.dropFirst().map { String($0.split(separator: ",")[0]) }), ["0.01", "0.02"])
        for index in 0..<2 {
            XCTAssertTrue(FileManager.default.fileExists(atPath: project + "/sweep/run\(index)/weights/best.safetensors"))
        }
        let sweptHyp = try String(contentsOfFile: project + "/sweep/run1/hyp.yaml", encoding: .utf8)
        XCTAssertTrue(sweptHyp.hasPrefix("lr0: 0.02\n"), sweptHyp)
        let badGrid = try runner.run(["sweep", "--grid", "lr0=fast", "--data", "x.yaml"])
        XCTAssertEqual(badGrid.status, 2)
    }

    func testTrainReportsBadInputsWithStatus2() throws {
        let runner = CommandRunner()
        let missingData = try runner.run(["train", "--cfg", "models/yolov5n.yaml", "--data", "no/such/data.yaml", "--epochs", "1"])
        XCTAssertEqual(missingData.status, 2)
        XCTAssertTrue(missingData.stderr.contains("no/such/data.yaml"), missingData.stderr)
        let badHyp = try runner.run(["train", "--cfg", "models/yolov5n.yaml", "--data", "no/such/data.yaml", "--hyp-set", "lr0=-1"])
        XCTAssertEqual(badHyp.status, 2)
        let badCache = try runner.run(["train", "--cfg", "models/yolov5n.yaml", "--data", "x.yaml", "--cache", "gpu"])
        XCTAssertEqual(badCache.status, 2)
        XCTAssertTrue(badCache.stderr.contains("--cache must be ram or disk"), badCache.stderr)
    }
}
