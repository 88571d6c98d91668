/// The output gradient of a 1×1 convolution that is zero except in a few channels, where it is
/// dense, and at a list of single entries: a detection head's gradient, nonzero only in the
/// objectness channels and at the cells that targets were assigned to.
public struct SparseChannelGradient: Sendable {
    public let batch: Int, channels: Int, height: Int, width: Int
    /// The dense channels, and their values [batch][denseChannels.count][height·width].
    public let denseChannels: [Int]
    public let dense: [Float]
    /// The other nonzero entries (in no dense channel), applied in this order (those of one
    /// image and pixel best kept together: each such run is applied as one).
    public let entries: [Entry]

    public struct Entry: Sendable, Equatable {
        public let image: Int, channel: Int, pixel: Int
        public let value: Float
        public init(image: Int, channel: Int, pixel: Int, value: Float) {
            (self.image, self.channel, self.pixel, self.value) = (image, channel, pixel, value)
        }
    }

    public init(batch: Int, channels: Int, height: Int, width: Int, denseChannels: [Int], dense: [Float], entries: [Entry]) {
        precondition(dense.count == batch * denseChannels.count * height * width, "dense values do not fit")
        precondition(entries.allSatisfy { !denseChannels.contains($0.channel) && $0.channel < channels
                                          && $0.image < batch && $0.pixel < height * width }, "an entry lies outside")
        (self.batch, self.channels, self.height, self.width) = (batch, channels, height, width)
        (self.denseChannels, self.dense, self.entries) = (denseChannels, dense, entries)
    }

    /// The entries in runs that share an image and a pixel (consecutive in `entries`).
    var entryCells: [Range<Int>] {
        var runs: [Range<Int>] = []
        var start = 0
        while start < entries.count {
            var end = start + 1
            while end < entries.count && entries[end].image == entries[start].image && entries[end].pixel == entries[start].pixel {
                end += 1
            }
            runs.append(start..<end)
            start = end
        }
        return runs
    }

    /// The whole gradient [batch, channels, height, width].
    public var tensor: Tensor {
        let pixels = height * width
        var values = [Float](repeating: 0, count: batch * channels * pixels)
        for b in 0..<batch {
            for (i, channel) in denseChannels.enumerated() {
                for p in 0..<pixels { values[(b * channels + channel) * pixels + p] = dense[(b * denseChannels.count + i) * pixels + p] }
            }
        }
        for entry in entries { values[(entry.image * channels + entry.channel) * pixels + entry.pixel] += entry.value }
        return Tensor(shape: [batch, channels, height, width], values: values)
    }
}

