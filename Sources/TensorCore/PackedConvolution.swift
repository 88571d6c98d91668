/// Convolution (groups 1, dilation 1, any kernel, stride and padding) on our own micro-kernel
/// instead of im2col + sgemm. The input is first laid out once as zero-bordered stride phases
/// (`ConvolutionPanels`), so that each tap of a run of output pixels along a row reads a
/// contiguous run. Spatial kernels are then computed over the phase planes' full width (the
/// columns past the output's width are computed and dropped: 1–10% extra work): every k step of
/// every 24-pixel tile is one contiguous read, straight from the planes, with no im2col at all.
/// 1×1 kernels read channel planes whose strides are often multiples of 4 KiB, which would
/// evict one another from L1, so each worker first copies its tile into the micro-kernel's panel
/// layout. Bias, activation and residual are applied in registers. Each output is one tile's
/// sum over k in order, so results do not depend on the thread count.
public enum PackedConvolution {
    /// Budget for the inputs one work item reads (a tile of panels), kept in L2 while every
    /// weight block passes over it.
    nonisolated(unsafe) public static var panelBytes = 160 * 1024

    public static func applies(to g: Conv2DGeometry) -> Bool { g.groups == 1 && g.dilation == 1 }

    /// y = f(conv(x) + bias) (+ y with `epilogue.addsToOutput`), images of `output`
    /// `outputImageStride` floats apart.
    static func run(input: FeatureBlock, weights: PackedConvolutionWeights, geometry g: Conv2DGeometry,
                    output: UnsafeMutablePointer<Float>, outputImageStride: Int, epilogue: Epilogue) {
        let (outH, outW) = (g.outputSize(input.height), g.outputSize(input.width))
        guard outH > 0, outW > 0, input.batch > 0 else { return }
        let pixels = outH * outW
        let depth = g.patchSize
        let columns = MicroTile.columns
        let images = ConvolutionPanels.imagesPerPass(input: input, geometry: g)
        var firstImage = 0
        while firstImage < input.batch {
            let count = min(images, input.batch - firstImage)
            let panels = ConvolutionPanels(input: input, images: firstImage..<(firstImage + count), geometry: g)
            defer { panels.release() }
            // pointwise: tiles of output pixels; spatial: of positions along the planes' rows
            let rowLength = g.isPointwise ? pixels : panels.phaseWidth
            let positions = g.isPointwise ? pixels : outH * panels.phaseWidth
            let bytesPerPosition = 4 * (g.isPointwise ? depth : input.channels * g.stride * g.stride)
            let tileLength = min(roundUp(positions, to: columns),
                                 max(columns, panelBytes / max(bytesPerPosition, 1) / columns * columns))
            let schedule = Schedule(tiles: count * ((positions + tileLength - 1) / tileLength),
                                    blocks: weights.blockCount)
            let tilesPerImage = (positions + tileLength - 1) / tileLength
            let offsets = panels.stepOffsets()
            weights.values.withUnsafeBufferPointer { packedWeights in
                offsets.withUnsafeBufferPointer { offsets in
                    let bias = Self.paddedBias(epilogue.bias, count: weights.blockCount * MicroTile.rows)
                    Parallel.distribute(schedule.itemCount) { next in
                        let packed = g.isPointwise ? UnsafeMutablePointer<Float>.allocate(capacity: depth * tileLength) : nil
                        defer { packed?.deallocate() }
                        while let item = next() {
                            let (tileIndex, blockRange) = schedule.item(item)
                            let (image, tile) = (tileIndex / tilesPerImage, tileIndex % tilesPerImage)
                            let first = tile * tileLength
                            let tileCount = min(positions, first + tileLength) - first
                            let imageOutput = output + (firstImage + image) * outputImageStride
                            if let packed {
                                panels.pack(image: image, pixels: first..<(first + tileCount), outputWidth: rowLength, into: packed)
                            }
                            let imageInput = panels.base + image * panels.imageStride
                            for block in blockRange {
                                let firstChannel = block * MicroTile.rows
                                let a = packedWeights.baseAddress! + block * depth * MicroTile.rows
                                var blockBias = SIMD4<Float>()
                                for lane in 0..<4 { blockBias[lane] = bias[firstChannel + lane] }
                                let validRows = min(MicroTile.rows, weights.outputChannels - firstChannel)
                                let channelOutput = imageOutput + firstChannel * pixels
                                var column = 0
                                while column < tileCount {
                                    var tileSum = MicroTile(bias: blockBias)
                                    if let packed {
                                        tileSum.accumulate(k: depth, a: a, packed: packed + column * depth)
                                        tileSum.activate(epilogue.activation)
                                        tileSum.store(to: channelOutput + first + column, rowStride: pixels,
                                                      adding: epilogue.addsToOutput, validRows: validRows,
                                                      validColumns: min(columns, tileCount - column))
                                    } else {
                                        tileSum.accumulate(k: depth, a: a, b: imageInput + first + column,
                                                           offsets: offsets.baseAddress!)
                                        tileSum.activate(epilogue.activation)
                                        Self.storeSpatial(tileSum, position: first + column, rowLength: rowLength,
                                                          outputHeight: outH, outputWidth: outW, to: channelOutput,
                                                          channelStride: pixels, adding: epilogue.addsToOutput,
                                                          validRows: validRows)
                                    }
                                    column += columns
                                }
                            }
                        }
                    }
                }
            }
            firstImage += count
        }
    }

