import XCTest
import Foundation
import TestSupport
@testable import YOLOConfig

final class DatasetSpecTests: XCTestCase {
    private var folder: String!

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "dataset-spec-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder + "/data/images/train", withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    private func write(_ text: String, name: String = "data.yaml") throws -> String {
        let path = folder + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func testSharedCoco128DataYAMLLoads() throws {
        let path = try SharedData.path("datasets/coco128/data.yaml")
        let spec = try DatasetSpec.load(path: path)
        XCTAssertEqual(spec.nc, 80)
        XCTAssertEqual(spec.names.first, "person")
        XCTAssertEqual(spec.names.last, "toothbrush")
        let root = URL(fileURLWithPath: path).deletingLastPathComponent().standardizedFileURL.path
        XCTAssertEqual(spec.root, root)
        XCTAssertEqual(spec.train, [root + "/images/train2017"])
        XCTAssertEqual(spec.val, spec.train)
        XCTAssertEqual(spec.test, [])
    }

    func testRelativePathIsTakenFromTheYAMLFolderThenTheWorkingDirectory() throws {
        let path = try write("path: data\ntrain: images/train\nval: [images/val, extra.txt]\nnames: [a, b]\n")
        let spec = try DatasetSpec.load(path: path, workingDirectory: "/somewhere/else")
        XCTAssertEqual(spec.root, folder + "/data")
        XCTAssertEqual(spec.val, [folder + "/data/images/val", folder + "/data/extra.txt"])

        // Not beside the YAML but present in the working directory: the working directory wins.
        let other = try write("path: images\ntrain: train\nval: train\nnc: 1\n", name: "other.yaml")
        let fromCWD = try DatasetSpec.load(path: other, workingDirectory: folder + "/data")
        XCTAssertEqual(fromCWD.root, folder + "/data/images")
        XCTAssertEqual(fromCWD.names, ["class0"])
    }

    func testNamesAsIndexMapping() throws {
        let path = try write("train: t\nval: v\nnames:\n  0: cat\n  1: dog\n")
        XCTAssertEqual(try DatasetSpec.load(path: path).names, ["cat", "dog"])
        let gap = try write("train: t\nval: v\nnames:\n  0: cat\n  2: dog\n", name: "gap.yaml")
        assertThrows(try DatasetSpec.load(path: gap), containing: ["gap.yaml:4:3", "0...1 without gaps"])
    }

    func testNcAndNamesDisagreeingIsAnError() throws {
        let path = try write("train: t\nval: v\nnc: 3\nnames: [a, b]\n")
        assertThrows(try DatasetSpec.load(path: path), containing: ["data.yaml:3:5", "'nc' is 3 but 'names' lists 2"])
    }

    func testMissingSplitAndUnknownKeyAreErrors() throws {
        let noVal = try write("train: t\nnames: [a]\n")
        assertThrows(try DatasetSpec.load(path: noVal), containing: ["data.yaml", "missing required key 'val'"])
        let typo = try write("train: t\nval: v\nname: [a]\n", name: "typo.yaml")
        assertThrows(try DatasetSpec.load(path: typo), containing: ["typo.yaml:3:1", "unknown dataset key 'name'"])
    }
}
