/// Nearest-neighbour upsampling by an integer factor (each pixel repeated factor × factor times).
public enum NearestUpsample {
    public static func forward(_ x: Tensor, factor: Int) -> Tensor {
        let (batch, channels, height, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (outH, outW) = (height * factor, width * factor)
        var y = Tensor(uninitializedShape: [batch, channels, outH, outW])
        x.storage.withUnsafeBufferPointer { input in
            y.storage.withUnsafeMutableBufferPointer { output in
                Parallel.forEach(batch * channels) { planes in
                    for plane in planes {
                        let src = input.baseAddress! + plane * height * width
                        let dst = output.baseAddress! + plane * outH * outW
                        for iy in 0..<height {
                            let row = dst + iy * factor * outW
                            for ix in 0..<width {
                                let v = src[iy * width + ix]
                                for r in 0..<factor { row[ix * factor + r] = v }
                            }
                            for r in 1..<max(factor, 1) { (row + r * outW).update(from: row, count: outW) }
                        }
                    }
                }
            }
        }
        return y
    }
}
