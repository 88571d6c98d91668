import CPNG

/// PNG decoding through libpng's simplified `png_image` API, arranged to give what
/// `cv2.imread(IMREAD_COLOR)` gives:
///
/// * grey, grey+alpha and palette images are expanded to RGB (1/2/4-bit grey is scaled to
///   0...255 as libpng's expansion does);
/// * an alpha channel, or a `tRNS` transparency, is dropped, never composited;
/// * 16-bit samples keep their high byte (OpenCV's `png_set_strip_16`), not a rounded scale;
/// * gamma and colour-space chunks are ignored (OpenCV ignores them).
///
/// libpng's simplified API would otherwise gamma-convert (it treats 16-bit data as linear
/// and honours `gAMA`), composite alpha and scale 16→8 with rounding, so the metadata chunks
/// that trigger those conversions are removed from the stream before libpng sees it, and
/// 16-bit images are read as 16-bit and reduced here.
///
/// Known difference: a 16-bit image with an alpha channel can only be read from the simplified
/// API premultiplied by alpha, so colours of pixels that are not fully opaque are recovered by
/// dividing by alpha and may be one level off OpenCV's (fully transparent pixels come out
/// black). Opaque pixels and every 8-bit image are exact.
enum PNGDecoder {
    /// Chunks removed before decoding: colour-space information (OpenCV ignores it; libpng would
    /// convert) and `tRNS` (an alpha channel OpenCV drops anyway).
    static let ignoredChunks: Set<String> = ["gAMA", "sRGB", "iCCP", "cHRM", "tRNS"]

    // png.h's composite format macros (PNG_FORMAT_RGBA, ...) are not imported into Swift;
    // these are the same flag combinations.
    static let rgba8 = png_uint_32(PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_ALPHA)
    static let rgb16 = png_uint_32(PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_LINEAR)
    static let rgba16 = png_uint_32(PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_LINEAR | PNG_FORMAT_FLAG_ALPHA)

    static func decode(_ bytes: [UInt8], source: String) throws -> RGBImage {
        let stream = withoutIgnoredChunks(bytes)
        var image = png_image()
        image.version = png_uint_32(PNG_IMAGE_VERSION)
        defer { png_image_free(&image) }

        let began = stream.withUnsafeBufferPointer { buffer in
            png_image_begin_read_from_memory(&image, buffer.baseAddress, buffer.count)
        }
        if began == 0 { throw ImageError("corrupt PNG (\(message(image)))", file: source) }
        let width = Int(image.width), height = Int(image.height)
        guard width > 0, height > 0 else {
            throw ImageError("PNG header gives an empty image (\(width)x\(height))", file: source)
        }
        // The row strides below are Int32 and count 4 samples a pixel.
        guard width * height <= JPEGDecoder.maxPixels, width * 4 <= Int(Int32.max) else {
            throw ImageError("PNG image too large (\(width)x\(height))", file: source)
        }
        let sixteenBit = image.format & png_uint_32(PNG_FORMAT_FLAG_LINEAR) != 0
        let hasAlpha = image.format & png_uint_32(PNG_FORMAT_FLAG_ALPHA) != 0

        if !sixteenBit {
            // 8-bit RGBA output keeps the stored colours untouched (no premultiplication in
            // libpng's non-linear mode); the alpha byte is then skipped.
            image.format = rgba8
            var rgba = [UInt8](repeating: 0, count: width * height * 4)
            let finished = rgba.withUnsafeMutableBytes { out in
                png_image_finish_read(&image, nil, out.baseAddress, Int32(width * 4), nil)
            }
            if finished == 0 { throw ImageError("corrupt PNG data (\(message(image)))", file: source) }
            return RGBImage(width: width, height: height, pixels: dropFourthChannel(rgba))
        }

        // 16-bit: linear output with the (stripped) file gamma also linear means no gamma
        // conversion, so the samples arrive as stored, premultiplied when there is alpha.
        let channels = hasAlpha ? 4 : 3
        image.format = hasAlpha ? rgba16 : rgb16
        var samples = [UInt16](repeating: 0, count: width * height * channels)
        let finished = samples.withUnsafeMutableBytes { out in
            png_image_finish_read(&image, nil, out.baseAddress, Int32(width * channels), nil)
        }
        if finished == 0 { throw ImageError("corrupt PNG data (\(message(image)))", file: source) }
        return RGBImage(width: width, height: height, pixels: highBytes(samples, channels: channels))
    }

    /// The PNG stream without the chunks in `ignoredChunks`; the input itself when it has
    /// none (or is too broken to walk, in which case libpng reports the problem).
    static func withoutIgnoredChunks(_ bytes: [UInt8]) -> [UInt8] {
        let chunks = Array(PNGChunks(bytes))
        guard chunks.contains(where: { ignoredChunks.contains($0.type) }) else { return bytes }
        var kept = Array(bytes[0..<8])
        kept.reserveCapacity(bytes.count)
        var end = 8
        for chunk in chunks {
            end = chunk.whole.upperBound
            if !ignoredChunks.contains(chunk.type) { kept.append(contentsOf: bytes[chunk.whole]) }
        }
        kept.append(contentsOf: bytes[end...])   // whatever could not be walked: libpng judges it
        return kept
    }

    static func dropFourthChannel(_ rgba: [UInt8]) -> [UInt8] {
        let count = rgba.count / 4
        var rgb = [UInt8](repeating: 0, count: count * 3)
        rgba.withUnsafeBufferPointer { src in
            rgb.withUnsafeMutableBufferPointer { dst in
                for p in 0..<count {
                    dst[3 * p] = src[4 * p]; dst[3 * p + 1] = src[4 * p + 1]; dst[3 * p + 2] = src[4 * p + 2]
                }
            }
        }
        return rgb
    }

    /// 16-bit RGB(A) samples → 8-bit RGB by keeping the high byte. With alpha, libpng has
    /// multiplied each colour by alpha/65535 (rounded); dividing it back out recovers the
    /// stored colour exactly when alpha is 65535 and to within rounding otherwise.
    static func highBytes(_ samples: [UInt16], channels: Int) -> [UInt8] {
        let count = samples.count / channels
        var rgb = [UInt8](repeating: 0, count: count * 3)
        samples.withUnsafeBufferPointer { src in
            rgb.withUnsafeMutableBufferPointer { dst in
                for p in 0..<count {
                    let alpha = channels == 4 ? Int(src[4 * p + 3]) : 65535
                    for c in 0..<3 {
                        var value = Int(src[channels * p + c])
                        if alpha != 65535 {
                            value = alpha == 0 ? 0 : min(65535, (value * 65535 + alpha / 2) / alpha)
                        }
                        dst[3 * p + c] = UInt8(value >> 8)
                    }
                }
            }
        }
        return rgb
    }

    private static func message(_ image: png_image) -> String {
        var text = image.message
        let result = withUnsafeBytes(of: &text) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        return result.isEmpty ? "unknown libpng error" : result
    }
}
