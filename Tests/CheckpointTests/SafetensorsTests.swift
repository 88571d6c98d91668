import Checkpoint
import Foundation
import TestSupport
import XCTest

final class SafetensorsTests: XCTestCase {
    private let sample: [(name: String, tensor: StoredTensor)] = [
        (name: "weights", tensor: StoredTensor(shape: [2, 3], floats: [1, -2, 3.5, 0, -0.0, .infinity])),
        (name: "half", tensor: StoredTensor(dtype: .float16, shape: [2], bytes: [0x00, 0x3C, 0x01, 0x00])),
        (name: "double", tensor: StoredTensor(dtype: .float64, shape: [1], bytes: (0..<8).map { UInt8($0) })),
        (name: "count", tensor: StoredTensor(dtype: .int64, shape: [], bytes: [1, 0, 0, 0, 0, 0, 0, 0])),
        (name: "int32", tensor: StoredTensor(dtype: .int32, shape: [1], bytes: [0xFF, 0xFF, 0xFF, 0xFF])),
        (name: "empty", tensor: StoredTensor(dtype: .float32, shape: [0, 4], bytes: [])),
        (name: "pixels", tensor: StoredTensor(dtype: .uint8, shape: [3], bytes: [0, 128, 255])),
        (name: "mask", tensor: StoredTensor(dtype: .bool, shape: [2], bytes: [1, 0])),
    ]
    private let metadata = ["format": "pt", "note": "quotes \" and \\ and\nnewline, ünïcödé"]

    func testRoundTripIsExactAndAtomic() throws {
        let folder = try temporaryFolder(self)
        let path = folder.appendingPathComponent("weights.safetensors").path
        try Data("old contents".utf8).write(to: URL(fileURLWithPath: path))
        try SafetensorsFile.write(sample, metadata: metadata, to: path)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["weights.safetensors"])

        let read = try SafetensorsFile.read(path: path)
        XCTAssertEqual(read.tensors.map(\.name), sample.map(\.name))
        XCTAssertEqual(read.tensors.map(\.tensor), sample.map(\.tensor))
        XCTAssertEqual(read.metadata, metadata)

        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let headerLength = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        XCTAssertEqual(headerLength % 8, 0, "the header is padded so the data starts 8-byte aligned")
    }

    func testFailedWriteLeavesNothingBehind() throws {
        let folder = try temporaryFolder(self)
        let path = folder.appendingPathComponent("bad.safetensors").path
        let wrongSize = [(name: "x", tensor: StoredTensor(dtype: .float32, shape: [3], bytes: [0, 0, 0, 0]))]
        assertThrows(try SafetensorsFile.write(wrongSize, to: path), containing: [path, "'x' has 4 bytes", "needs 12"])
        let duplicate = [sample[0], sample[0]]
        assertThrows(try SafetensorsFile.write(duplicate, to: path), containing: ["'weights' is used twice"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), [])
        let missingFolder = folder.appendingPathComponent("no/such/folder/x.safetensors").path
        assertThrows(try SafetensorsFile.write(sample, to: missingFolder), containing: [missingFolder, "temporary file"])
    }

    func testReadsReferenceLayerOutputs() throws {
        let file = try SafetensorsFile.read(path: try SharedData.path("reference/layers_bus320.safetensors"))
        XCTAssertEqual(file.tensors.count, 28)
        XCTAssertEqual(Set(file.tensors.map(\.name)),
                       Set((0...23).map { "model.\($0)" } + ["detect.raw0", "detect.raw1", "detect.raw2", "detect.decoded"]))
        XCTAssertEqual(file.tensor(named: "model.0")?.shape, [1, 16, 160, 128])
        XCTAssertEqual(file.tensor(named: "model.10")?.shape, [1, 128, 10, 8])
        XCTAssertEqual(file.tensor(named: "detect.raw0")?.shape, [1, 3, 40, 32, 85])
        XCTAssertEqual(file.tensor(named: "detect.decoded")?.shape, [1, 5040, 85])
        XCTAssertTrue(file.tensors.allSatisfy { $0.tensor.dtype == .float32 })
        XCTAssertEqual(file.metadata["image"], "bus.jpg")
    }

    /// A file with the given header text and `dataLength` zero bytes of data.
    private func file(header: String, dataLength: Int) -> [UInt8] {
        let text = Array(header.utf8)
        return le64(UInt64(text.count)) + text + [UInt8](repeating: 0, count: dataLength)
    }

    func testMalformedHeadersAreErrors() {
        func parse(_ header: String, data: Int = 16) throws -> SafetensorsFile {
            try SafetensorsFile.parse(file(header: header, dataLength: data), file: "bad.safetensors")
        }
        assertThrows(try parse(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#),
                     containing: ["bad.safetensors", "overlap"])
        assertThrows(try parse(#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#),
                     containing: ["'a'", "span 8 bytes", "needs 12"])
        assertThrows(try parse(#"{"a":{"dtype":"BF16","shape":[1],"data_offsets":[0,2]}}"#),
                     containing: ["unsupported dtype 'BF16'"])
        assertThrows(try parse(#"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#), containing: ["non-negative"])
        assertThrows(try parse(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}"#), containing: ["malformed JSON"])
        assertThrows(try parse(#"{"__metadata__":{"n":1}}"#), containing: ["__metadata__['n']", "not a string"])
        assertThrows(try parse("[]"), containing: ["not a JSON object"])
        assertThrows(try SafetensorsFile.parse([1, 2, 3], file: "tiny.safetensors"),
                     containing: ["tiny.safetensors", "unexpected end of data"])
        assertThrows(try SafetensorsFile.parse(le64(1 << 40) + [0x7B], file: "huge.safetensors"),
                     containing: ["header length 1099511627776"])
    }
}