    /// Stores a spatial tile computed at plane positions position..<position + 24 (rows of
    /// `rowLength`): the positions inside the output (column < outputWidth, row < outputHeight)
    /// go to their pixels; the rest were the planes' border columns.
    @inline(__always)
    private static func storeSpatial(_ tile: MicroTile, position: Int, rowLength: Int, outputHeight: Int,
                                     outputWidth: Int, to output: UnsafeMutablePointer<Float>, channelStride: Int,
                                     adding: Bool, validRows: Int) {
        let columns = MicroTile.columns
        let (row, column) = (position / rowLength, position % rowLength)
        if column + columns <= outputWidth && row < outputHeight {
            tile.store(to: output + row * outputWidth + column, rowStride: channelStride, adding: adding,
                       validRows: validRows, validColumns: columns)
            return
        }
        tile.withBuffer { values in
            var lane = 0
            while lane < columns {
                let (y, x) = ((position + lane) / rowLength, (position + lane) % rowLength)
                let length = min(columns - lane, rowLength - x)
                let inside = min(length, outputWidth - x)
                if y < outputHeight && inside > 0 {
                    for r in 0..<validRows {
                        MicroTile.write(values + r * columns + lane, count: inside,
                                        to: output + r * channelStride + y * outputWidth + x, adding: adding)
                    }
                }
                lane += length
            }
        }
    }

    private static func paddedBias(_ bias: [Float]?, count: Int) -> [Float] {
        var values = [Float](repeating: 0, count: count)
        if let bias { for i in bias.indices { values[i] = bias[i] } }
        return values
    }

    /// How tiles and weight blocks become work items: a tile is one item with all blocks, unless
    /// there are too few tiles to keep the workers busy (small layers), then its blocks are
    /// shared out too (a pointwise tile is then packed once per item).
    struct Schedule {
        let tiles: Int, blocks: Int, splits: Int, blocksPerItem: Int

        init(tiles: Int, blocks: Int) {
            self.tiles = tiles
            self.blocks = blocks
            let wanted = 4 * Parallel.width
            splits = min(blocks, max(1, (wanted + tiles - 1) / tiles))
            blocksPerItem = (blocks + splits - 1) / splits
        }

        var itemCount: Int { tiles * splits }

        func item(_ index: Int) -> (tile: Int, blocks: Range<Int>) {
            let (tile, split) = (index / splits, index % splits)
            return (tile, (split * blocksPerItem)..<min(blocks, (split + 1) * blocksPerItem))
        }
    }
}

