import Foundation
import TestSupport
import XCTest
import YOLOData

/// coco128 and raccoon (val) against YOLOv5's own dataloader (Fixtures/dataset_*.json, made by
/// scripts/reference/dataset_fixtures.py) and the shared val reference (README §1).
final class ValidationDatasetReferenceTests: XCTestCase {
    private func coco128() throws -> DetectionDataset {
        // `.off`: the shared folder must stay untouched (it is writable for root).
        try DetectionDataset(sources: [try SharedData.path("datasets/coco128/images/train2017")], classCount: 80, cache: .off)
    }

    func testCoco128Verification() throws {
        let data = try coco128()
        let labels = try SharedData.path("datasets/coco128/labels/train2017")
        XCTAssertEqual(data.images.count, 128)
        XCTAssertEqual([data.scan.found, data.scan.missing, data.scan.empty, data.scan.corrupt], [126, 2, 0, 0])
        XCTAssertEqual(data.scan.backgrounds, 2)
        XCTAssertEqual(data.labelCount, 929)
        XCTAssertEqual(data.scan.issues, [])
        XCTAssertEqual(data.images.filter { $0.labelStatus == .missing }.map { ($0.imagePath as NSString).lastPathComponent },
                       ["000000000250.jpg", "000000000508.jpg"])
        XCTAssertEqual(data.cachePath, labels + ".cache")
        XCTAssertEqual(data.summary, "Scanning \(labels)... 126 images, 2 backgrounds, 0 corrupt: 100% 128/128")
        XCTAssertEqual(data.cacheNotes, [])
    }

