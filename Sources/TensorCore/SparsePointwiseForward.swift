/// A 1×1 convolution computed only where it is read: every pixel of a few dense channels, and
/// a range of channels at single pixels. (A detection head in training: the loss reads the
/// objectness channels everywhere and the other channels only at the cells targets were
/// assigned to, about 1/85 of the map.)
extension Conv2D {
    public struct SparseCell: Sendable {
        public let image: Int, pixel: Int
        public let channels: Range<Int>
        public init(image: Int, pixel: Int, channels: Range<Int>) {
            (self.image, self.pixel, self.channels) = (image, pixel, channels)
        }
    }

    /// bias + W·x for `denseChannels` at every pixel ([batch][denseChannels.count][pixels]) and for
    /// each cell's channels at its pixel (one array per cell).
    public static func sparsePointwiseForward(_ x: Tensor, weight: Tensor, bias: Tensor?, denseChannels: [Int],
                                              cells: [SparseCell]) -> (dense: [Float], cells: [[Float]]) {
        precondition(x.shape.count == 4 && weight.shape.count == 4 && weight.shape[1] == x.shape[1]
                     && weight.shape[2] == 1 && weight.shape[3] == 1, "a 1×1 convolution of \(x.shape) by \(weight.shape)")
        let (batch, inputs, pixels) = (x.shape[0], x.shape[1], x.shape[2] * x.shape[3])
        let denseCount = denseChannels.count
        var dense = [Float](repeating: 0, count: batch * denseCount * pixels)
        // every cell's values in one buffer, cell n's from offsets[n]
        var offsets = [0]
        for cell in cells { offsets.append(offsets.last! + cell.channels.count) }
        var values = [Float](repeating: 0, count: offsets.last!)
        x.storage.withUnsafeBufferPointer { xs in
            weight.storage.withUnsafeBufferPointer { w in
                dense.withUnsafeMutableBufferPointer { out in
                    Parallel.forEach(batch * denseCount) { planes in
                        for plane in planes {
                            let (b, i) = (plane / denseCount, plane % denseCount)
                            let channel = denseChannels[i]
                            let target = out.baseAddress! + plane * pixels
                            target.update(repeating: bias?.storage[channel] ?? 0, count: pixels)
                            for c in 0..<inputs {
                                addScaled(w[channel * inputs + c], xs.baseAddress! + (b * inputs + c) * pixels,
                                          to: target, count: pixels)
                            }
                        }
                    }
                }
                // each cell (cells shared out to the workers): its input column gathered once,
                // then one dot product per channel, eight lanes at a time
                values.withUnsafeMutableBufferPointer { target in
                    Parallel.forEach(cells.count, minimumChunk: 8) { range in
                        let column = UnsafeMutablePointer<Float>.allocate(capacity: inputs)
                        defer { column.deallocate() }
                        for n in range {
                            let cell = cells[n]
                            let source = xs.baseAddress! + cell.image * inputs * pixels + cell.pixel
                            for c in 0..<inputs { column[c] = source[c * pixels] }
                            for (j, channel) in cell.channels.enumerated() {
                                target[offsets[n] + j] = (bias?.storage[channel] ?? 0)
                                    + Self.dot(w.baseAddress! + channel * inputs, column, count: inputs)
                            }
                        }
                    }
                }
            }
        }
        return (dense, cells.indices.map { Array(values[offsets[$0]..<offsets[$0 + 1]]) })
    }

    /// Σ a·b over `count` floats, in two eight-lane accumulators.
    private static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var (even, odd) = (SIMD8<Float>(), SIMD8<Float>())
        var i = 0
        while i + 16 <= count {
            even.addProduct(UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self),
                            UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self))
            odd.addProduct(UnsafeRawPointer(a + i + 8).loadUnaligned(as: SIMD8<Float>.self),
                           UnsafeRawPointer(b + i + 8).loadUnaligned(as: SIMD8<Float>.self))
            i += 16
        }
        var sum = (even + odd).sum()
        while i < count {
            sum = sum.addingProduct(a[i], b[i])
            i += 1
        }
        return sum
    }
}
