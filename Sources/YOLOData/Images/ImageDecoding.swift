import Foundation

extension RGBImage {
    /// Reads and decodes an image file the way `cv2.imread(path, IMREAD_COLOR)` followed by a
    /// BGR→RGB conversion does: JPEG or PNG chosen by signature, grey and palette images expanded
    /// to RGB, alpha dropped without compositing, 16-bit samples reduced to their high byte, and
    /// the EXIF orientation applied.
    public static func read(path: String) throws -> RGBImage {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ImageError("cannot read the file (\(describe(error)))", file: path)
        }
        return try decode([UInt8](data), source: path)
    }

    /// Decodes encoded image bytes; `source` names them in errors.
    public static func decode(_ bytes: [UInt8], source: String = "<memory>") throws -> RGBImage {
        if bytes.isEmpty { throw ImageError("the file is empty", file: source) }
        switch ImageFormat.sniff(bytes) {
        case .jpeg?:
            let image = try JPEGDecoder.decode(bytes, source: source)
            return EXIFOrientation.inJPEG(bytes).apply(to: image)
        case .png?:
            let image = try PNGDecoder.decode(bytes, source: source)
            return EXIFOrientation.inPNG(bytes).apply(to: image)
        case nil:
            if let other = ImageFormat.describeUnsupported(bytes) {
                throw ImageError("unsupported image format \(other) (only JPEG and PNG are decoded)", file: source)
            }
            let head = bytes.prefix(8).map { String(format: "%02x", $0) }.joined(separator: " ")
            throw ImageError("not a JPEG or PNG image (first bytes: \(head))", file: source)
        }
    }
}

/// The reason of a Foundation file error without its long NSError wrapper text.
func describe(_ error: Error) -> String {
    let ns = error as NSError
    if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
        return String(cString: strerror(Int32(underlying.code)))
    }
    if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))) }
    return ns.localizedDescription
}
