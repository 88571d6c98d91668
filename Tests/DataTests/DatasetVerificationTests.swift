import Foundation
import TestSupport
import XCTest
import YOLOData
#if canImport(Glibc)
import Glibc
#endif

/// Verification of a small dataset with every kind of problem, and the label cache.
final class DatasetVerificationTests: XCTestCase {
    /// 8 listed images: 3 skipped (corrupt, tiny, BMP), 3 with labels, 1 without label file, 1 with an empty one.
    private func makeDataset() throws -> TemporaryDataset {
        let dataset = try TemporaryDataset(self)
        try dataset.addImage("a_good.jpg", width: 40, height: 30, label: "0 0.5 0.5 0.25 0.5\n1 0.2 0.3 0.1 0.1\n")
        try dataset.addFile("b_corrupt.jpg", bytes: [0xFF, 0xD8, 0xFF, 0xE0] + [UInt8](repeating: 7, count: 300))
        try dataset.setLabel(for: "b_corrupt.jpg", "0 0.5 0.5 0.1 0.1\n")
        try dataset.addImage("c_tiny.png", width: 8, height: 12, label: "0 0.5 0.5 0.1 0.1\n")
        try dataset.addImage("d_lines.jpg", width: 24, height: 48, label: """
            0 0.5 0.5 0.2 0.2
            80 0.5 0.5 0.2 0.2
            1 1.5 0.5 0.2 0.2
            2 0.5 0.5 0.2
            0 0.5 0.5 0.2 0.2
            3 0.5 0.5 0 0.2
            5 0.25 0.75 0.5 0.5

            """)
        try dataset.addImage("e_missing.jpg")
        try dataset.addImage("f_empty.jpg", label: "")
        try dataset.addFile("g_unsupported.bmp", bytes: Array("BM".utf8) + [UInt8](repeating: 0, count: 60))
        try dataset.addFile("notes.txt", bytes: Array("not an image".utf8))
        try dataset.addImage("sub/h_nested.PNG", width: 16, height: 16, label: "7 0.5 0.5 1 1\n")
        return dataset
    }

    func testEveryProblemIsReportedAsSpecified() throws {
        let dataset = try makeDataset()
        let data = try DetectionDataset(sources: [dataset.imagesFolder], classCount: 80, cache: .off, threads: 2)
        XCTAssertEqual(data.images.map { ($0.imagePath as NSString).lastPathComponent },
                       ["a_good.jpg", "d_lines.jpg", "e_missing.jpg", "f_empty.jpg", "h_nested.PNG"])
        XCTAssertEqual(data.images.map(\.labelStatus), [.found, .found, .missing, .empty, .found])
        XCTAssertEqual(data.images.map(\.size), [ImageSize(width: 40, height: 30), ImageSize(width: 24, height: 48),
                                                 ImageSize(width: 32, height: 24), ImageSize(width: 32, height: 24),
                                                 ImageSize(width: 16, height: 16)])
        XCTAssertEqual(data.images[1].labels, [ObjectLabel(classIndex: 0, x: 0.5, y: 0.5, width: 0.2, height: 0.2),
                                               ObjectLabel(classIndex: 5, x: 0.25, y: 0.75, width: 0.5, height: 0.5)])
        XCTAssertEqual(data.images[1].labelPath, dataset.labelPath("d_lines.txt"))
        XCTAssertEqual(data.images[4].labelPath, dataset.labelPath("sub/h_nested.txt"))
        XCTAssertEqual(data.labelCount, 5)
        XCTAssertEqual([data.scan.listed, data.scan.found, data.scan.missing, data.scan.empty, data.scan.corrupt], [8, 3, 1, 1, 3])
        XCTAssertEqual(data.summary, "Scanning \(dataset.labelsFolder)... 3 images, 2 backgrounds, 3 corrupt: 100% 8/8")
        XCTAssertFalse(data.loadedFromCache)

        let issues = data.scan.issues
        XCTAssertEqual(issues.map(\.kind), [.unreadableImage, .imageTooSmall, .classOutOfRange, .coordinateOutOfRange,
                                            .wrongFieldCount, .duplicateLabel, .emptyBox, .unsupportedImage])
        XCTAssertEqual(issues[0].file, dataset.imagePath("b_corrupt.jpg"))
        XCTAssertTrue(issues[0].message.contains("corrupt image"), issues[0].message)
        XCTAssertEqual(issues[1].description, "\(dataset.imagePath("c_tiny.png")): image size 8x12 is under 10 pixels; image skipped")
        let lines = issues[2...6].map { "\(($0.file as NSString).lastPathComponent):\($0.line!)" }
        XCTAssertEqual(lines, ["d_lines.txt:2", "d_lines.txt:3", "d_lines.txt:4", "d_lines.txt:5", "d_lines.txt:6"])
        XCTAssertEqual(issues[3].description,
                       "\(dataset.labelPath("d_lines.txt")):3: x = 1.5 outside [0, 1]: coordinates must be normalised to the image size")
        XCTAssertEqual(issues[7].file, dataset.imagePath("g_unsupported.bmp"))
        XCTAssertTrue(issues[7].message.contains("unsupported image format: BMP"), issues[7].message)
        XCTAssertEqual(data.messages.count, issues.count)
    }

