/// Shrinking by whole factors (OpenCV's `resizeAreaFast_`): each output pixel is the mean of
/// a `factorX` × `factorY` block.
///
/// The rounding differs between OpenCV's two code paths, and so it does here: the 2×2 case
/// with 1, 3 or 4 channels runs OpenCV's SIMD kernel, `(sum + 2) >> 2` (halves round up);
/// every other factor uses `saturate_cast<uchar>(sum * (1.f/area))` (float, halves to even).
/// INTER_LINEAR at exactly half size also lands here, since OpenCV redirects it.
struct BlockAverageResize {
    let source: PixelGrid
    let target: PixelGrid
    let factorX: Int
    let factorY: Int

    func run(_ src: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        let cn = source.channels
        let area = factorX * factorY
        let roundsHalfUp = factorX == 2 && factorY == 2 && (cn == 1 || cn == 3 || cn == 4)
        let reciprocal = 1 / Float(area)
        let sourceRow = source.rowLength
        var output = [UInt8](repeating: 0, count: target.byteCount)
        output.withUnsafeMutableBufferPointer { dst in
            for y in 0..<target.height {
                let top = y * factorY * sourceRow
                for x in 0..<target.width {
                    for c in 0..<cn {
                        var sum = 0
                        var rowStart = top + x * factorX * cn + c
                        for _ in 0..<factorY {
                            var i = rowStart
                            for _ in 0..<factorX {
                                sum += Int(src[i])
                                i += cn
                            }
                            rowStart += sourceRow
                        }
                        let value = roundsHalfUp
                            ? (sum + 2) >> 2
                            : Int((Float(sum) * reciprocal).rounded(.toNearestOrEven))
                        dst[(y * target.width + x) * cn + c] = UInt8(clamping: value)
                    }
                }
            }
        }
        return output
    }
}