/// A group of images' input laid out for packing: each channel's zero-padded plane split into
/// its stride² phases, phase (py, px) holding padded pixels (i·s + py, j·s + px). Tap (ky, kx)
/// of output pixel (oy, ox) is then phase (ky mod s, kx mod s) at (oy + ky/s, ox + kx/s), and a
/// run of output pixels along a row reads a contiguous run of the phase plane. A 1×1, stride-1,
/// unpadded convolution reads its input as it is.
struct ConvolutionPanels {
    let geometry: Conv2DGeometry
    let phaseHeight: Int, phaseWidth: Int
    /// Floats per phase plane, per channel (s² phases) and per image (C channels).
    let phaseStride: Int, channelStride: Int, imageStride: Int
    let base: UnsafePointer<Float>
    private let owned: UnsafeMutablePointer<Float>?

    /// Upper bound on the phase planes laid out at once (tests lower it to lay out one image
    /// at a time).
    nonisolated(unsafe) static var passBytes = 48 << 20

    static func imagesPerPass(input: FeatureBlock, geometry g: Conv2DGeometry) -> Int {
        if g.isPointwise { return input.batch }
        let (h, w) = phaseSize(input: input, geometry: g)
        let perImage = input.channels * g.stride * g.stride * h * w * 4
        return max(1, min(input.batch, passBytes / max(perImage, 1)))
    }

    private static func phaseSize(input: FeatureBlock, geometry g: Conv2DGeometry) -> (Int, Int) {
        let s = g.stride
        return ((input.height + 2 * g.padding + s - 1) / s, (input.width + 2 * g.padding + s - 1) / s)
    }

    init(input: FeatureBlock, images: Range<Int>, geometry g: Conv2DGeometry) {
        geometry = g
        if g.isPointwise {
            (phaseHeight, phaseWidth) = (input.height, input.width)
            phaseStride = input.height * input.width
            channelStride = phaseStride
            imageStride = input.imageStride
            base = input.base + images.lowerBound * input.imageStride
            owned = nil
            return
        }
        (phaseHeight, phaseWidth) = Self.phaseSize(input: input, geometry: g)
        let s = g.stride
        phaseStride = phaseHeight * phaseWidth
        channelStride = s * s * phaseStride
        imageStride = input.channels * channelStride
        // tiles read up to a tile past the last plane's last output row
        let slack = 2 * phaseWidth + 4 * MicroTile.columns
        let planes = UnsafeMutablePointer<Float>.allocate(capacity: images.count * imageStride + slack)
        (planes + images.count * imageStride).initialize(repeating: 0, count: slack)
        owned = planes
        base = UnsafePointer(planes)
        let (height, width, padding) = (input.height, input.width, g.padding)
        let (phaseHeight, phaseWidth, phaseStride) = (self.phaseHeight, self.phaseWidth, self.phaseStride)
        let channels = input.channels
        Parallel.forEach(images.count * channels * s * s, minimumChunk: max(1, 16_384 / max(phaseStride, 1))) { range in
            for plane in range {
                let (imageChannel, phase) = (plane / (s * s), plane % (s * s))
                let (image, channel) = (imageChannel / channels, imageChannel % channels)
                let (py, px) = (phase / s, phase % s)
                let source = input.base + (images.lowerBound + image) * input.imageStride + channel * height * width
                let target = planes + plane * phaseStride
                // phase column j reads input column j·s + px − padding when inside the row
                let firstColumn = min(phaseWidth, max(0, (padding - px + s - 1) / s))
                let endColumn = max(firstColumn, min(phaseWidth, (width + padding - px + s - 1) / s))
                for i in 0..<phaseHeight {
                    let row = target + i * phaseWidth
                    let inputRow = i * s + py - padding
                    guard inputRow >= 0 && inputRow < height else {
                        row.update(repeating: 0, count: phaseWidth)
                        continue
                    }
                    let line = source + inputRow * width + px - padding
                    for j in 0..<firstColumn { row[j] = 0 }
                    if s == 1 {
                        (row + firstColumn).update(from: line + firstColumn, count: endColumn - firstColumn)
                    } else {
                        var j = firstColumn
                        if s == 2 {
                            // eight outputs from sixteen inputs (the even lanes) while the sixteen
                            // lie inside the row
                            let rowEnd = source + inputRow * width + width
                            while j + 8 <= endColumn && line + j * 2 + 16 <= rowEnd {
                                let pair = UnsafeRawPointer(line + j * 2).loadUnaligned(as: SIMD16<Float>.self)
                                UnsafeMutableRawPointer(row + j).storeBytes(of: pair.evenHalf, as: SIMD8<Float>.self)
                                j += 8
                            }
                        }
                        while j < endColumn {
                            row[j] = line[j * s]
                            j += 1
                        }
                    }
                    for j in endColumn..<phaseWidth { row[j] = 0 }
                }
            }
        }
    }

