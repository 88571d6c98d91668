import CJPEG
import CPNG

extension RGBImage {
    /// JPEG bytes: 4:2:0 chroma subsampling and the accurate integer DCT, the settings of
    /// OpenCV's `imwrite` (quality 95 is its default too).
    public func encodeJPEG(quality: Int = 95) throws -> [UInt8] {
        guard (1...100).contains(quality) else {
            throw ImageError("JPEG quality \(quality) is outside 1...100", file: "<memory>")
        }
        guard width > 0, height > 0 else { throw ImageError("cannot encode an empty image", file: "<memory>") }
        guard let handle = tjInitCompress() else { throw ImageError("cannot initialise the JPEG encoder", file: "<memory>") }
        defer { tjDestroy(handle) }
        var output: UnsafeMutablePointer<UInt8>?
        var size: UInt = 0
        let status = pixels.withUnsafeBufferPointer { src in
            tjCompress2(handle, src.baseAddress, Int32(width), Int32(width * 3), Int32(height),
                        Int32(TJPF_RGB.rawValue), &output, &size, Int32(TJSAMP_420.rawValue),
                        Int32(quality), TJFLAG_ACCURATEDCT)
        }
        defer { if let output { tjFree(output) } }
        guard status == 0, let output else {
            let reason = tjGetErrorStr2(handle).map { String(cString: $0) } ?? "unknown error"
            throw ImageError("JPEG encoding failed (\(reason))", file: "<memory>")
        }
        return Array(UnsafeBufferPointer(start: output, count: Int(size)))
    }

    /// PNG bytes (8-bit RGB, lossless).
    public func encodePNG() throws -> [UInt8] {
        guard width > 0, height > 0 else { throw ImageError("cannot encode an empty image", file: "<memory>") }
        var image = png_image()
        image.version = png_uint_32(PNG_IMAGE_VERSION)
        image.width = png_uint_32(width)
        image.height = png_uint_32(height)
        image.format = png_uint_32(PNG_FORMAT_FLAG_COLOR)   // 8-bit RGB (PNG_FORMAT_RGB)
        defer { png_image_free(&image) }
        // First call measures, second call writes.
        var size = 0
        let measured = pixels.withUnsafeBytes { src in
            png_image_write_to_memory(&image, nil, &size, 0, src.baseAddress, Int32(width * 3), nil)
        }
        guard measured != 0, size > 0 else { throw ImageError("PNG encoding failed", file: "<memory>") }
        var output = [UInt8](repeating: 0, count: size)
        let written = output.withUnsafeMutableBytes { out in
            pixels.withUnsafeBytes { src in
                png_image_write_to_memory(&image, out.baseAddress, &size, 0, src.baseAddress, Int32(width * 3), nil)
            }
        }
        guard written != 0 else { throw ImageError("PNG encoding failed", file: "<memory>") }
        return Array(output.prefix(size))
    }

    /// Writes a JPEG file atomically (a temporary file renamed over `path`).
    public func writeJPEG(path: String, quality: Int = 95) throws {
        let bytes: [UInt8]
        do { bytes = try encodeJPEG(quality: quality) } catch let error as ImageError {
            throw ImageError(error.problem, file: path)
        }
        try AtomicFileWriter.write(bytes, to: path)
    }

    /// Writes a PNG file atomically (a temporary file renamed over `path`).
    public func writePNG(path: String) throws {
        let bytes: [UInt8]
        do { bytes = try encodePNG() } catch let error as ImageError {
            throw ImageError(error.problem, file: path)
        }
        try AtomicFileWriter.write(bytes, to: path)
    }
}
