/// The encodings `RGBImage` reads, recognised by their leading bytes (a file's suffix says
/// nothing reliable: datasets contain PNGs named `.jpg`).
public enum ImageFormat: String, Sendable, CaseIterable {
    case jpeg, png

    /// The format whose signature starts `bytes`, or nil.
    public static func sniff(_ bytes: [UInt8]) -> ImageFormat? {
        if bytes.count >= 3, bytes[0] == 0xFF, bytes[1] == 0xD8, bytes[2] == 0xFF { return .jpeg }
        if bytes.count >= 8, Array(bytes[0..<8]) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] { return .png }
        return nil
    }

    /// A short name for a recognisable signature this module does not decode, for error messages.
    static func describeUnsupported(_ bytes: [UInt8]) -> String? {
        func starts(_ prefix: [UInt8]) -> Bool { bytes.count >= prefix.count && Array(bytes[0..<prefix.count]) == prefix }
        if starts(Array("GIF8".utf8)) { return "GIF" }
        if starts(Array("BM".utf8)) { return "BMP" }
        if starts([0x49, 0x49, 0x2A, 0x00]) || starts([0x4D, 0x4D, 0x00, 0x2A]) { return "TIFF" }
        if starts(Array("RIFF".utf8)), bytes.count >= 12, Array(bytes[8..<12]) == Array("WEBP".utf8) { return "WebP" }
        if bytes.count >= 12, Array(bytes[4..<8]) == Array("ftyp".utf8) { return "HEIF/AVIF" }
        return nil
    }
}