    func testCoco128RectBatchesMatchTheValReference() throws {
        let set = ValidationSet(dataset: try coco128(), imageSize: 640, batchSize: 32)
        XCTAssertEqual(set.batchShapes, [ImageSize(width: 672, height: 448), ImageSize(width: 672, height: 512),
                                         ImageSize(width: 672, height: 672), ImageSize(width: 608, height: 672)])
        // Non-decreasing h/w, ties in path order.
        let entries = set.order.map { set.images[$0] }
        for (a, b) in zip(entries, entries.dropFirst()) {
            let ra = Double(a.size.height) / Double(a.size.width), rb = Double(b.size.height) / Double(b.size.width)
            XCTAssertTrue(ra < rb || (ra == rb && a.imagePath < b.imagePath), "\(a.imagePath) before \(b.imagePath)")
        }
        // The order the shared mAP reference was produced with.
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath:
            try SharedData.path("reference/val_coco128_yolov5n.json")))) as! [String: Any]
        let loader = json["dataloader"] as! [String: Any]
        XCTAssertEqual(entries.map { ($0.imagePath as NSString).lastPathComponent }, loader["image_order"] as! [String])
        XCTAssertEqual(set.batchShapes.map { [$0.height, $0.width] }, loader["batch_shapes_hw"] as! [[Int]])
    }

    func testCoco128MatchesYOLOv5Dataloader() throws {
        try compare(try coco128(), fixture: "coco128", root: try SharedData.path("datasets/coco128"), pixelPositions: [0, 31, 32, 63, 64, 95, 96, 127])
    }

    func testRaccoonValMatchesYOLOv5Dataloader() throws {
        let root = try SharedData.path("datasets/raccoon")
        let data = try DetectionDataset(sources: [root + "/images/val"], classCount: 1, cache: .off)
        XCTAssertEqual(data.summary, "Scanning \(root)/labels/val... 40 images, 0 backgrounds, 0 corrupt: 100% 40/40")
        try compare(data, fixture: "raccoon", root: root, pixelPositions: [0, 31, 32, 39])
        try compare(data, fixture: "raccoon_square", root: root, pixelPositions: [0, 39])
    }

    /// Order, batch shapes, sizes, labels, ratio_pad, pixel boxes and targets of every image (from
    /// sizes alone), and the letterboxed pixels of the images at `pixelPositions`.
    private func compare(_ data: DetectionDataset, fixture name: String, root: String, pixelPositions: [Int],
                         file: StaticString = #filePath, line: UInt = #line) throws {
        let fixture = try DatasetFixture.load(name)
        let set = ValidationSet(dataset: data, imageSize: fixture.img_size, batchSize: fixture.batch_size,
                                stride: fixture.stride, pad: fixture.pad, rect: fixture.rect)
        XCTAssertEqual(set.count, fixture.image_count, file: file, line: line)
        XCTAssertEqual(data.labelCount, fixture.label_count, file: file, line: line)
        if let shapes = fixture.batch_shapes_hw {
            XCTAssertEqual(set.batchShapes.map { [$0.height, $0.width] }, shapes, file: file, line: line)
        }
        var mismatches: [String] = []
        for (position, expected) in fixture.images.enumerated() {
            let entry = set.images[set.order[position]]
            guard entry.imagePath == root + "/" + expected.file else {
                mismatches.append("position \(position): \(entry.imagePath) instead of \(expected.file)")
                continue
            }
            let geometry = set.geometry(atPosition: position)
            let pixels = geometry.pixelBoxes(entry.labels)
            var wrong: [String] = []
            if [entry.size.width, entry.size.height] != expected.shape_wh { wrong.append("size") }
            if position / set.batchSize != expected.batch { wrong.append("batch") }
            if entry.labels != expected.labels.map(ObjectLabel.init(fixtureRow:)) { wrong.append("labels") }
            if [geometry.original.height, geometry.original.width] != expected.hw0 { wrong.append("hw0") }
            if [geometry.resized.height, geometry.resized.width] != expected.hw { wrong.append("hw") }
            if [geometry.target.height, geometry.target.width] != expected.input_hw { wrong.append("input shape") }
            let ratioPad = geometry.ratioPad
            if [[ratioPad.gainHeight, ratioPad.gainWidth], [ratioPad.padX, ratioPad.padY]] != expected.ratio_pad { wrong.append("ratio_pad") }
            if pixels != expected.pixel_xyxy.map(PixelBox.init(fixtureRow:)) { wrong.append("pixel_xyxy") }
            if geometry.targets(pixels) != expected.targets.map(ObjectLabel.init(fixtureRow:)) { wrong.append("targets") }
            if !wrong.isEmpty { mismatches.append("\(expected.file): \(wrong.joined(separator: ", "))") }
        }
        XCTAssertEqual(mismatches, [], file: file, line: line)

        for position in pixelPositions {
            let sample = try set.sample(atPosition: position)
            let expected = fixture.images[position]
            XCTAssertEqual([sample.image.height, sample.image.width], expected.input_hw, expected.file, file: file, line: line)
            let sums = inputChecksums(sample.image)
            XCTAssertEqual(sums.byteSum, expected.byte_sum, "\(expected.file) input bytes", file: file, line: line)
            XCTAssertEqual(sums.weightedSum, expected.weighted_sum, "\(expected.file) input bytes", file: file, line: line)
            XCTAssertEqual(sample.targets, expected.targets.map(ObjectLabel.init(fixtureRow:)), file: file, line: line)
        }
    }

    func testCoco128CacheRoundTripIsExact() throws {
        // A dataset whose images and labels folders link to the shared ones, so the cache is written here.
        let images = try SharedData.path("datasets/coco128/images/train2017")
        let labels = try SharedData.path("datasets/coco128/labels/train2017")
        let root = try temporaryDirectory(self)
        let manager = FileManager.default
        try manager.createDirectory(at: root.appendingPathComponent("images"), withIntermediateDirectories: true)
        try manager.createDirectory(at: root.appendingPathComponent("labels"), withIntermediateDirectories: true)
        try manager.createSymbolicLink(atPath: root.path + "/images/train2017", withDestinationPath: images)
        try manager.createSymbolicLink(atPath: root.path + "/labels/train2017", withDestinationPath: labels)
        let fresh = try DetectionDataset(sources: [root.path + "/images/train2017"], classCount: 80)
        XCTAssertFalse(fresh.loadedFromCache)
        XCTAssertEqual(fresh.cacheNotes, ["New cache created: \(root.path)/labels/train2017.cache"])
        let cached = try DetectionDataset(sources: [root.path + "/images/train2017"], classCount: 80)
        XCTAssertTrue(cached.loadedFromCache)
        XCTAssertEqual(cached.scan, fresh.scan)
        XCTAssertEqual(cached.labelCount, 929)
    }

    func testBatchTensorHasTheBatchShape() throws {
        let root = try SharedData.path("datasets/coco8")
        let data = try DetectionDataset(sources: [root + "/images/val"], classCount: 80, cache: .off)
        let set = ValidationSet(dataset: data, imageSize: 320, batchSize: 3)
        XCTAssertEqual(set.batchCount, 2)
        let batch = try set.batch(1)
        XCTAssertEqual(batch.samples.count, 1)
        XCTAssertEqual(batch.input.shape, [1, 3, set.batchShapes[1].height, set.batchShapes[1].width])
        XCTAssertEqual(batch.samples[0].imagePath, set.images[set.order[3]].imagePath)
    }
}
