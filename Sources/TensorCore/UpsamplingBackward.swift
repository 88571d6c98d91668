/// Nearest-upsample backward: dX[y, x] = Σ of dY over its factor × factor block.
extension NearestUpsample {
    public static func backward(_ outputGradient: Tensor, factor: Int) -> Tensor {
        precondition(outputGradient.shape.count == 4 && factor >= 1
                     && outputGradient.shape[2] % factor == 0 && outputGradient.shape[3] % factor == 0,
                     "gradient \(outputGradient.shape) is not an upsampling by \(factor)")
        let (batch, channels, outH, outW) = (outputGradient.shape[0], outputGradient.shape[1],
                                             outputGradient.shape[2], outputGradient.shape[3])
        let (height, width) = (outH / factor, outW / factor)
        var dx = Tensor(shape: [batch, channels, height, width])
        outputGradient.storage.withUnsafeBufferPointer { dy in
            dx.storage.withUnsafeMutableBufferPointer { dxOut in
                Parallel.forEach(batch * channels, minimumChunk: max(1, 16_384 / max(outH * outW, 1))) { planes in
                    for plane in planes {
                        let src = dy.baseAddress! + plane * outH * outW
                        let dst = dxOut.baseAddress! + plane * height * width
                        for iy in 0..<height {
                            let row = dst + iy * width
                            for r in 0..<factor {
                                let srcRow = src + (iy * factor + r) * outW
                                for ix in 0..<width {
                                    var sum: Float = 0
                                    for c in 0..<factor { sum += srcRow[ix * factor + c] }
                                    row[ix] += sum
                                }
                            }
                        }
                    }
                }
            }
        }
        return dx
    }
}