    func testTheScanDoesNotDependOnTheThreadCount() throws {
        let dataset = try makeDataset()
        let one = try DetectionDataset(sources: [dataset.imagesFolder], classCount: 80, cache: .off, threads: 1)
        let three = try DetectionDataset(sources: [dataset.imagesFolder], classCount: 80, cache: .off, threads: 3)
        XCTAssertEqual(one.scan, three.scan)
    }

    func testCacheIsReusedAndRebuiltWhenALabelChanges() throws {
        let dataset = try makeDataset()
        let cachePath = dataset.root.appendingPathComponent("labels/val.cache").path
        let first = try DetectionDataset(sources: [dataset.imagesFolder], classCount: 80)
        XCTAssertFalse(first.loadedFromCache)
        XCTAssertEqual(first.cachePath, cachePath)
        XCTAssertEqual(first.cacheNotes, ["New cache created: \(cachePath)"])
        XCTAssertTrue(FileManager.default.fileExists(atPath: cachePath))

        let second = try DetectionDataset(sources: [dataset.imagesFolder], classCount: 80)
        XCTAssertTrue(second.loadedFromCache)
        XCTAssertEqual(second.scan, first.scan)
        XCTAssertEqual(second.cacheNotes, [])
        XCTAssertEqual(second.summary, "Scanning \(cachePath)... 3 images, 2 backgrounds, 3 corrupt")

        // `.off` ignores a current cache; another class count does not match it.
        XCTAssertFalse(try DetectionDataset(sources: [dataset.imagesFolder], classCount: 80, cache: .off).loadedFromCache)
        let fewerClasses = try DetectionDataset(sources: [dataset.imagesFolder], classCount: 6, cache: .readOnly)
        XCTAssertFalse(fewerClasses.loadedFromCache)
        XCTAssertEqual(fewerClasses.images[4].labels, [], "class 7 is out of range for nc = 6")

        try dataset.setLabel(for: "a_good.jpg", "0 0.5 0.5 0.25 0.5\n")
        let third = try DetectionDataset(sources: [dataset.imagesFolder], classCount: 80)
        XCTAssertFalse(third.loadedFromCache)
        XCTAssertEqual(third.images[0].labels.count, 1)
        XCTAssertTrue(try DetectionDataset(sources: [dataset.imagesFolder], classCount: 80).loadedFromCache)

        // A new image changes the list, so the cache is rebuilt too.
        try dataset.addImage("i_new.jpg", label: "1 0.5 0.5 0.5 0.5\n")
        let fourth = try DetectionDataset(sources: [dataset.imagesFolder], classCount: 80, cache: .readOnly)
        XCTAssertFalse(fourth.loadedFromCache)
        XCTAssertEqual(fourth.images.count, 6)
        XCTAssertEqual(fourth.cacheNotes, [], "read-only mode never writes")
        XCTAssertFalse(try DetectionDataset(sources: [dataset.imagesFolder], classCount: 80, cache: .readOnly).loadedFromCache)
    }

