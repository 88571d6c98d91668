import CJPEG

/// JPEG decoding through libjpeg-turbo's TurboJPEG API.
///
/// The default flags select the accurate integer IDCT and fancy (triangle-filter) chroma
/// upsampling: what OpenCV's libjpeg decoder uses, so the pixels match `cv2.imread` exactly.
enum JPEGDecoder {
    /// OpenCV refuses images with more pixels than this (`CV_IO_MAX_IMAGE_PIXELS`); so do we,
    /// before allocating anything a corrupt header asks for.
    static let maxPixels = 1 << 30

    static func decode(_ bytes: [UInt8], source: String) throws -> RGBImage {
        guard let handle = tjInitDecompress() else {
            throw ImageError("cannot initialise the JPEG decoder", file: source)
        }
        defer { tjDestroy(handle) }

        var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
        let headerStatus = bytes.withUnsafeBufferPointer { buffer in
            tjDecompressHeader3(handle, buffer.baseAddress, UInt(buffer.count), &width, &height, &subsampling, &colorspace)
        }
        if headerStatus != 0 {
            throw ImageError("corrupt JPEG header (\(errorText(handle)))", file: source)
        }
        guard width > 0, height > 0 else {
            throw ImageError("JPEG header gives an empty image (\(width)x\(height))", file: source)
        }
        guard Int(width) * Int(height) <= maxPixels else {
            throw ImageError("JPEG image too large (\(width)x\(height))", file: source)
        }

        // CMYK and YCCK JPEGs (Adobe) come out as CMYK, converted below the way OpenCV does.
        let isCMYK = colorspace == Int32(TJCS_CMYK.rawValue) || colorspace == Int32(TJCS_YCCK.rawValue)
        let pixelFormat = isCMYK ? TJPF_CMYK : TJPF_RGB
        let bytesPerPixel = isCMYK ? 4 : 3
        let pitch = Int(width) * bytesPerPixel
        var decoded = [UInt8](repeating: 0, count: pitch * Int(height))
        let status = bytes.withUnsafeBufferPointer { buffer in
            decoded.withUnsafeMutableBufferPointer { out in
                tjDecompress2(handle, buffer.baseAddress, UInt(buffer.count), out.baseAddress,
                              width, Int32(pitch), height, Int32(pixelFormat.rawValue), 0)
            }
        }
        if status != 0 {
            let message = errorText(handle)
            if tjGetErrorCode(handle) == Int32(TJERR_FATAL.rawValue) {
                throw ImageError("corrupt JPEG data (\(message))", file: source)
            }
            // libjpeg only warns about a file that ends early and fills the missing rows with
            // grey; OpenCV returns that image. A truncated file is a broken download, so we
            // refuse it. Other warnings (stray bytes between markers, ...) are accepted as
            // OpenCV accepts them: the image is complete.
            if message.contains("Premature end") {
                throw ImageError("truncated JPEG data (\(message))", file: source)
            }
        }
        let image: RGBImage
        if isCMYK {
            image = RGBImage(width: Int(width), height: Int(height), pixels: rgbFromCMYK(decoded))
        } else {
            image = RGBImage(width: Int(width), height: Int(height), pixels: decoded)
        }
        return image
    }

    /// OpenCV's CMYK → RGB for JPEGs (`icvCvt_CMYK2BGR_8u_C4C3R`): libjpeg hands over Adobe's
    /// inverted CMYK, and each colour is `k - ((255 - c) * k >> 8)`.
    static func rgbFromCMYK(_ cmyk: [UInt8]) -> [UInt8] {
        let count = cmyk.count / 4
        var rgb = [UInt8](repeating: 0, count: count * 3)
        cmyk.withUnsafeBufferPointer { src in
            rgb.withUnsafeMutableBufferPointer { dst in
                for p in 0..<count {
                    let k = Int(src[4 * p + 3])
                    for c in 0..<3 {
                        let ink = Int(src[4 * p + c])
                        dst[3 * p + c] = UInt8(k - (((255 - ink) * k) >> 8))
                    }
                }
            }
        }
        return rgb
    }

    private static func errorText(_ handle: tjhandle) -> String {
        guard let text = tjGetErrorStr2(handle) else { return "unknown error" }
        return String(cString: text)
    }
}
