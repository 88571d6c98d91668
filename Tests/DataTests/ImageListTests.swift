import Foundation
import TestSupport
import XCTest
@testable import YOLOData

/// Image lists and label paths as Ultralytics' LoadImagesAndLabels and img2label_paths make them.
final class ImageListTests: XCTestCase {
    func testFolderIsWalkedRecursivelyKeepingImageSuffixesInPathOrder() throws {
        let dataset = try TemporaryDataset(self)
        for name in ["b.jpg", "a.PNG", "sub/c.jpeg", "sub/deeper/d.webp", "notes.txt", "README", ".hidden.jpg",
                     ".cache/e.jpg", "Z.jpg", "x.y/f.tif"] {
            let path = dataset.imagePath(name)
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try Data([1]).write(to: URL(fileURLWithPath: path))
        }
        let listed = try ImageList.collect([dataset.imagesFolder + "/"])
        XCTAssertEqual(listed.map { String($0.dropFirst(dataset.imagesFolder.count + 1)) },
                       ["Z.jpg", "a.PNG", "b.jpg", "sub/c.jpeg", "sub/deeper/d.webp", "x.y/f.tif"])
    }

    func testListFileResolvesRelativeLinesAgainstItsFolder() throws {
        let dataset = try TemporaryDataset(self)
        try dataset.addImage("one.jpg")
        try dataset.addImage("two.jpg")
        let list = dataset.root.appendingPathComponent("val.txt").path
        try "./images/val/two.jpg\n  images/val/one.jpg  \n\n\(dataset.imagePath("one.jpg"))\nimages/val/readme.md\n"
            .write(toFile: list, atomically: false, encoding: .utf8)
        let listed = try ImageList.collect([list])
        XCTAssertEqual(listed, [dataset.imagePath("one.jpg"), dataset.imagePath("two.jpg")])
        // The cache of a list-file source sits beside the list, as in Ultralytics.
        XCTAssertEqual(LabelCache.path(sources: [list], firstLabelPath: "/x/labels/val/one.txt"),
                       dataset.root.appendingPathComponent("val.cache").path)
    }

    func testSeveralSourcesAreMergedSortedAndDeduplicated() throws {
        let dataset = try TemporaryDataset(self)
        try dataset.addImage("b.jpg")
        try dataset.addImage("a.jpg")
        let listed = try ImageList.collect([dataset.imagePath("b.jpg"), dataset.imagesFolder])
        XCTAssertEqual(listed, [dataset.imagePath("a.jpg"), dataset.imagePath("b.jpg")])
    }

    func testMissingSourceAndEmptyFolderAreErrors() throws {
        let dataset = try TemporaryDataset(self)
        assertThrows(try ImageList.collect([dataset.root.path + "/nowhere"]), containing: ["nowhere", "does not exist"])
        assertThrows(try ImageList.collect([dataset.imagesFolder]), containing: ["no images found", "jpg"])
    }

    func testSuffixIsTheTextAfterTheLastDotOfThePath() {
        XCTAssertTrue(ImageList.hasImageSuffix("/a/b.JPG"))
        XCTAssertTrue(ImageList.hasImageSuffix("x.pfm"))
        XCTAssertFalse(ImageList.hasImageSuffix("/a.jpg/b"))
        XCTAssertFalse(ImageList.hasImageSuffix("/a/b.gif"))
        XCTAssertFalse(ImageList.hasImageSuffix("/a/jpg"))
    }

    func testPythonSortOrderIsCodePointOrder() {
        // Python sorts "é" (U+00E9) after "z"; so must we, and precomposed vs decomposed differ.
        XCTAssertEqual(["/d/é.jpg", "/d/z.jpg", "/d/B.jpg"].sorted(by: PathText.precedes), ["/d/B.jpg", "/d/z.jpg", "/d/é.jpg"])
        XCTAssertTrue(PathText.precedes("/d/e\u{301}.jpg", "/d/\u{e9}.jpg"))
    }

    func testLabelPathReplacesTheLastImagesFolderAndTheSuffix() {
        XCTAssertEqual(LabelPaths.labelPath(forImage: "/data/images/coco/images/train2017/a.b.jpg"),
                       "/data/images/coco/labels/train2017/a.b.txt")
        XCTAssertEqual(LabelPaths.labelPath(forImage: "/data/images/val/x.png", labelsFolder: "labels-v2"),
                       "/data/labels-v2/val/x.txt")
        XCTAssertEqual(LabelPaths.labelPath(forImage: "/data/pictures/x.jpeg"), "/data/pictures/x.txt")
        XCTAssertEqual(LabelPaths.labelPath(forImage: "/data/myimages/x.jpeg"), "/data/myimages/x.txt")
    }

    func testCachePathIsTheLabelsFolderWithACacheSuffix() {
        XCTAssertEqual(LabelCache.path(sources: ["/nonexistent/images/train2017"], firstLabelPath: "/d/labels/train2017/a.txt"),
                       "/d/labels/train2017.cache")
        XCTAssertEqual(LabelCache.path(sources: ["/nonexistent"], firstLabelPath: "/d/labels/val.v2/a.txt"), "/d/labels/val.cache")
    }
}
