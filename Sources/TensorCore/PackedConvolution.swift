import CKernels

/// Convolution (groups 1, dilation 1, any kernel, stride and padding) on our own micro-kernel
/// instead of im2col + sgemm. Work items are tiles of output positions; each worker lays its
/// tile's input out in its own buffer, in cache, just before running the weight blocks over it
/// (`TileInput`): spatial kernels get zero-bordered stride-phase rows, so every k step of every
/// 24-pixel tile is one contiguous read (the columns past the output's width are computed and
/// dropped: 1–10% extra work), and 1×1 kernels get their pixels copied into the micro-kernel's
/// panel layout (their channel planes are often multiples of 4 KiB apart and would evict one
/// another from L1). Bias, activation and residual are applied in registers. Each output is one
/// tile's sum over k in order, so results do not depend on the thread count.
public enum PackedConvolution {
    /// Budget for the inputs one work item reads (a tile of panels), kept in L2 while every
    /// weight block passes over it.
    nonisolated(unsafe) public static var panelBytes = 160 * 1024

    public static func applies(to g: Conv2DGeometry) -> Bool { g.groups == 1 && g.dilation == 1 }

    /// Weights packed while this is set also carry a bfloat16 copy, and the convolutions they
    /// are given to run on the BF16 dot-product kernels, 3×3 ones included (no Winograd): inputs
    /// rounded to bfloat16 as each tile is laid out, products summed in float32. An inference
    /// mode: the training kernels stay float32. Set it only where `bfloat16Supported`.
    nonisolated(unsafe) public static var usesBFloat16 = false

    /// The CPU has the AVX512-BF16 instructions `usesBFloat16` needs.
    public static let bfloat16Supported = yolo_bf16_supported() != 0

    /// Float32 tiles run on the C kernels (the same sums; SiLU and sigmoid sixteen lanes wide
    /// without a division, within 4 ulp of the Swift tile's): on by default where the CPU has
    /// AVX-512, which they need. Off, every float32 tile is Swift's `MicroTile`.
    nonisolated(unsafe) public static var usesFloat32CTiles = float32CTilesSupported

    /// The CPU has the AVX-512 instructions `usesFloat32CTiles` needs.
    public static let float32CTilesSupported = yolo_avx512_supported() != 0

    /// y = f(conv(x) + bias) (+ y with `epilogue.addsToOutput`), images of `output`
    /// `outputImageStride` floats apart.
    static func run(input: FeatureBlock, weights: PackedConvolutionWeights, geometry g: Conv2DGeometry,
                    output: UnsafeMutablePointer<Float>, outputImageStride: Int, epilogue: Epilogue) {
        run(input: input, passes: [Pass(weights: weights)], geometry: g, output: output,
            outputImageStride: outputImageStride, epilogue: epilogue, consume: nil)
    }

    /// A 1×1 convolution (stride 1, no padding) whose output never becomes a map: each tile of
    /// positions is computed into its worker's buffer, `tileStride` floats per output channel,
    /// and handed to `consume(image, positions, tile, tileStride)` while it is in cache, on that
    /// worker (for consumers that want the values in another layout, such as Detect's rows).
    public static func pointwiseTiles(
        input: FeatureBlock, weights: PackedConvolutionWeights, bias: [Float]?, activation: ActivationFunction,
        consume: (_ image: Int, _ positions: Range<Int>, _ tile: UnsafePointer<Float>, _ tileStride: Int) -> Void
    ) {
        let g = Conv2DGeometry(inputChannels: input.channels, outputChannels: weights.outputChannels, kernelSize: 1)
        precondition(weights.depth == input.channels, "weights of depth \(weights.depth) for \(input.channels) channels")
        withoutActuallyEscaping(consume) { consume in
            run(input: input, passes: [Pass(weights: weights)], geometry: g, output: nil, outputImageStride: 0,
                epilogue: Epilogue(bias: bias, activation: activation, addsToOutput: false)) { image, positions, tile, stride, _ in
                consume(image, positions, tile, stride)
            }
        }
    }