    func release() { owned?.deallocate() }

    /// For each k = (c, ky, kx), where its input for output position 0 sits relative to an
    /// image's planes (position p reads p floats further on).
    func stepOffsets() -> [Int] {
        let g = geometry
        guard !g.isPointwise else { return [] }
        let (kernel, s) = (g.kernelSize, g.stride)
        var offsets = [Int]()
        offsets.reserveCapacity(g.patchSize)
        for channel in 0..<g.inputChannels {
            for ky in 0..<kernel {
                for kx in 0..<kernel {
                    offsets.append(channel * channelStride + ((ky % s) * s + kx % s) * phaseStride
                                   + (ky / s) * phaseWidth + kx / s)
                }
            }
        }
        return offsets
    }

    /// Writes output pixels `pixels` (row-major over an `outputWidth`-wide output) of `image` as
    /// panels of `MicroTile.columns` pixels: panel p holds, for every k = (c, ky, kx), its
    /// pixels' values side by side; lanes past the last pixel are zero.
    func pack(image: Int, pixels: Range<Int>, outputWidth: Int, into packed: UnsafeMutablePointer<Float>) {
        let g = geometry
        let (kernel, s) = (g.kernelSize, g.stride)
        let taps = kernel * kernel
        let columns = MicroTile.columns
        let depth = g.patchSize
        let imageBase = base + image * imageStride
        withUnsafeTemporaryAllocation(of: Int.self, capacity: taps) { tapOffsets in
            // where tap (ky, kx) of output pixel (0, 0) is, relative to its channel
            for ky in 0..<kernel {
                for kx in 0..<kernel {
                    tapOffsets[ky * kernel + kx] = ((ky % s) * s + kx % s) * phaseStride + (ky / s) * phaseWidth + kx / s
                }
            }
            var panelStart = pixels.lowerBound
            var panel = packed
            while panelStart < pixels.upperBound {
                let panelEnd = min(pixels.upperBound, panelStart + columns)
                let filled = panelEnd - panelStart
                if filled < columns {
                    for k in 0..<depth { (panel + k * columns + filled).update(repeating: 0, count: columns - filled) }
                }
                // the panel's pixels as runs along output rows
                var runStart = panelStart
                while runStart < panelEnd {
                    let (oy, ox) = (runStart / outputWidth, runStart % outputWidth)
                    let runLength = min(panelEnd - runStart, outputWidth - ox)
                    let runBase = imageBase + oy * phaseWidth + ox
                    var target = panel + (runStart - panelStart)
                    for channel in 0..<g.inputChannels {
                        let channelBase = runBase + channel * channelStride
                        for tap in 0..<taps {
                            copy(channelBase + tapOffsets[tap], to: target, count: runLength)
                            target += columns
                        }
                    }
                    runStart += runLength
                }
                panel += depth * columns
                panelStart = panelEnd
            }
        }
    }

    @inline(__always)
    private func copy(_ source: UnsafePointer<Float>, to target: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 8 <= count {
            UnsafeMutableRawPointer(target + i).storeBytes(of: MicroTile.load(source + i), as: SIMD8<Float>.self)
            i += 8
        }
        while i < count {
            target[i] = source[i]
            i += 1
        }
    }
}
