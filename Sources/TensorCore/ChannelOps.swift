/// Channel concatenation, elementwise addition and zero padding of NCHW tensors.
public enum ChannelOps {
    /// Concatenates along channels; all inputs share batch, height and width. Every output
    /// float is written once (no zero fill).
    public static func concatenate(_ inputs: [Tensor]) -> Tensor {
        let first = inputs[0]
        let (batch, height, width) = (first.shape[0], first.shape[2], first.shape[3])
        let channels = inputs.reduce(0) { $0 + $1.shape[1] }
        var y = Tensor(uninitializedShape: [batch, channels, height, width])
        var offset = 0
        for input in inputs {
            copyChannels(input, from: 0, count: input.shape[1], into: &y, at: offset)
            offset += input.shape[1]
        }
        return y
    }

    /// Channels [first, first + count) of every image, as a new tensor.
    public static func channels(_ x: Tensor, from first: Int, count: Int) -> Tensor {
        var y = Tensor(uninitializedShape: [x.shape[0], count] + Array(x.shape.dropFirst(2)))
        copyChannels(x, from: first, count: count, into: &y, at: 0)
        return y
    }

    /// Overwrites channels [first, first + part's channels) of every image with `part`.
    public static func replaceChannels(_ x: inout Tensor, from first: Int, with part: Tensor) {
        copyChannels(part, from: 0, count: part.shape[1], into: &x, at: first)
    }

    /// Channels [first, first + count) of every image of `source` to channels [target,
    /// target + count) of `destination` (same batch and plane size): each image's block is
    /// contiguous on both sides, and the blocks, cut into pieces of 64 KiB (a block's last one
    /// shorter), are shared across cores in runs of at least four pieces (one core alone does not
    /// reach the memory bandwidth of two).
    static func copyChannels(_ source: Tensor, from first: Int, count: Int, into destination: inout Tensor, at target: Int) {
        let batch = source.shape[0]
        let (sourceChannels, targetChannels) = (source.shape[1], destination.shape[1])
        let plane = source.elementCount / max(1, batch * sourceChannels)
        precondition(destination.shape[0] == batch && destination.elementCount == batch * targetChannels * plane
                     && first + count <= sourceChannels && target + count <= targetChannels,
                     "cannot copy channels \(first)..<\(first + count) of \(source.shape) to \(target) of \(destination.shape)")
        let block = count * plane
        guard block > 0 else { return }
        let pieceLength = 16_384
        let piecesPerImage = (block + pieceLength - 1) / pieceLength
        source.storage.withUnsafeBufferPointer { src in
            destination.storage.withUnsafeMutableBufferPointer { dst in
                Parallel.forEach(batch * piecesPerImage, minimumChunk: 4) { pieces in
                    for piece in pieces {
                        let (b, index) = (piece / piecesPerImage, piece % piecesPerImage)
                        let start = index * pieceLength
                        (dst.baseAddress! + (b * targetChannels + target) * plane + start)
                            .update(from: src.baseAddress! + (b * sourceChannels + first) * plane + start,
                                    count: min(pieceLength, block - start))
                    }
                }
            }
        }
    }

    /// a + b elementwise (same shapes).
    public static func add(_ a: Tensor, _ b: Tensor) -> Tensor {
        var y = a
        addInPlace(&y, b)
        return y
    }

    /// a += b elementwise; no copy when `a` is uniquely referenced (a layer's fresh output).
    public static func addInPlace(_ a: inout Tensor, _ b: Tensor) {
        a.storage.withUnsafeMutableBufferPointer { out in
            b.storage.withUnsafeBufferPointer { other in
                Parallel.forEach(out.count, minimumChunk: 65_536) { range in
                    for i in range { out[i] += other[i] }
                }
            }
        }
    }

    /// Zero padding (left, right, top, bottom) of every plane.
    public static func zeroPad(_ x: Tensor, left: Int, right: Int, top: Int, bottom: Int) -> Tensor {
        let (batch, channels, height, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (outH, outW) = (height + top + bottom, width + left + right)
        var y = Tensor(shape: [batch, channels, outH, outW])
        x.storage.withUnsafeBufferPointer { src in
            y.storage.withUnsafeMutableBufferPointer { dst in
                for plane in 0..<(batch * channels) {
                    for iy in 0..<height {
                        (dst.baseAddress! + plane * outH * outW + (iy + top) * outW + left)
                            .update(from: src.baseAddress! + plane * height * width + iy * width, count: width)
                    }
                }
            }
        }
        return y
    }

    /// Space-to-depth as Ultralytics' Focus slices it: channels [x[::2, ::2], x[1::2, ::2], x[::2, 1::2], x[1::2, 1::2]].
    public static func focusSlices(_ x: Tensor) -> Tensor {
        let (batch, channels, height, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (outH, outW) = (height / 2, width / 2)
        var y = Tensor(shape: [batch, 4 * channels, outH, outW])
        let phases = [(0, 0), (1, 0), (0, 1), (1, 1)]  // (row offset, column offset)
        for b in 0..<batch {
            for (p, phase) in phases.enumerated() {
                for c in 0..<channels {
                    for oy in 0..<outH {
                        for ox in 0..<outW {
                            y.storage[((b * 4 * channels + p * channels + c) * outH + oy) * outW + ox] =
                                x.storage[((b * channels + c) * height + 2 * oy + phase.0) * width + 2 * ox + phase.1]
                        }
                    }
                }
            }
        }
        return y
    }

    /// Ultralytics' Contract: (b, c, h, w) → view (b, c, h/s, s, w/s, s) → permute (0, 3, 5, 1, 2, 4).
    public static func contract(_ x: Tensor, gain s: Int) -> Tensor {
        let (batch, channels, height, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (h, w) = (height / s, width / s)
        var y = Tensor(shape: [batch, channels * s * s, h, w])
        for b in 0..<batch {
            for sy in 0..<s {
                for sx in 0..<s {
                    for c in 0..<channels {
                        let outC = (sy * s + sx) * channels + c
                        for i in 0..<h {
                            for j in 0..<w {
                                y.storage[((b * channels * s * s + outC) * h + i) * w + j] =
                                    x.storage[((b * channels + c) * height + i * s + sy) * width + j * s + sx]
                            }
                        }
                    }
                }
            }
        }
        return y
    }

    /// Ultralytics' Expand: (b, c, h, w) → view (b, s, s, c/s², h, w) → permute (0, 3, 4, 1, 5, 2).
    public static func expand(_ x: Tensor, gain s: Int) -> Tensor {
        let (batch, channels, height, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let outC = channels / (s * s)
        var y = Tensor(shape: [batch, outC, height * s, width * s])
        for b in 0..<batch {
            for sy in 0..<s {
                for sx in 0..<s {
                    for c in 0..<outC {
                        let inC = (sy * s + sx) * outC + c
                        for i in 0..<height {
                            for j in 0..<width {
                                y.storage[((b * outC + c) * height * s + i * s + sy) * width * s + j * s + sx] =
                                    x.storage[((b * channels + inC) * height + i) * width + j]
                            }
                        }
                    }
                }
            }
        }
        return y
    }
}
