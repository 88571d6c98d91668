import Foundation
import TestSupport
import XCTest
import YOLOData

/// Bad files give an `ImageError` naming the file and the problem, never a crash.
final class CorruptInputTests: XCTestCase {
    private func write(_ bytes: [UInt8], name: String) throws -> String {
        let url = try temporaryDirectory(self).appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    func testTruncatedJPEGIsRefused() throws {
        let bus = [UInt8](try Data(contentsOf: URL(fileURLWithPath: try SharedData.path("images/bus.jpg"))))
        let path = try write(Array(bus.prefix(10_000)), name: "truncated-bus.jpg")
        assertThrows(try RGBImage.read(path: path), containing: [path, "truncated JPEG"])
    }

    func testJPEGCutInsideTheHeaderIsRefused() throws {
        let jpeg = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("jpeg_420.jpg"))))
        let path = try write(Array(jpeg.prefix(40)), name: "header.jpg")
        assertThrows(try RGBImage.read(path: path), containing: [path, "JPEG"])
    }

    func testRandomBytesAreRefused() throws {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let path = try write([0x12, 0x34] + bytes, name: "noise.jpg")
        assertThrows(try RGBImage.read(path: path), containing: [path, "not a JPEG or PNG"])
    }

    func testRandomBytesAfterAJPEGSignatureAreRefused() throws {
        var generator = SystemRandomNumberGenerator()
        for trial in 0..<20 {
            let bytes = [0xFF, 0xD8, 0xFF] + (0..<2048).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let path = try write(bytes, name: "noise\(trial).jpg")
            assertThrows(try RGBImage.read(path: path), containing: [path, "JPEG"])
        }
    }

    func testEmptyAndMissingFilesAreRefused() throws {
        let empty = try write([], name: "empty.jpg")
        assertThrows(try RGBImage.read(path: empty), containing: [empty, "empty"])
        let missing = empty + ".missing"
        assertThrows(try RGBImage.read(path: missing), containing: [missing, "cannot read"])
    }

    func testOtherFormatsAreNamed() throws {
        let gif = try write(Array("GIF89a".utf8) + [UInt8](repeating: 0, count: 20), name: "a.png")
        assertThrows(try RGBImage.read(path: gif), containing: [gif, "GIF"])
    }

    func testDamagedPNGsAreRefused() throws {
        let png = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("png_rgba8.png"))))
        let truncated = try write(Array(png.prefix(png.count - 30)), name: "truncated.png")
        assertThrows(try RGBImage.read(path: truncated), containing: [truncated, "PNG"])
        var flipped = png
        flipped[png.count / 2] ^= 0xFF   // inside the compressed data: CRC or zlib failure
        let corrupt = try write(flipped, name: "corrupt.png")
        assertThrows(try RGBImage.read(path: corrupt), containing: [corrupt, "PNG"])
        let headerOnly = try write(Array(png.prefix(8)), name: "signature.png")
        assertThrows(try RGBImage.read(path: headerOnly), containing: [headerOnly, "PNG"])
    }

    /// Every prefix and many random byte flips of small JPEG and PNG files either decode or
    /// throw; none may crash the process.
    func testMutatedFilesNeverCrash() throws {
        var generator = SeededGenerator(seed: 0x5EED)
        for name in ["jpeg_420.jpg", "jpeg_progressive.jpg", "exif_orientation_6.jpg", "png_palette4_trns.png",
                     "png_rgba16.png", "png_exif6.png"] {
            let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Fixtures.path(name))))
            for length in stride(from: 0, to: original.count, by: max(1, original.count / 97)) {
                _ = try? RGBImage.decode(Array(original.prefix(length)), source: name)
            }
            for _ in 0..<300 {
                var mutated = original
                for _ in 0..<Int.random(in: 1...4, using: &generator) {
                    mutated[Int.random(in: 0..<mutated.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
                }
                do {
                    let image = try RGBImage.decode(mutated, source: name)
                    XCTAssertEqual(image.pixels.count, image.width * image.height * 3)
                } catch let error as ImageError {
                    XCTAssertEqual(error.file, name)
                }
            }
        }
    }
}

/// A small deterministic generator (SplitMix64) so a failing mutation can be replayed.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
