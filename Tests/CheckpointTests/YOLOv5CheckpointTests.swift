import Checkpoint
import Foundation
import TestSupport
import XCTest

/// The official yolov5n.pt against the listings PyTorch produced from it (shared/reference).
final class YOLOv5CheckpointTests: XCTestCase {
    private static var cached: TorchCheckpoint?

    private func checkpoint() throws -> TorchCheckpoint {
        let path = try SharedData.path("weights/yolov5n.pt")
        if let cached = Self.cached { return cached }
        let loaded = try TorchCheckpoint.load(path: path)
        Self.cached = loaded
        return loaded
    }

    func testLoadsQuickly() throws {
        let path = try SharedData.path("weights/yolov5n.pt")
        let start = Date()
        let loaded = try TorchCheckpoint.load(path: path)
        let seconds = Date().timeIntervalSince(start)
        print("yolov5n.pt loaded in \(String(format: "%.3f", seconds)) s (\(loaded.stateDict.count) tensors)")
        // Generous: the machine is shared; a quadratic copy would take far longer than this.
        XCTAssertLessThan(seconds, 5)
    }

    func testStateDictMatchesTorchListing() throws {
        let loaded = try checkpoint()
        XCTAssertEqual(loaded.kind, .wholeModel)
        XCTAssertEqual(loaded.recordPrefix, "archive")
        let listing = try String(contentsOfFile: try SharedData.path("reference/yolov5n_state_dict.txt"), encoding: .utf8)
        let rows = listing.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { $0.split(separator: "\t") }
        XCTAssertEqual(rows.count, 349)
        XCTAssertEqual(loaded.stateDict.count, rows.count)
        for (row, entry) in zip(rows, loaded.stateDict) {
            XCTAssertEqual(String(row[0]), entry.name)
            XCTAssertEqual(String(row[1]), entry.tensor.dtype.rawValue, entry.name)
            XCTAssertEqual(String(row[2]), "[" + entry.tensor.shape.map(String.init).joined(separator: ", ") + "]",
                           entry.name)
            XCTAssertEqual(Int(row[3]), entry.tensor.elementCount, entry.name)
        }
    }

    func testWeightsEqualTheFloat32Reference() throws {
        let loaded = try checkpoint()
        let reference = try SafetensorsFile.read(path: try SharedData.path("reference/loss_start_weights.safetensors"))
        XCTAssertEqual(reference.tensors.count, loaded.stateDict.count)
        for (name, tensor) in loaded.stateDict {
            guard let expected = reference.tensor(named: name) else {
                XCTFail("\(name) missing from the reference")
                continue
            }
            if tensor.dtype == .int64 {
                XCTAssertEqual(expected.dtype, .int64, name)
                XCTAssertEqual(tensor.integers(), [1], name)
                XCTAssertEqual(expected.integers(), [1], name)
                continue
            }
            XCTAssertEqual(tensor.dtype, .float16, name)
            XCTAssertEqual(expected.dtype, .float32, name)
            XCTAssertEqual(expected.shape, tensor.shape, name)
            let upcast = tensor.floats().map(\.bitPattern)
            let reference = expected.floats().map(\.bitPattern)
            XCTAssertTrue(upcast == reference, "\(name): values differ from the float32 reference")
        }
        let anchors = try XCTUnwrap(loaded.tensor(named: "model.24.anchors"))
        XCTAssertEqual(anchors.shape, [3, 3, 2])
        XCTAssertEqual(Array(anchors.floats().prefix(6)), [1.25, 1.625, 2.0, 3.75, 4.125, 2.875])
    }

    func testModelDescriptionAndClassNames() throws {
        let loaded = try checkpoint()
        let description = try XCTUnwrap(loaded.modelDescription)
        XCTAssertEqual(description["nc"], .int(80))
        XCTAssertEqual(description["depth_multiple"], .float(0.33))
        XCTAssertEqual(description["width_multiple"], .float(0.25))
        let backbone = try XCTUnwrap(description["backbone"]?.elements)
        let head = try XCTUnwrap(description["head"]?.elements)
        XCTAssertEqual(backbone.count + head.count, 25)
        XCTAssertEqual(backbone.first, .list([.int(-1), .int(1), .string("Conv"), .list([.int(64), .int(6), .int(2), .int(2)])]))
        XCTAssertEqual(description["anchors"]?.elements?.count, 3)

        let names = try XCTUnwrap(loaded.classNames)
        XCTAssertEqual(names.count, 80)
        XCTAssertEqual(names.first, "person")
        XCTAssertEqual(names.last, "toothbrush")
    }

    func testTopLevelCheckpointFields() throws {
        let loaded = try checkpoint()
        XCTAssertEqual(loaded.root["epoch"], .int(-1))
        XCTAssertEqual(loaded.root["best_fitness"], PickleValue.none)
        XCTAssertEqual(loaded.root["ema"], PickleValue.none)
        XCTAssertEqual(loaded.root["date"]?.stringValue?.hasPrefix("2022-02-08"), true)
        let model = try XCTUnwrap(loaded.model)
        XCTAssertEqual(model.className, "models.yolo.Model")
        XCTAssertEqual(model.attribute("stride")?.tensorValue?.floats(), [8, 16, 32])
        XCTAssertEqual(model.attribute("hyp")?["anchor_t"], .float(4.0))
    }

    func testArchiveLayout() throws {
        let archive = try ZipArchive(path: try SharedData.path("weights/yolov5n.pt"))
        XCTAssertEqual(archive.entries.count, 360)
        XCTAssertEqual(archive.entries.first?.name, "archive/data.pkl")
        XCTAssertEqual(archive.entries.last?.name, "archive/version")
        XCTAssertEqual(Array(try archive.contents(ofEntryNamed: "archive/version")), Array("3\n".utf8))
        for entry in archive.entries where entry.name.hasPrefix("archive/data/") {
            XCTAssertEqual(entry.payloadOffset % 64, 0, entry.name)
            XCTAssertEqual(entry.method, 0)
        }
    }
}