    func testACorruptCacheFileIsRebuilt() throws {
        let dataset = try makeDataset()
        let cachePath = dataset.root.appendingPathComponent("labels/val.cache").path
        try Data("{ not json".utf8).write(to: URL(fileURLWithPath: cachePath))
        let data = try DetectionDataset(sources: [dataset.imagesFolder], classCount: 80)
        XCTAssertFalse(data.loadedFromCache)
        XCTAssertTrue(try DetectionDataset(sources: [dataset.imagesFolder], classCount: 80).loadedFromCache)
    }

    func testAnUnwritableCacheIsAWarningNotAnError() throws {
        let dataset = try makeDataset()
        let labelsRoot = dataset.root.appendingPathComponent("labels").path
        let cachePath = labelsRoot + "/val.cache"
        XCTAssertEqual(chmod(labelsRoot, 0o555), 0)
        addTeardownBlock { chmod(labelsRoot, 0o755) }
        if geteuid() == 0 {
            // Root writes into read-only folders; a non-empty folder where the cache goes stops the rename.
            XCTAssertEqual(chmod(labelsRoot, 0o755), 0)
            try FileManager.default.createDirectory(atPath: cachePath + "/blocked", withIntermediateDirectories: true)
            XCTAssertEqual(chmod(labelsRoot, 0o555), 0)
        }
        let data = try DetectionDataset(sources: [dataset.imagesFolder], classCount: 80)
        XCTAssertFalse(data.loadedFromCache)
        XCTAssertEqual(data.images.count, 5)
        XCTAssertEqual(data.cacheNotes.count, 1)
        XCTAssertTrue(data.cacheNotes[0].hasPrefix("WARNING ⚠️ Cache directory \(labelsRoot) is not writeable: "), data.cacheNotes[0])
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: labelsRoot).filter { $0.contains(".tmp-") }
        XCTAssertEqual(leftovers, [], "no temporary file is left behind")
    }

    func testListFileSourceUsesTheSameImagesAndACacheBesideTheList() throws {
        let dataset = try makeDataset()
        let list = dataset.root.appendingPathComponent("val.txt").path
        try "./images/val/d_lines.jpg\nimages/val/a_good.jpg\n".write(toFile: list, atomically: false, encoding: .utf8)
        let data = try DetectionDataset(sources: [list], classCount: 80)
        XCTAssertEqual(data.images.map(\.imagePath), [dataset.imagePath("a_good.jpg"), dataset.imagePath("d_lines.jpg")])
        XCTAssertEqual(data.cachePath, dataset.root.appendingPathComponent("val.cache").path)
        XCTAssertEqual(data.images[0].labels.count, 2)
    }

    func testCustomLabelsFolder() throws {
        let dataset = try TemporaryDataset(self)
        try dataset.addImage("x.jpg")
        let alternative = dataset.root.appendingPathComponent("annotations/val").path
        try FileManager.default.createDirectory(atPath: alternative, withIntermediateDirectories: true)
        try "2 0.5 0.5 0.5 0.5\n".write(toFile: alternative + "/x.txt", atomically: false, encoding: .utf8)
        let plain = try DetectionDataset(sources: [dataset.imagesFolder], classCount: 3, cache: .off)
        XCTAssertEqual(plain.images[0].labelStatus, .missing)
        let data = try DetectionDataset(sources: [dataset.imagesFolder], classCount: 3, labelsFolder: "annotations", cache: .off)
        XCTAssertEqual(data.images[0].labelPath, alternative + "/x.txt")
        XCTAssertEqual(data.images[0].labels.map(\.classIndex), [2])
        XCTAssertEqual(data.cachePath, dataset.root.appendingPathComponent("annotations/val.cache").path)
    }
}
