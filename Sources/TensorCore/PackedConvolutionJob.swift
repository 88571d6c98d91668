import CKernels

extension PackedConvolution {
    /// One convolution's share of a parallel region: the tile layout, the work items, the
    /// epilogue's settings, and how one item (a tile and a range of weight blocks) is computed.
    /// Several jobs can share a region (`pointwiseTiles(levels:)`). A class: a worker takes it
    /// up per item, and a struct of arrays would be copied (every array retained) each time.
    final class Job {
        let passes: [Pass]
        /// The tiles go to a consumer (through a worker's buffer) rather than to `output`.
        let consumed: Bool
        let output: UnsafeMutablePointer<Float>?
        let outputImageStride: Int
        let epilogue: Epilogue
        let layout: TileInput
        let schedule: Schedule
        let outputHeight: Int, outputWidth: Int, outputChannels: Int
        /// The bias padded to whole blocks (deallocated by `release`).
        let bias: UnsafeMutablePointer<Float>
        let inBFloat16: Bool
        /// The step offsets of the layout the tiles read, per pass (BF16: per pair step).
        let pairOffsets: [Int], passOffsets: [[Int]]
        /// BF16 tiles, and float32 tiles of more than 16 columns where `usesFloat32CTiles`, run in C.
        let cTiles: Bool
        /// The activation the C tiles apply (SiLU and sigmoid, on sixteen lanes without a
        /// division), and what is left for Swift to apply after them.
        let activationInTiles: Int32, tileActivation: ActivationFunction
        /// Whole C tiles are stored by the C tile itself (other activations are Swift's).
        let storesFromTiles: Bool
        /// Floats between two passes' outputs in a consumer's tile buffer.
        let passStride: Int

        /// Nil when there is nothing to compute (an empty output). `consumed`: the tiles go to a
        /// consumer, which needs every channel of its tile from one item, instead of a map.
        init?(input: FeatureBlock, passes: [Pass], geometry g: Conv2DGeometry, output: UnsafeMutablePointer<Float>?,
              outputImageStride: Int, epilogue: Epilogue, consumed: Bool) {
            let (outH, outW) = (g.outputSize(input.height), g.outputSize(input.width))
            guard outH > 0, outW > 0, input.batch > 0, let outputChannels = passes.first?.weights.outputChannels else { return nil }
            precondition(passes.allSatisfy { $0.weights.outputChannels == outputChannels }
                         && (consumed || passes.count == 1), "passes must share their output channels")
            precondition(consumed || output != nil, "a convolution without a consumer needs an output")
            self.passes = passes
            self.consumed = consumed
            self.output = output
            self.outputImageStride = outputImageStride
            self.epilogue = epilogue
            outputHeight = outH
            outputWidth = outW
            self.outputChannels = outputChannels
            let blockCount = passes[0].weights.blockCount
            let layout = TileInput(input: input, geometry: g, outputHeight: outH, outputWidth: outW, panelBytes: panelBytes,
                                   sharedOut: true)
            self.layout = layout
            schedule = Schedule(tiles: input.batch * layout.tilesPerImage, blocks: blockCount, splitsBlocks: !consumed)
            bias = epilogue.paddedBias(count: blockCount * MicroTile.rows)
            inBFloat16 = passes.allSatisfy { $0.weights.bfloat16Pairs != nil && $0.taps == nil }
            pairOffsets = inBFloat16 ? layout.pairStepOffsets() : []
            passOffsets = inBFloat16 ? passes.map { _ in [] } : passes.map { pass in
                pass.taps.map { $0.map { $0.channel * layout.channelStride + $0.row * layout.phaseWidth + $0.column } }
                    ?? layout.stepOffsets()
            }
            cTiles = inBFloat16 || (usesFloat32CTiles && float32CTilesSupported)
            activationInTiles = cTiles ? epilogue.activationInC : Int32(YOLO_TILE_IDENTITY)
            tileActivation = activationInTiles == YOLO_TILE_IDENTITY ? epilogue.activation : .identity
            storesFromTiles = cTiles && tileActivation == .identity
            passStride = blockCount * MicroTile.rows * layout.tileLength
        }

        func release() { bias.deallocate() }

        /// A worker's buffers, sized for the largest of the jobs it may take items of: pieces of
        /// the worker's scratch (`WorkerScratch`).
        struct Buffers {
            let scratch: UnsafeMutablePointer<Float>
            /// With a consumer, each tile's outputs go here, channels `tileLength` apart.
            let tileOutput: UnsafeMutablePointer<Float>?
            let pairScratch: UnsafeMutablePointer<UInt16>?
            let tileSums: UnsafeMutablePointer<Float>

