import Foundation
import TestSupport
import XCTest
import YOLOData

/// Issue 6: a training split holding the broken files of the validation issue (truncated JPEG,
/// 5×5 PNG, class 99, x = 1.7, a 4-field line, a duplicate line) goes through the training
/// loader for whole epochs without an error; `DetectionDataset` reports each problem exactly once
/// (the loader adds no messages of its own), and every good image is batched with only its
/// valid labels.
final class BrokenDatasetTrainingTests: XCTestCase {
    /// 7 files: 2 unusable images, 1 image whose four bad lines are dropped, 4 good images.
    func makeDataset() throws -> TemporaryDataset {
        let dataset = try TemporaryDataset(self, split: "train")
        // A JPEG cut off after its first 200 bytes.
        let whole = try TemporaryDataset(self, split: "scratch")
        let source = try whole.addImage("whole.jpg", width: 64, height: 48)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: source)))
        try dataset.addFile("a_truncated.jpg", bytes: Array(bytes.prefix(200)))
        try dataset.setLabel(for: "a_truncated.jpg", "0 0.5 0.5 0.2 0.2\n")
        try dataset.addImage("b_tiny.png", width: 5, height: 5, label: "0 0.5 0.5 0.5 0.5\n")
        try dataset.addImage("c_lines.jpg", width: 60, height: 40, label: """
            0 0.5 0.5 0.4 0.4
            99 0.5 0.5 0.2 0.2
            1 1.7 0.5 0.2 0.2
            2 0.5 0.5 0.2
            0 0.5 0.5 0.4 0.4
            4 0.25 0.75 0.3 0.3

            """)
        try dataset.addImage("d_good.jpg", width: 50, height: 40, label: "1 0.4 0.6 0.5 0.3\n")
        try dataset.addImage("e_good.png", width: 40, height: 64, label: "2 0.5 0.5 0.6 0.6\n3 0.2 0.2 0.2 0.2\n")
        try dataset.addImage("f_background.jpg", width: 48, height: 48)
        try dataset.addImage("g_good.jpg", width: 70, height: 30, label: "5 0.5 0.5 0.3 0.5\n")
        return dataset
    }

    func testBrokenFilesAreReportedOnceAndTheGoodImagesTrain() throws {
        let files = try makeDataset()
        let data = try DetectionDataset(sources: [files.imagesFolder], classCount: 10, cache: .off, threads: 2)
        let good = ["c_lines.jpg", "d_good.jpg", "e_good.png", "f_background.jpg", "g_good.jpg"]
        XCTAssertEqual(data.images.map { ($0.imagePath as NSString).lastPathComponent }, good)
        XCTAssertEqual(data.images[0].labels, [ObjectLabel(classIndex: 0, x: 0.5, y: 0.5, width: 0.4, height: 0.4),
                                               ObjectLabel(classIndex: 4, x: 0.25, y: 0.75, width: 0.3, height: 0.3)])

        // Each problem once, in file order, naming its file (and line).
        XCTAssertEqual(data.scan.issues.map(\.kind), [.unreadableImage, .imageTooSmall, .classOutOfRange,
                                                      .coordinateOutOfRange, .wrongFieldCount, .duplicateLabel])
        let where_ = data.scan.issues.map { "\(($0.file as NSString).lastPathComponent)\($0.line.map { ":\($0)" } ?? "")" }
        XCTAssertEqual(where_, ["a_truncated.jpg", "b_tiny.png", "c_lines.txt:2", "c_lines.txt:3", "c_lines.txt:4",
                                "c_lines.txt:5"])
        XCTAssertEqual(data.messages, data.scan.issues.map(\.description), "nothing else is reported (cache off)")
        XCTAssertEqual(Set(data.messages).count, data.messages.count, "no message twice")
        XCTAssertEqual(data.summary.hasSuffix("4 images, 1 backgrounds, 2 corrupt: 100% 7/7"), true, data.summary)

        let expectedLabels = Dictionary(uniqueKeysWithValues: data.images.map { ($0.imagePath, $0.labels.count) })
        for rect in [false, true] {
            // Mosaic (scratch-low) without rect; letterbox + perspective + HSV + flips with it.
            let dataset = try TrainingDataset(images: data.images, imageSize: 64, batchSize: 2, augment: true, rect: rect,
                                              threads: 1)
            let loader = TrainingLoader(dataset: dataset, workers: 2, shuffle: !rect, seed: 5)
            XCTAssertEqual(loader.notes, [], "the loader reports nothing about the dataset")
            for epochIndex in 0..<2 {
                let epoch = loader.epoch(epochIndex)
                var paths: [String] = [], labelRows = 0
                while let batch = try epoch.nextBatch() {
                    XCTAssertEqual(batch.images.shape[0], batch.samples.count)
                    XCTAssertLessThanOrEqual(batch.samples.count, 2)
                    paths += batch.paths
                    let rows = batch.targets.storage
                    labelRows += batch.targets.shape[0]
                    for r in 0..<batch.targets.shape[0] {
                        let row = Array(rows[(r * 6)..<(r * 6 + 6)])
                        XCTAssertTrue([0, 1, 2, 3, 4, 5].contains(Int(row[1])), "class \(row[1]): only valid classes")
                        XCTAssertTrue(row[2...5].allSatisfy { $0 >= 0 && $0 <= 1 }, "normalised: \(row)")
                    }
                    if rect {
                        // No mosaic: each sample keeps exactly its image's valid labels (all large enough).
                        for sample in batch.samples {
                            XCTAssertEqual(sample.labels.count, expectedLabels[sample.path], sample.path)
                        }
                    }
                }
                XCTAssertEqual(epoch.runningWorkers, 0)
                XCTAssertEqual(paths.sorted(), data.images.map(\.imagePath).sorted(), "rect \(rect) epoch \(epochIndex)")
                XCTAssertGreaterThan(labelRows, 0)
            }
        }
    }

    /// Through the label cache, the second load reports the same problems, once each.
    func testTheCachedDatasetReportsTheSameProblemsOnce() throws {
        let files = try makeDataset()
        let first = try DetectionDataset(sources: [files.imagesFolder], classCount: 10, threads: 2)
        let second = try DetectionDataset(sources: [files.imagesFolder], classCount: 10, threads: 2)
        XCTAssertTrue(second.loadedFromCache)
        XCTAssertEqual(second.messages, second.scan.issues.map(\.description))
        XCTAssertEqual(second.scan.issues, first.scan.issues)
        XCTAssertEqual(second.images, first.images)
    }
}
