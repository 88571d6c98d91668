import Foundation
import TestSupport
import XCTest
import YOLOData

final class SyntheticDatasetTests: XCTestCase {
    private var folders: [String] = []

    override func tearDown() {
        for folder in folders { try? FileManager.default.removeItem(atPath: folder) }
        super.tearDown()
    }

    private func temporaryFolder() -> String {
        let path = NSTemporaryDirectory() + "synthetic-\(UUID().uuidString)"
        folders.append(path)
        return path
    }

    private func files(under root: String) throws -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: root)!
        var found: [String] = []
        while let entry = enumerator.nextObject() as? String {
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: root + "/" + entry, isDirectory: &isFolder), !isFolder.boolValue {
                found.append(entry)
            }
        }
        return found.sorted()
    }

    func testWritesImagesLabelsAndYAMLInUltralyticsLayout() throws {
        let root = temporaryFolder()
        let yaml = try SyntheticDataset.write(to: root, trainCount: 5, valCount: 3, imageSize: 128, seed: 7)
        XCTAssertEqual(yaml, URL(fileURLWithPath: root).standardizedFileURL.path + "/data.yaml")
        let listed = try files(under: root)
        let expected = [".complete", "data.yaml"]
            + (0 ..< 5).map { String(format: "images/train/%06d.jpg", $0) }
            + (0 ..< 3).map { String(format: "images/val/%06d.jpg", $0) }
            + (0 ..< 5).map { String(format: "labels/train/%06d.txt", $0) }
            + (0 ..< 3).map { String(format: "labels/val/%06d.txt", $0) }
        XCTAssertEqual(listed, expected.sorted())

        let lines = try String(contentsOfFile: yaml, encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.contains("path: '\(URL(fileURLWithPath: root).standardizedFileURL.path)'"))
        XCTAssertTrue(lines.contains("train: images/train"))
        XCTAssertTrue(lines.contains("val: images/val"))
        XCTAssertTrue(lines.contains("nc: 3"))
        XCTAssertEqual(Array(lines.suffix(4)), ["names:", "  0: circle", "  1: square", "  2: triangle"])

        let image = try RGBImage.read(path: root + "/images/val/000002.jpg")
        XCTAssertEqual(image.width, 128)
        XCTAssertEqual(image.height, 128)
    }

    /// The labels go through the dataset code Ultralytics-style training uses, without a single
    /// dropped line, and every box is inside its image with the promised sizes and overlaps.
    func testLabelsVerifyCleanlyAndBoxesFollowTheRecipe() throws {
        let root = temporaryFolder()
        _ = try SyntheticDataset.write(to: root, trainCount: 40, valCount: 10, imageSize: 256, seed: 1)
        for split in ["train", "val"] {
            let dataset = try DetectionDataset(sources: [root + "/images/" + split], classCount: 3, cache: .off, threads: 1)
            XCTAssertEqual(dataset.images.count, split == "train" ? 40 : 10)
            XCTAssertEqual(dataset.scan.issues, [], "\(split): \(dataset.messages)")
            XCTAssertEqual(dataset.scan.corrupt, 0)
            XCTAssertEqual(dataset.scan.missing, 0)
            XCTAssertEqual(dataset.scan.empty, 0)
            for image in dataset.images {
                XCTAssertTrue((1 ... 4).contains(image.labels.count), "\(image.imagePath): \(image.labels.count) objects")
                for label in image.labels {
                    XCTAssertTrue((0 ..< 3).contains(label.classIndex))
                    XCTAssertGreaterThanOrEqual(label.x - label.width / 2, 0)
                    XCTAssertLessThanOrEqual(label.x + label.width / 2, 1.000001)
                    XCTAssertGreaterThanOrEqual(label.y - label.height / 2, 0)
                    XCTAssertLessThanOrEqual(label.y + label.height / 2, 1.000001)
                    // sides 15-45% of the image rounded to whole pixels (a triangle's height
                    // differs from its width by up to 15%)
                    let halfPixel: Float = 0.5 / 256
                    XCTAssertGreaterThanOrEqual(label.width, 0.15 - halfPixel)
                    XCTAssertLessThanOrEqual(label.width, 0.45 + halfPixel)
                    XCTAssertGreaterThanOrEqual(label.height, (0.15 - halfPixel) * 0.85 - halfPixel)
                    XCTAssertLessThanOrEqual(label.height, (0.45 + halfPixel) * 1.15 + halfPixel)
                }
                for (i, a) in image.labels.enumerated() {
                    for b in image.labels[(i + 1)...] { XCTAssertLessThanOrEqual(iou(a, b), 0.1 + 1e-6) }
                }
            }
        }
        // All three classes occur.
        let train = try DetectionDataset(sources: [root + "/images/train"], classCount: 3, cache: .off, threads: 1)
        XCTAssertEqual(Set(train.images.flatMap { $0.labels.map(\.classIndex) }), [0, 1, 2])
    }

    /// The label rows are the drawn shapes: squares and circles fill exactly their box, a
    /// triangle reaches all four sides to within a pixel (where no later shape covers an edge),
    /// and each box centre has the shape's colour (exactly before JPEG compression, closely after).
    func testBoxesMatchTheDrawnPixels() throws {
        let root = temporaryFolder()
        _ = try SyntheticDataset.write(to: root, trainCount: 12, valCount: 1, imageSize: 160, seed: 3)
        var checked = 0, extents = 0
        for index in 0 ..< 12 {
            let scene = SyntheticScene(seed: 3, split: .train, index: index, imageSize: 160)
            let stem = String(format: "%06d", index)
            let labelText = try String(contentsOfFile: root + "/labels/train/\(stem).txt", encoding: .utf8)
            XCTAssertEqual(labelText, scene.labelText)
            let parsed = LabelFileParser.parse(labelText, file: stem, classCount: 3)
            XCTAssertEqual(parsed.issues, [])
            XCTAssertEqual(parsed.labels.count, scene.objects.count)
            let decoded = try RGBImage.read(path: root + "/images/train/\(stem).jpg")
            XCTAssertEqual(decoded.pixels.count, scene.image.pixels.count)

            for (number, (object, label)) in zip(scene.objects, parsed.labels).enumerated() {
                XCTAssertEqual(label.classIndex, object.shape.rawValue)
                XCTAssertEqual(Double(label.x), Double(object.x0 + object.x1) / 2 / 160, accuracy: 1e-6)
                XCTAssertEqual(Double(label.y), Double(object.y0 + object.y1) / 2 / 160, accuracy: 1e-6)
                XCTAssertEqual(Double(label.width), Double(object.width) / 160, accuracy: 1e-6)
                XCTAssertEqual(Double(label.height), Double(object.height) / 160, accuracy: 1e-6)

                // The extent of the shape's colour near its box, for shapes no later one overlaps.
                let later = scene.objects[(number + 1)...]
                let covered = later.contains { min($0.x1, object.x1) > max($0.x0, object.x0) && min($0.y1, object.y1) > max($0.y0, object.y0) }
                var minX = Int.max, minY = Int.max, maxX = Int.min, maxY = Int.min
                for y in max(0, object.y0 - 3) ..< min(160, object.y1 + 3) {
                    for x in max(0, object.x0 - 3) ..< min(160, object.x1 + 3) where scene.image[x, y] == object.colour {
                        minX = min(minX, x); maxX = max(maxX, x); minY = min(minY, y); maxY = max(maxY, y)
                    }
                }
                if !covered {
                    let slack = object.shape == .triangle ? 1.0 : 0.0
                    XCTAssertEqual(Double(minX), Double(object.x0), accuracy: slack, "\(stem) \(object.shape)")
                    XCTAssertEqual(Double(maxX), Double(object.x1 - 1), accuracy: slack, "\(stem) \(object.shape)")
                    XCTAssertEqual(Double(minY), Double(object.y0), accuracy: slack, "\(stem) \(object.shape)")
                    XCTAssertEqual(maxY, object.y1 - 1, "\(stem) \(object.shape)")
                    extents += 1
                }

                if object.shape != .triangle {
                    let cx = (object.x0 + object.x1) / 2, cy = (object.y0 + object.y1) / 2
                    XCTAssertTrue(scene.image[cx, cy] == object.colour, "\(stem) \(object.shape) centre")
                    let seen = decoded[cx, cy]
                    let difference = colourDistance(seen, object.colour)
                    XCTAssertLessThan(difference, 40, "\(stem) \(object.shape) centre after JPEG: \(seen) vs \(object.colour)")
                    checked += 1
                }
            }
        }
        XCTAssertGreaterThan(checked, 5)
        XCTAssertGreaterThan(extents, 10)
    }

    func testSameSeedGivesIdenticalBytesAndOtherSeedsDiffer() throws {
        let a = temporaryFolder(), b = temporaryFolder(), c = temporaryFolder()
        _ = try SyntheticDataset.write(to: a, trainCount: 4, valCount: 2, imageSize: 96, seed: 42)
        _ = try SyntheticDataset.write(to: b, trainCount: 4, valCount: 2, imageSize: 96, seed: 42)
        _ = try SyntheticDataset.write(to: c, trainCount: 4, valCount: 2, imageSize: 96, seed: 43)
        let names = try files(under: a).filter { $0.hasPrefix("images/") || $0.hasPrefix("labels/") }
        XCTAssertEqual(names.count, 12)
        var differing = 0
        for name in names {
            let bytesA = try Data(contentsOf: URL(fileURLWithPath: a + "/" + name))
            XCTAssertEqual(bytesA, try Data(contentsOf: URL(fileURLWithPath: b + "/" + name)), name)
            if bytesA != (try Data(contentsOf: URL(fileURLWithPath: c + "/" + name))) { differing += 1 }
        }
        XCTAssertEqual(differing, names.count, "every file should change with the seed")
        // An image does not depend on how many others there are.
        let d = temporaryFolder()
        _ = try SyntheticDataset.write(to: d, trainCount: 2, valCount: 1, imageSize: 96, seed: 42)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: d + "/images/train/000001.jpg")),
                       try Data(contentsOf: URL(fileURLWithPath: a + "/images/train/000001.jpg")))
    }

    func testCompleteFolderIsReusedAndInterruptedOrChangedOnesAreRewritten() throws {
        let root = temporaryFolder()
        let yaml = try SyntheticDataset.write(to: root, trainCount: 3, valCount: 2, imageSize: 64, seed: 5)
        let label = root + "/labels/train/000000.txt"
        let original = try String(contentsOfFile: label, encoding: .utf8)

        // Same parameters: the folder is reused, so a file changed since is left as it is.
        try "0 0.5 0.5 0.2 0.2\n".write(toFile: label, atomically: true, encoding: .utf8)
        XCTAssertEqual(try SyntheticDataset.write(to: root, trainCount: 3, valCount: 2, imageSize: 64, seed: 5), yaml)
        XCTAssertEqual(try String(contentsOfFile: label, encoding: .utf8), "0 0.5 0.5 0.2 0.2\n")

        // An interrupted write (the in-progress marker is still there) is redone from scratch.
        XCTAssertTrue(FileManager.default.createFile(atPath: root + "/.incomplete", contents: Data()))
        _ = try SyntheticDataset.write(to: root, trainCount: 3, valCount: 2, imageSize: 64, seed: 5)
        XCTAssertEqual(try String(contentsOfFile: label, encoding: .utf8), original)
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/.incomplete"))

        // Other parameters: rewritten, and images of the larger earlier write are gone.
        _ = try SyntheticDataset.write(to: root, trainCount: 1, valCount: 1, imageSize: 64, seed: 6)
        XCTAssertEqual(try files(under: root + "/images/train"), ["000000.jpg"])
        XCTAssertEqual(try String(contentsOfFile: root + "/.complete", encoding: .utf8),
                       "synthetic-shapes v1 train=1 val=1 imgsz=64 seed=6\n")
    }

    func testRefusesForeignFoldersAndBadParameters() throws {
        let root = temporaryFolder()
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try "keep me".write(toFile: root + "/notes.txt", atomically: true, encoding: .utf8)
        assertThrows(try SyntheticDataset.write(to: root, trainCount: 1, valCount: 1), containing: [root, "not empty"])
        XCTAssertEqual(try String(contentsOfFile: root + "/notes.txt", encoding: .utf8), "keep me")

        let other = temporaryFolder()
        assertThrows(try SyntheticDataset.write(to: other, trainCount: 0, valCount: 1), containing: [other, "trainCount 0"])
        assertThrows(try SyntheticDataset.write(to: other, trainCount: 1, valCount: 1, imageSize: 16), containing: [other, "16"])
    }

    private func colourDistance(_ a: (UInt8, UInt8, UInt8), _ b: (UInt8, UInt8, UInt8)) -> Int {
        let red = abs(Int(a.0) - Int(b.0))
        let green = abs(Int(a.1) - Int(b.1))
        let blue = abs(Int(a.2) - Int(b.2))
        return red + green + blue
    }

    private func iou(_ a: ObjectLabel, _ b: ObjectLabel) -> Float {
        let w = min(a.x + a.width / 2, b.x + b.width / 2) - max(a.x - a.width / 2, b.x - b.width / 2)
        let h = min(a.y + a.height / 2, b.y + b.height / 2) - max(a.y - a.height / 2, b.y - b.height / 2)
        guard w > 0, h > 0 else { return 0 }
        let intersection = w * h
        return intersection / (a.width * a.height + b.width * b.height - intersection)
    }
}
