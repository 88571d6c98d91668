import Foundation

/// The raw file `--cache disk` keeps beside an image: the decoded pixels (after EXIF orientation,
/// as `cv2.imread` gives them) behind a small header, so the next epoch or run skips decoding.
///
/// Layout (little-endian): magic `YOLORGB1` (8 bytes), width and height (UInt32 each), the
/// source file's size (UInt64) and modification time in nanoseconds (Int64), then
/// `height · width · 3` RGB bytes. A file whose header does not match the source is ignored
/// and rewritten; files are written through `AtomicFileWriter`, so a reader never sees half a file.
public enum DiskImageCache {
    static let magic: [UInt8] = Array("YOLORGB1".utf8)
    static let headerSize = 8 + 4 + 4 + 8 + 8
    public static let suffix = ".rgbcache"

    public static func path(forImage imagePath: String) -> String { imagePath + suffix }

    /// The cached image, or nil when there is none or it is stale or damaged.
    public static func read(imagePath: String) -> RGBImage? {
        guard let status = FileStatus.of(imagePath),
              let data = FileManager.default.contents(atPath: path(forImage: imagePath)),
              data.count >= headerSize else { return nil }
        let bytes = [UInt8](data)
        guard Array(bytes[0..<8]) == magic else { return nil }
        let width = Int(readInteger(bytes, at: 8, size: 4)), height = Int(readInteger(bytes, at: 12, size: 4))
        let size = readInteger(bytes, at: 16, size: 8), mtime = Int64(bitPattern: readInteger(bytes, at: 24, size: 8))
        guard size == UInt64(status.size), mtime == status.modified, width > 0, height > 0,
              bytes.count == headerSize + width * height * 3 else { return nil }
        return RGBImage(width: width, height: height, pixels: Array(bytes[headerSize...]))
    }

    /// Writes the cache file for `imagePath`.
    public static func write(_ image: RGBImage, imagePath: String) throws {
        guard let status = FileStatus.of(imagePath) else {
            throw ImageError("cannot stat the image to cache it", file: imagePath)
        }
        var bytes = magic
        bytes.reserveCapacity(headerSize + image.pixels.count)
        appendInteger(&bytes, UInt64(image.width), size: 4)
        appendInteger(&bytes, UInt64(image.height), size: 4)
        appendInteger(&bytes, UInt64(status.size), size: 8)
        appendInteger(&bytes, UInt64(bitPattern: status.modified), size: 8)
        bytes += image.pixels
        try AtomicFileWriter.write(bytes, to: path(forImage: imagePath))
    }

    /// The image from the cache, or decoded (and cached) when the cache is missing or stale.
    public static func load(imagePath: String) throws -> RGBImage {
        if let cached = read(imagePath: imagePath) { return cached }
        let image = try RGBImage.read(path: imagePath)
        try write(image, imagePath: imagePath)
        return image
    }

    static func readInteger(_ bytes: [UInt8], at offset: Int, size: Int) -> UInt64 {
        var value: UInt64 = 0
        for i in 0..<size { value |= UInt64(bytes[offset + i]) << (8 * UInt64(i)) }
        return value
    }

    static func appendInteger(_ bytes: inout [UInt8], _ value: UInt64, size: Int) {
        for i in 0..<size { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(i)))) }
    }
}
