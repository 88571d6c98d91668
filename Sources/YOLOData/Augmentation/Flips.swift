/// `np.flipud` / `np.fliplr` with Ultralytics' label update on normalised labels
/// (`y ← 1 − y`, `x ← 1 − x`, in float32).
public enum Flips {
    public static func upDown(_ image: RGBImage, labels: [ObjectLabel]) -> (RGBImage, [ObjectLabel]) {
        var out = image
        let rowBytes = image.width * 3
        image.pixels.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                for y in 0..<image.height {
                    let from = (image.height - 1 - y) * rowBytes
                    UnsafeMutableRawPointer(dst.baseAddress! + y * rowBytes)
                        .copyMemory(from: src.baseAddress! + from, byteCount: rowBytes)
                }
            }
        }
        return (out, labels.map { var l = $0; l.y = 1 - l.y; return l })
    }

    public static func leftRight(_ image: RGBImage, labels: [ObjectLabel]) -> (RGBImage, [ObjectLabel]) {
        var out = image
        let w = image.width
        image.pixels.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                for y in 0..<image.height {
                    let row = y * w * 3
                    for x in 0..<w {
                        let s = row + (w - 1 - x) * 3, d = row + x * 3
                        dst[d] = src[s]; dst[d + 1] = src[s + 1]; dst[d + 2] = src[s + 2]
                    }
                }
            }
        }
        return (out, labels.map { var l = $0; l.x = 1 - l.x; return l })
    }
}
