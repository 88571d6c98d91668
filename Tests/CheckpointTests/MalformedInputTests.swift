import Checkpoint
import Foundation
import TestSupport
import XCTest

/// Broken files of every kind must throw a `CheckpointError` that names the file and the
/// problem; none may crash.
final class MalformedInputTests: XCTestCase {
    private func write(_ bytes: [UInt8], named name: String) throws -> String {
        let path = try temporaryFolder(self).appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    func testTruncatedCheckpoint() throws {
        let original = try [UInt8](Data(contentsOf: URL(fileURLWithPath: try SharedData.path("weights/yolov5n.pt"))))
        let path = try write(Array(original.prefix(original.count / 2)), named: "half.pt")
        assertThrows(try TorchCheckpoint.load(path: path), containing: [path, "end-of-central-directory", "truncated"])
    }

    func testRandomBytes() throws {
        var generator = SplitMix64(state: 42)
        let bytes = (0..<65_536).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        let path = try write(bytes, named: "random.pt")
        assertThrows(try TorchCheckpoint.load(path: path), containing: [path, "not a ZIP archive"])
        assertThrows(try SafetensorsFile.read(path: path), containing: [path, "header length"])
    }

    func testZipWithoutPickle() throws {
        let bytes = ZipBuilder([(name: "notes/readme.txt", data: Array("hello".utf8))]).build()
        let path = try write(bytes, named: "notes.zip")
        assertThrows(try TorchCheckpoint.load(path: path), containing: [path, "not a torch.save checkpoint", "data.pkl"])
    }

    func testUnsupportedPickleOpcode() throws {
        // PROTO 2, MARK, OBJ (0x6F: instantiate a class from the stack; never supported), STOP
        let bytes = ZipBuilder([(name: "ckpt/data.pkl", data: [0x80, 0x02, 0x28, 0x6F, 0x2E])]).build()
        let path = try write(bytes, named: "opcode.pt")
        assertThrows(try TorchCheckpoint.load(path: path),
                     containing: [path, "ckpt/data.pkl", "unsupported pickle opcode 0x6F at byte offset 3"])
    }

    func testSafetensorsOffsetsPastTheEnd() throws {
        let header = Array(#"{"w":{"dtype":"F32","shape":[100],"data_offsets":[0,400]}}"#.utf8)
        let path = try write(le64(UInt64(header.count)) + header + [UInt8](repeating: 0, count: 16), named: "short.safetensors")
        assertThrows(try SafetensorsFile.read(path: path),
                     containing: [path, "'w'", "data_offsets [0, 400]", "outside the 16 data bytes"])
    }

    func testMissingFileAndFolder() throws {
        assertThrows(try TorchCheckpoint.load(path: "/no/such/file.pt"), containing: ["/no/such/file.pt", "no such file"])
        let folder = try temporaryFolder(self).path
        assertThrows(try TorchCheckpoint.load(path: folder), containing: [folder, "directory"])
    }

    func testWrongContentsAreExplained() throws {
        let pickle: [UInt8] = PickleBytes.proto2 + PickleBytes.int1(5) + PickleBytes.stop
        let path = try write(ZipBuilder([(name: "c/data.pkl", data: pickle)]).build(), named: "int.pt")
        assertThrows(try TorchCheckpoint.load(path: path), containing: [path, "not a model checkpoint", "int"])
        let bigEndian = ZipBuilder([(name: "c/data.pkl", data: pickle), (name: "c/byteorder", data: Array("big".utf8))])
        let bigPath = try write(bigEndian.build(), named: "big.pt")
        assertThrows(try TorchCheckpoint.load(path: bigPath), containing: [bigPath, "byteorder", "'big'"])
        let missingStorage = ZipBuilder([(name: "c/data.pkl", data: PickleBytes.proto2
                + PickleBytes.storage("FloatStorage", key: "9", count: 1) + PickleBytes.stop)])
        let missingPath = try write(missingStorage.build(), named: "missing.pt")
        assertThrows(try TorchCheckpoint.load(path: missingPath), containing: [missingPath, "no entry 'c/data/9'"])
    }

    /// Every 7th prefix and a thousand single-byte corruptions of a real checkpoint either load or
    /// throw a CheckpointError — they never trap.
    func testCorruptedCheckpointsNeverCrash() throws {
        let original = try [UInt8](Data(contentsOf: URL(fileURLWithPath: fixturePath("tiny_model.pt"))))
        for length in stride(from: 0, to: original.count, by: 7) {
            XCTAssertThrowsError(try TorchCheckpoint.parse(Array(original.prefix(length)), file: "cut.pt"))
        }
        var generator = SplitMix64(state: 7)
        var failures = 0
        for _ in 0..<1000 {
            var bytes = original
            let position = Int(generator.next() % UInt64(bytes.count))
            bytes[position] = UInt8(truncatingIfNeeded: generator.next())
            do {
                _ = try TorchCheckpoint.parse(bytes, file: "flipped.pt")
            } catch is CheckpointError {
                failures += 1
            } catch {
                XCTFail("unexpected error type: \(error)")
            }
        }
        XCTAssertGreaterThan(failures, 0)
    }
}