            /// Runs `body` with the calling worker's buffers for `jobs`.
            static func lend(for jobs: [Job], _ body: (Buffers) -> Void) {
                var (scratchCount, outputCount, pairCount) = (0, 0, 0)
                for job in jobs {
                    scratchCount = max(scratchCount, job.layout.scratchCount)
                    if job.consumed { outputCount = max(outputCount, job.passes.count * job.passStride) }
                    if job.inBFloat16 { pairCount = max(pairCount, job.layout.pairScratchCount) }
                }
                // each piece starts on a cache line: counts in floats rounded up to 16
                func lines(_ floats: Int) -> Int { (floats + 15) / 16 * 16 }
                let pairFloats = lines((pairCount + 1) / 2)
                let total = lines(scratchCount) + lines(outputCount) + pairFloats + MicroTile.rows * MicroTile.columns
                WorkerScratch.withFloats(total) { base in
                    let output = base + lines(scratchCount)
                    let pairs = output + lines(outputCount)
                    body(Buffers(scratch: base, tileOutput: outputCount > 0 ? output : nil,
                                 pairScratch: pairCount > 0
                                    ? UnsafeMutableRawPointer(pairs).bindMemory(to: UInt16.self, capacity: pairCount) : nil,
                                 tileSums: pairs + pairFloats))
                }
            }
        }

        /// Lays out item `item`'s tile and runs its blocks of every pass over it: into the map,
        /// or into `buffers.tileOutput`, then handed to `consume(image, positions, tile,
        /// tileStride, passStride)`.
        func process(_ item: Int, buffers: Buffers, consume: (Int, Range<Int>, UnsafePointer<Float>, Int, Int) -> Void) {
            let columns = MicroTile.columns
            let (outH, outW) = (outputHeight, outputWidth)
            let pixels = outH * outW
            let tileOutput = consumed ? buffers.tileOutput : nil
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
            let (tileIndex, blockRange) = schedule.item(item)
            let (image, tile) = (tileIndex / layout.tilesPerImage, tileIndex % layout.tilesPerImage)
            let positions = layout.tileRange(tile)
            let (first, tileCount) = (positions.lowerBound, positions.count)
            let tileSums = buffers.tileSums
            // the tile's input in the float32 layout (b) or the bfloat16 one (pairs)
            let pairs = inBFloat16 ? buffers.pairScratch.map {
                layout.prepareBFloat16(image: image, positions: first..<(first + tileCount), scratch: buffers.scratch,
                                       pairScratch: $0)
            } : nil
            let b = pairs != nil ? nil : layout.prepare(image: image, positions: first..<(first + tileCount),
                                                          scratch: buffers.scratch)
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
                            if pairs == nil && cTiles && layout.isPacked && storesFromTiles
                                && validRows == MicroTile.rows && tileCount >= columns {
                                // the block's whole tiles in one call (their panels and outputs lie side by
                                // side), not one Swift step each: yolov5n 0.976–0.993, yolov5s 0.986–0.988
                                // (in-process A/B); the same for Winograd's products measured 0.999
                                let wholeTiles = tileCount / columns
                                yolo_f32_tiles_packed(wholeTiles, depth, a, b!, bias + firstChannel, activationInTiles,
                                                      channelOutput + targetFirst, channelStride,
                                                      epilogue.addsToOutput ? 1 : 0)
                                column = wholeTiles * columns
                            }
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
                                        PackedConvolution.bfloat16Tile(pass.weights, block: block, layout: layout, pairs: pairs,
                                                                       column: column, offsets: pairOffsets, bias: bias,
                                                                       firstChannel: firstChannel, activation: activationInTiles,
                                                                       to: destination, rowStride: rowStride, adding: adding)
                                    } else if layout.isPacked {
                                        yolo_f32_tile_packed(depth, a, b! + column * depth, bias + firstChannel,
                                                             activationInTiles, destination, rowStride, adding)
                                    } else {
                                        yolo_f32_tile_offsets(depth, a, b! + column, offsets.baseAddress!,
                                                              bias + firstChannel, activationInTiles, destination,
                                                              rowStride, adding)
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
                                    PackedConvolution.storeSpatial(tile, position: first + column, rowLength: layout.phaseWidth,
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
            if let tileOutput { consume(image, positions, tileOutput, channelStride, passStride) }
        }
    }
}