    /// One product a tile's input goes through: weights (all passes have the same output
    /// channels) and, for spatial inputs, the tap each k step reads: (input channel, row,
    /// column) of the zero-bordered layout relative to the output position (nil: the
    /// geometry's own taps, in its order).
    struct Pass {
        let weights: PackedConvolutionWeights
        var taps: [(channel: Int, row: Int, column: Int)]? = nil
    }

    /// The driver. Each work item lays out one tile's input and runs every pass over it; with a
    /// consumer, pass q's outputs for the tile go to the worker's buffer at q·passStride,
    /// `tileStride` floats per channel, and the consumer gets (image, positions, buffer,
    /// tileStride, passStride).
    static func run(input: FeatureBlock, passes: [Pass], geometry g: Conv2DGeometry,
                    output: UnsafeMutablePointer<Float>?, outputImageStride: Int, epilogue: Epilogue,
                    consume: ((Int, Range<Int>, UnsafePointer<Float>, Int, Int) -> Void)?) {
        let (outH, outW) = (g.outputSize(input.height), g.outputSize(input.width))
        guard outH > 0, outW > 0, input.batch > 0, let outputChannels = passes.first?.weights.outputChannels else { return }
        precondition(passes.allSatisfy { $0.weights.outputChannels == outputChannels }
                     && (consume != nil || passes.count == 1), "passes must share their output channels")
        let pixels = outH * outW
        let columns = MicroTile.columns
        let blockCount = passes[0].weights.blockCount
        let layout = TileInput(input: input, geometry: g, outputHeight: outH, outputWidth: outW, panelBytes: panelBytes,
                               sharedOut: true)
        let tilesPerImage = layout.tilesPerImage
        // a consumer needs every channel of its tile from one item
        let schedule = Schedule(tiles: input.batch * tilesPerImage, blocks: blockCount, splitsBlocks: consume == nil)
        let bias = epilogue.paddedBias(count: blockCount * MicroTile.rows)
        defer { bias.deallocate() }
        let inBFloat16 = passes.allSatisfy { $0.weights.bfloat16Pairs != nil && $0.taps == nil }
        // the step offsets of the layout the tiles will read
        let pairOffsets = inBFloat16 ? layout.pairStepOffsets() : []
        let passOffsets = inBFloat16 ? passes.map { _ in [] } : passes.map { pass in
            pass.taps.map { $0.map { $0.channel * layout.channelStride + $0.row * layout.phaseWidth + $0.column } }
                ?? layout.stepOffsets()
        }
        // BF16 tiles, and float32 tiles of more than 16 columns where `usesFloat32CTiles`, run in C
        let cTiles = inBFloat16 || (usesFloat32CTiles && float32CTilesSupported)
        // the C tiles apply SiLU and sigmoid themselves, on sixteen lanes without a division
        let activationInTiles = cTiles ? epilogue.activationInC : Int32(YOLO_TILE_IDENTITY)
        let tileActivation = activationInTiles == YOLO_TILE_IDENTITY ? epilogue.activation : .identity
        // then whole C tiles are stored by the C tile itself (other activations are Swift's)
        let storesFromTiles = cTiles && tileActivation == .identity
        let passStride = blockCount * MicroTile.rows * layout.tileLength
        Parallel.distribute(schedule.itemCount) { next in
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: layout.scratchCount)
            // with a consumer, each tile's outputs go to this buffer, channels tileLength apart
            let tileOutput = consume == nil ? nil : UnsafeMutablePointer<Float>.allocate(capacity: passes.count * passStride)
            let pairScratch = inBFloat16 ? UnsafeMutablePointer<UInt16>.allocate(capacity: layout.pairScratchCount) : nil
            let tileSums = UnsafeMutablePointer<Float>.allocate(capacity: MicroTile.rows * MicroTile.columns)
            defer { scratch.deallocate(); tileOutput?.deallocate(); pairScratch?.deallocate(); tileSums.deallocate() }
            let channelStride = tileOutput == nil ? pixels : layout.tileLength
            // outputs stored position by position (panels, or any tile buffer), else to a map's pixels
            let storesLinearly = tileOutput != nil || layout.isPacked
            /// Where a whole tile (every row, 24 columns) computed at `position` goes when it lies
            /// inside the output: its first row's start and the row stride; nil for edge tiles.
            @inline(__always)
            func wholeTileTarget(_ channelOutput: UnsafeMutablePointer<Float>, linear: Int, position: Int, validRows: Int,
                                 validColumns: Int) -> (start: UnsafeMutablePointer<Float>, rowStride: Int)? {
                guard validRows == MicroTile.rows && validColumns == columns else { return nil }
                if storesLinearly { return (channelOutput + linear, channelStride) }
                // spatial: 24 pixels of one output row
                let (row, x) = (position / layout.phaseWidth, position % layout.phaseWidth)
                return x + columns <= outW && row < outH ? (channelOutput + row * outW + x, pixels) : nil
            }
            while let item = next() {
                let (tileIndex, blockRange) = schedule.item(item)
                let (image, tile) = (tileIndex / tilesPerImage, tileIndex % tilesPerImage)
                let positions = layout.tileRange(tile)
                let (first, tileCount) = (positions.lowerBound, positions.count)
                // the tile's input in the float32 layout (b) or the bfloat16 one (pairs)
                let pairs = pairScratch.map {
                    layout.prepareBFloat16(image: image, positions: first..<(first + tileCount), scratch: scratch, pairScratch: $0)
                }
                let b = pairs != nil ? nil : layout.prepare(image: image, positions: first..<(first + tileCount), scratch: scratch)
                for (q, pass) in passes.enumerated() {
                    let depth = pass.weights.depth
                    // channel 0 of the map, or of the pass's tile buffer, whose position 0 is `first`
                    let (target, targetFirst) = tileOutput.map { ($0 + q * passStride, 0) }
                        ?? (output! + image * outputImageStride, first)
                    pass.weights.values.withUnsafeBufferPointer { packedWeights in
                        passOffsets[q].withUnsafeBufferPointer { offsets in
                            for block in blockRange {
                                let firstChannel = block * MicroTile.rows
                                let a = packedWeights.baseAddress! + block * depth * MicroTile.rows
                                var blockBias = SIMD4<Float>()
                                for lane in 0..<4 { blockBias[lane] = bias[firstChannel + lane] }
                                let validRows = min(MicroTile.rows, outputChannels - firstChannel)
                                let channelOutput = target + firstChannel * channelStride
                                var column = 0
                                while column < tileCount {
                                    var sum = MicroTile(bias: blockBias)
                                    // what is left to apply: nothing after a C tile that applied it
                                    var activation = epilogue.activation
                                    let validColumns = min(columns, tileCount - column)
                                    let whole = wholeTileTarget(channelOutput, linear: targetFirst + column,
                                                                position: first + column, validRows: validRows,
                                                                validColumns: validColumns)
                                    if pairs != nil || (cTiles && validColumns > 16) {
                                        // a whole tile goes straight from the C tile to the output;
                                        // edge tiles through `tileSums` and the Swift tile's stores
                                        let direct = storesFromTiles ? whole : nil
                                        let (destination, rowStride) = direct ?? (tileSums, columns)
                                        let adding: Int32 = direct != nil && epilogue.addsToOutput ? 1 : 0
                                        if let pairs {
                                            Self.bfloat16Tile(pass.weights, block: block, layout: layout, pairs: pairs,
                                                              column: column, offsets: pairOffsets, bias: bias,
                                                              firstChannel: firstChannel, activation: activationInTiles,
                                                              to: destination, rowStride: rowStride, adding: adding)
                                        } else {
                                            if layout.isPacked {
                                                yolo_f32_tile_packed(depth, a, b! + column * depth, bias + firstChannel,
                                                                     activationInTiles, destination, rowStride, adding)
                                            } else {
                                                yolo_f32_tile_offsets(depth, a, b! + column, offsets.baseAddress!,
                                                                      bias + firstChannel, activationInTiles, destination,
                                                                      rowStride, adding)
                                            }
                                        }
                                        if direct != nil {
                                            column += columns
                                            continue
                                        }
                                        sum = MicroTile(loading: tileSums)
                                        activation = tileActivation
                                    } else if layout.isPacked {
                                        sum.accumulate(k: depth, a: a, packed: b! + column * depth, validColumns: validColumns)
                                    } else {
                                        sum.accumulate(k: depth, a: a, b: b! + column, offsets: offsets.baseAddress!,
                                                       validColumns: validColumns)
                                    }
                                    let tile = sum.activated(activation)
                                    if let whole {
                                        tile.store(to: whole.start, rowStride: whole.rowStride, adding: epilogue.addsToOutput)
                                    } else if storesLinearly {
                                        tile.store(to: channelOutput + targetFirst + column, rowStride: channelStride,
                                                   adding: epilogue.addsToOutput, validRows: validRows,
                                                   validColumns: validColumns)
                                    } else {
                                        Self.storeSpatial(tile, position: first + column, rowLength: layout.phaseWidth,
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
                if let consume, let tileOutput { consume(image, positions, tileOutput, channelStride, passStride) }
            }
        }
    }

    /// Stores a spatial tile computed at plane positions position..<position + 24 (rows of
    /// `rowLength`): the positions inside the output (column < outputWidth, row < outputHeight)
    /// go to their pixels; the rest were the planes' border columns.
    @inline(never)
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
            forEachRowRun(position..<(position + columns), rowLength: rowLength) { y, x, lane, length in
                let inside = min(length, outputWidth - x)
                guard y < outputHeight && inside > 0 else { return }
                for r in 0..<validRows {
                    MicroTile.write(values + r * columns + lane, count: inside,
                                    to: output + r * channelStride + y * outputWidth + x, adding: adding)
                }
            }
        }
    }

    /// One tile on the BF16 kernels: the products of block `block` with the tile's column
    /// `column` of `pairs` (the layout `TileInput.prepareBFloat16` made), bias and `activation`
    /// (a YOLO_BF16_ code) included, computed whole (the layouts cover every tile's 24 columns)
    /// and written to `output`, rows `rowStride` apart (or added there).
    @inline(__always)
    private static func bfloat16Tile(_ weights: PackedConvolutionWeights, block: Int, layout: TileInput,
                                     pairs: UnsafePointer<UInt16>, column: Int, offsets: [Int], bias: UnsafePointer<Float>,
                                     firstChannel: Int, activation: Int32, to output: UnsafeMutablePointer<Float>,
                                     rowStride: Int, adding: Int32) {
        let pairDepth = weights.pairDepth
        weights.bfloat16Pairs!.withUnsafeBufferPointer { packed in
            let a = packed.baseAddress! + block * pairDepth * MicroTile.rows
            let blockBias = bias + firstChannel
            if layout.isPacked {
                yolo_bf16_tile_packed(pairDepth, a, pairs + 2 * column * pairDepth, blockBias, activation,
                                      output, rowStride, adding)
            } else {
                offsets.withUnsafeBufferPointer {
                    yolo_bf16_tile_offsets(pairDepth, a, pairs + 2 * column, $0.baseAddress!, blockBias, activation,
                                           output, rowStride, adding)
                }
            }
        }
    }

    /// How tiles and weight blocks become work items: a tile is one item with all blocks, unless
    /// there are too few tiles to keep the workers busy (small layers), then its blocks are
    /// shared out too (a tile's input is then laid out once per item). When the items are few
    /// and their count does not divide among the workers (tiles of one column each: yolov5s's
    /// 10×10 maps at 320 had 5 tiles, three for one worker and two for the other), each tile's
    /// blocks are cut once more where that makes it divide.
    struct Schedule {
        let tiles: Int, blocks: Int, splits: Int, blocksPerItem: Int

        init(tiles: Int, blocks: Int, splitsBlocks: Bool = true) {
            self.tiles = tiles
            self.blocks = blocks
            let workers = Parallel.width
            var splits = splitsBlocks ? min(blocks, max(1, (2 * workers + tiles - 1) / tiles)) : 1
            if splitsBlocks && tiles * splits < 8 * workers && (tiles * splits) % workers != 0
                && (tiles * (splits + 1)) % workers == 0 && splits < blocks {
                splits += 1
            }
            self.splits = splits
            blocksPerItem = (blocks + splits - 1) / splits
        }

        var itemCount: Int { tiles * splits }

        func item(_ index: Int) -> (tile: Int, blocks: Range<Int>) {
            let (tile, split) = (index / splits, index % splits)
            return (tile, (split * blocksPerItem)..<min(blocks, (split + 1) * blocksPerItem))
        }
    }
}
