/// The EXIF orientation tag (0x0112): how the stored pixel rows map onto the upright picture.
///
/// `cv2.imread` with `IMREAD_COLOR` applies it, so phone photos whose sensor rows run
/// sideways come out upright; Ultralytics' labels are drawn on the upright picture too.
public enum EXIFOrientation: Int, Sendable, CaseIterable {
    case up = 1                 // stored upright
    case upMirrored = 2         // mirrored left-right
    case down = 3               // rotated 180°
    case downMirrored = 4       // mirrored top-bottom
    case leftMirrored = 5       // transposed (mirrored across the main diagonal)
    case right = 6              // rotate 90° clockwise to view
    case rightMirrored = 7      // transposed across the anti-diagonal
    case left = 8               // rotate 90° counter-clockwise to view

    /// The orientation stored in a JPEG's APP1 `Exif` segment; `.up` when there is none or it
    /// cannot be parsed (a broken EXIF block never makes an image unreadable).
    public static func inJPEG(_ bytes: [UInt8]) -> EXIFOrientation {
        var position = 2
        while position + 4 <= bytes.count {
            guard bytes[position] == 0xFF else { return .up }
            let marker = bytes[position + 1]
            if marker == 0xFF { position += 1; continue }                   // fill byte
            if marker == 0x01 || (0xD0...0xD8).contains(marker) { position += 2; continue }  // no length
            if marker == 0xDA || marker == 0xD9 { return .up }              // scan data / end: no more headers
            let length = Int(bytes[position + 2]) << 8 | Int(bytes[position + 3])
            let start = position + 4, end = position + 2 + length
            guard length >= 2, end <= bytes.count else { return .up }
            if marker == 0xE1, end - start > 6, Array(bytes[start..<(start + 6)]) == Array("Exif\0\0".utf8) {
                return fromTIFF(bytes[(start + 6)..<end])
            }
            position = end
        }
        return .up
    }

    /// The orientation in a PNG's `eXIf` chunk (raw TIFF data); `.up` when absent or unreadable.
    public static func inPNG(_ bytes: [UInt8]) -> EXIFOrientation {
        for chunk in PNGChunks(bytes) where chunk.type == "eXIf" {
            return fromTIFF(bytes[chunk.data])
        }
        return .up
    }

    /// Reads tag 0x0112 from IFD0 of a TIFF structure (byte-order mark, 42, IFD offset).
    static func fromTIFF(_ tiff: ArraySlice<UInt8>) -> EXIFOrientation {
        let base = tiff.startIndex
        guard tiff.count >= 8 else { return .up }
        let littleEndian: Bool
        switch (tiff[base], tiff[base + 1]) {
        case (0x49, 0x49): littleEndian = true
        case (0x4D, 0x4D): littleEndian = false
        default: return .up
        }
        func u16(_ offset: Int) -> Int? {
            guard offset >= 0, offset + 2 <= tiff.count else { return nil }
            let a = Int(tiff[base + offset]), b = Int(tiff[base + offset + 1])
            return littleEndian ? a | b << 8 : a << 8 | b
        }
        func u32(_ offset: Int) -> Int? {
            guard let low = u16(littleEndian ? offset : offset + 2),
                  let high = u16(littleEndian ? offset + 2 : offset) else { return nil }
            return low | high << 16
        }
        guard u16(2) == 42, let ifd = u32(4), let count = u16(ifd) else { return .up }
        for entry in 0..<count {
            let offset = ifd + 2 + entry * 12
            guard let tag = u16(offset) else { return .up }
            if tag == 0x0112 {
                // A SHORT whose value sits in the first two bytes of the value field.
                guard let value = u16(offset + 8) else { return .up }
                return EXIFOrientation(rawValue: value) ?? .up
            }
        }
        return .up
    }

    /// The upright image: the stored one flipped and/or transposed as the tag says.
    public func apply(to image: RGBImage) -> RGBImage {
        switch self {
        case .up: return image
        case .upMirrored: return image.transformed(transpose: false, flipX: true, flipY: false)
        case .down: return image.transformed(transpose: false, flipX: true, flipY: true)
        case .downMirrored: return image.transformed(transpose: false, flipX: false, flipY: true)
        case .leftMirrored: return image.transformed(transpose: true, flipX: false, flipY: false)
        case .right: return image.transformed(transpose: true, flipX: true, flipY: false)
        case .rightMirrored: return image.transformed(transpose: true, flipX: true, flipY: true)
        case .left: return image.transformed(transpose: true, flipX: false, flipY: true)
        }
    }
}

extension RGBImage {
    /// An optional transpose followed by optional mirrors, in the order OpenCV's EXIF handling
    /// applies them (`transpose`, then `flip`).
    func transformed(transpose: Bool, flipX: Bool, flipY: Bool) -> RGBImage {
        let outWidth = transpose ? height : width
        let outHeight = transpose ? width : height
        var out = [UInt8](repeating: 0, count: pixels.count)
        let srcWidth = width
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<outHeight {
                    let ty = flipY ? outHeight - 1 - y : y          // row before the flip
                    for x in 0..<outWidth {
                        let tx = flipX ? outWidth - 1 - x : x       // column before the flip
                        // Transposed pixel (tx, ty) is source pixel (ty, tx).
                        let (sx, sy) = transpose ? (ty, tx) : (tx, ty)
                        let s = (sy * srcWidth + sx) * 3, d = (y * outWidth + x) * 3
                        dst[d] = src[s]; dst[d + 1] = src[s + 1]; dst[d + 2] = src[s + 2]
                    }
                }
            }
        }
        return RGBImage(width: outWidth, height: outHeight, pixels: out)
    }
}
