/// An 8-bit RGB image stored row by row, three interleaved bytes per pixel (HWC, R first).
///
/// This is the layout OpenCV uses after `cvtColor(BGR2RGB)`, so every pre-processing step can
/// be checked byte for byte against Ultralytics' arrays.
public struct RGBImage: Sendable, Equatable {
    public static let channels = 3

    public let width: Int
    public let height: Int
    /// `height * width * 3` bytes: pixel (x, y) channel c is at `(y * width + x) * 3 + c`.
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0, "negative image size \(width)x\(height)")
        precondition(pixels.count == width * height * RGBImage.channels,
                     "\(pixels.count) bytes do not fill a \(width)x\(height) RGB image")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// An image filled with one colour (the letterbox canvas, test images).
    public init(width: Int, height: Int, fill: (UInt8, UInt8, UInt8) = (0, 0, 0)) {
        precondition(width >= 0 && height >= 0, "negative image size \(width)x\(height)")
        var pixels = [UInt8](repeating: 0, count: width * height * RGBImage.channels)
        if fill != (0, 0, 0) {
            pixels.withUnsafeMutableBufferPointer { out in
                var i = 0
                while i < out.count {
                    out[i] = fill.0; out[i + 1] = fill.1; out[i + 2] = fill.2
                    i += 3
                }
            }
        }
        self.init(width: width, height: height, pixels: pixels)
    }

    /// The bytes of one pixel.
    public subscript(x: Int, y: Int) -> (UInt8, UInt8, UInt8) {
        let i = (y * width + x) * RGBImage.channels
        return (pixels[i], pixels[i + 1], pixels[i + 2])
    }

    /// The pixels in planar CHW order (R plane, G plane, B plane): the layout of the reference
    /// `.npy` arrays and of the network input.
    public func planarBytes() -> [UInt8] {
        let planeSize = width * height
        var planes = [UInt8](repeating: 0, count: planeSize * RGBImage.channels)
        pixels.withUnsafeBufferPointer { src in
            planes.withUnsafeMutableBufferPointer { dst in
                for p in 0..<planeSize {
                    dst[p] = src[3 * p]
                    dst[planeSize + p] = src[3 * p + 1]
                    dst[2 * planeSize + p] = src[3 * p + 2]
                }
            }
        }
        return planes
    }
}
