import Foundation
import TestSupport
import XCTest
import YOLOData

/// `yolo dataset` as a user runs it, on the synthetic shapes dataset `yolo demo` trains on.
final class DatasetCommandTests: XCTestCase {
    private let runner = CommandRunner()

    private func temporaryFolder() -> String {
        let path = NSTemporaryDirectory() + "yolo-dataset-\(UUID().uuidString)"
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    /// Two plots of 4 augmented 128×128 images each: a 2×2 mosaic of tiles is a 256×256 JPEG
    /// (BatchPlot's grid of ceil(sqrt(4)) = 2 tiles a side at the training size).
    func testWritesDecodableBatchPlots() throws {
        let root = temporaryFolder()
        let data = try SyntheticDataset.write(to: root + "/shapes", trainCount: 8, valCount: 2, imageSize: 128, seed: 3)
        let result = try runner.run(["dataset", "--data", data, "--img", "128", "--count", "4", "--batches", "2",
                                     "--workers", "1", "--project", root + "/runs", "--name", "preview"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let folder = root + "/runs/preview"
        let written = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        XCTAssertEqual(written, ["train_batch0.jpg", "train_batch1.jpg"])
        for name in written {
            let image = try RGBImage.read(path: folder + "/" + name)
            XCTAssertEqual(image.width, 256, name)
            XCTAssertEqual(image.height, 256, name)
            // Not blank: mosaic tiles, grey padding and drawn boxes give many distinct levels.
            XCTAssertGreaterThan(Set(image.pixels).count, 32, name)
            XCTAssertTrue(result.stdout.contains("Saved \(folder)/\(name) (4 images, "), result.stdout)
        }
    }

    /// The albumentations key switches the photometric set on; the command still runs and plots.
    func testAlbumentationsHyperparameterIsAccepted() throws {
        let root = temporaryFolder()
        let data = try SyntheticDataset.write(to: root + "/shapes", trainCount: 4, valCount: 1, imageSize: 64, seed: 5)
        var hyp = try String(contentsOfFile: SharedData.project("hyps/hyp.scratch-low.yaml"), encoding: .utf8)
        hyp += "\nalbumentations: true\n"
        try hyp.write(toFile: root + "/hyp.yaml", atomically: true, encoding: .utf8)
        let result = try runner.run(["dataset", "--data", data, "--hyp", root + "/hyp.yaml", "--img", "64", "--count", "4",
                                     "--batches", "1", "--workers", "1", "--project", root + "/runs"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: root + "/runs/exp/train_batch0.jpg"))
    }

    func testMissingDataFileExitsWithStatus2() throws {
        let root = temporaryFolder()
        let missing = root + "/nowhere/data.yaml"
        let result = try runner.run(["dataset", "--data", missing, "--project", root + "/runs"])
        XCTAssertEqual(result.status, 2, result.stderr)
        XCTAssertTrue(result.stderr.contains("error: "), result.stderr)
        XCTAssertTrue(result.stderr.contains(missing), result.stderr)
        XCTAssertTrue(result.stderr.contains("cannot read the file"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/runs"), "nothing written for a failed run")
    }
}