extension Conv2DBackward {
    /// The backward of a 1×1, stride-1, ungrouped convolution for a sparse output gradient:
    /// db and dW accumulate (dense channels summed in Float64 over every image and pixel, then
    /// the entries in order), and dX = Wᵀ·dY is returned (nil unless `inputGradient`). Only
    /// the nonzero channels and entries are multiplied, so a detection head with three dense
    /// channels of 255 costs about 1/85 of the dense backward.
    public static func accumulateSparsePointwise(_ dy: SparseChannelGradient, input x: Tensor, weight: Tensor,
                                                 weightGradient: inout Tensor, biasGradient: inout Tensor?,
                                                 inputGradient: Bool) -> Tensor? {
        let pixels = dy.height * dy.width
        let (batch, inputs, outputs) = (dy.batch, x.shape[1], dy.channels)
        precondition(x.shape == [batch, inputs, dy.height, dy.width] && weight.elementCount == outputs * inputs
                     && weightGradient.elementCount == outputs * inputs, "sparse gradient, input and weight do not fit")
        let denseCount = dy.denseChannels.count
        x.storage.withUnsafeBufferPointer { xs in
            dy.dense.withUnsafeBufferPointer { dense in
                weightGradient.storage.withUnsafeMutableBufferPointer { dw in
                    // dW of the dense channels: each (channel, input channel) pair by one worker,
                    // an input channel's pairs one after the other so its planes are read from cache
                    Parallel.forEach(denseCount * inputs) { pairs in
                        for pair in pairs {
                            let (c, i) = (pair / denseCount, pair % denseCount)
                            var sum = 0.0
                            for b in 0..<batch {
                                let g = dense.baseAddress! + (b * denseCount + i) * pixels
                                let plane = xs.baseAddress! + (b * inputs + c) * pixels
                                sum += PlaneSums.dot(g, plane, count: pixels)
                            }
                            dw[dy.denseChannels[i] * inputs + c] += Float(sum)
                        }
                    }
                    // the entries cell by cell: the cell's input column gathered once, then each
                    // entry's weight-gradient row updated from it; the workers split the input
                    // channels, so each element is updated by one worker in entry order
                    let cells = dy.entryCells
                    Parallel.forEach(inputs, minimumChunk: 16) { channels in
                        let column = UnsafeMutablePointer<Float>.allocate(capacity: channels.count)
                        defer { column.deallocate() }
                        for cell in cells {
                            let first = dy.entries[cell.lowerBound]
                            let plane = xs.baseAddress! + (first.image * inputs + channels.lowerBound) * pixels + first.pixel
                            for c in 0..<channels.count { column[c] = plane[c * pixels] }
                            for entry in dy.entries[cell] {
                                let row = dw.baseAddress! + entry.channel * inputs + channels.lowerBound
                                for c in 0..<channels.count { row[c] += entry.value * column[c] }
                            }
                        }
                    }
                }
            }
        }
        if biasGradient != nil {
            biasGradient!.storage.withUnsafeMutableBufferPointer { db in
                dy.dense.withUnsafeBufferPointer { dense in
                    for (i, channel) in dy.denseChannels.enumerated() {
                        var sum = 0.0
                        for b in 0..<batch { sum += PlaneSums.sum(dense.baseAddress! + (b * denseCount + i) * pixels, count: pixels) }
                        db[channel] += Float(sum)
                    }
                }
                for entry in dy.entries { db[entry.channel] += entry.value }
            }
        }
        guard inputGradient else { return nil }
        var dx = Tensor(uninitializedShape: x.shape)
        weight.storage.withUnsafeBufferPointer { w in
            dy.dense.withUnsafeBufferPointer { dense in
                dx.storage.withUnsafeMutableBufferPointer { dxs in
                    // dX[b, c] = Σ_i W[channel_i, c]·dY[b, i] in one pass, eight pixels at a time,
                    // each sum's terms added in channel order with fused multiply-adds (what one
                    // scaled add per channel onto zeros computes)
                    let denseChannels = dy.denseChannels
                    Parallel.forEach(batch * inputs) { planes in
                        for plane in planes {
                            let (b, c) = (plane / inputs, plane % inputs)
                            let out = dxs.baseAddress! + plane * pixels
                            let rows = dense.baseAddress! + b * denseCount * pixels
                            var p = 0
                            while p + 8 <= pixels {
                                var sum = SIMD8<Float>()
                                for i in 0..<denseCount {
                                    sum = sum.addingProduct(UnsafeRawPointer(rows + i * pixels + p).loadUnaligned(as: SIMD8<Float>.self),
                                                            w[denseChannels[i] * inputs + c])
                                }
                                UnsafeMutableRawPointer(out + p).storeBytes(of: sum, as: SIMD8<Float>.self)
                                p += 8
                            }
                            while p < pixels {
                                var sum: Float = 0
                                for i in 0..<denseCount { sum = sum.addingProduct(rows[i * pixels + p], w[denseChannels[i] * inputs + c]) }
                                out[p] = sum
                                p += 1
                            }
                        }
                    }
                    // each cell's entries summed into one column (weight rows read contiguously),
                    // then added to the cell's pixel of every input channel; the workers split
                    // the input channels
                    let cells = dy.entryCells
                    Parallel.forEach(inputs, minimumChunk: 16) { channels in
                        let column = UnsafeMutablePointer<Float>.allocate(capacity: channels.count)
                        defer { column.deallocate() }
                        for cell in cells {
                            column.update(repeating: 0, count: channels.count)
                            for entry in dy.entries[cell] {
                                let row = w.baseAddress! + entry.channel * inputs + channels.lowerBound
                                for c in 0..<channels.count { column[c] += entry.value * row[c] }
                            }
                            let first = dy.entries[cell.lowerBound]
                            let target = dxs.baseAddress! + (first.image * inputs + channels.lowerBound) * pixels + first.pixel
                            for c in 0..<channels.count { target[c * pixels] += column[c] }
                        }
                    }
                }
            }
        }
        return dx
    }
}
