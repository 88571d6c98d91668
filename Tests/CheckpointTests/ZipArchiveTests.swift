import Checkpoint
import TestSupport
import XCTest

final class ZipArchiveTests: XCTestCase {
    private let files: [(name: String, data: [UInt8])] = [
        (name: "x/data.pkl", data: [1, 2, 3]),
        (name: "x/data/0", data: Array(0..<100)),
        (name: "x/empty", data: []),
    ]

    func testStoredEntriesWithLocalPaddingAndDataDescriptors() throws {
        var builder = ZipBuilder(files)
        builder.localPadding = 40
        let archive = try ZipArchive(bytes: builder.build(), file: "test.zip")
        XCTAssertEqual(archive.entries.map(\.name), files.map(\.name))
        for (name, data) in files {
            XCTAssertEqual(Array(try archive.contents(ofEntryNamed: name)), data, name)
        }
        assertThrows(try archive.contents(ofEntryNamed: "x/missing"), containing: ["test.zip", "no entry 'x/missing'"])
    }

    func testZip64EndOfCentralDirectory() throws {
        var builder = ZipBuilder(files)
        builder.zip64 = true
        let archive = try ZipArchive(bytes: builder.build(), file: "test.zip")
        XCTAssertEqual(archive.entries.count, 3)
        XCTAssertEqual(Array(try archive.contents(ofEntryNamed: "x/data/0")), Array(0..<100))
    }

    func testCompressedEntriesAreRejected() throws {
        var builder = ZipBuilder(files)
        builder.method = 8
        let archive = try ZipArchive(bytes: builder.build(), file: "test.zip")
        assertThrows(try archive.contents(ofEntryNamed: "x/data/0"),
                     containing: ["test.zip", "'x/data/0'", "deflate-compressed", "only stored"])
    }

    func testEveryTruncationIsAnError() {
        let bytes = ZipBuilder(files).build()
        for length in 0..<bytes.count {
            XCTAssertThrowsError(try ZipArchive(bytes: Array(bytes.prefix(length)), file: "cut.zip")) { error in
                XCTAssertTrue(error is CheckpointError, "length \(length): \(error)")
            }
        }
    }
}
