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
    /// without a division, or eight with one on AVX2, within 4 ulp of the Swift tile's): on by
    /// default where the CPU has AVX-512 or AVX2 and FMA (`yolo_f32_kernel_tier`). Off, every
    /// float32 tile is Swift's `MicroTile`.
    nonisolated(unsafe) public static var usesFloat32CTiles = float32CTilesSupported

    /// The CPU has the instructions `usesFloat32CTiles` needs (either tier of the C kernels).
    public static let float32CTilesSupported = yolo_f32_kernel_tier() != Int32(YOLO_F32_TIER_NONE)

    /// y = f(conv(x) + bias) (+ y with `epilogue.addsToOutput`), images of `output`
    /// `outputImageStride` floats apart.
    static func run(input: FeatureBlock, weights: PackedConvolutionWeights, geometry g: Conv2DGeometry,
                    output: UnsafeMutablePointer<Float>, outputImageStride: Int, epilogue: Epilogue) {
        run(input: input, passes: [Pass(weights: weights)], geometry: g, output: output,
            outputImageStride: outputImageStride, epilogue: epilogue, consume: nil)
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
        guard let job = Job(input: input, passes: passes, geometry: g, output: output, outputImageStride: outputImageStride,
                            epilogue: epilogue, consumed: consume != nil) else { return }
        defer { job.release() }
        run([job]) { _, image, positions, tile, tileStride, passStride in
            consume?(image, positions, tile, tileStride, passStride)
        }
    }

    /// 1×1 convolutions whose outputs never become maps, run in one parallel region (Detect's
    /// heads: one region instead of one per level, so the workers wait for each other once, after
    /// the smallest level's tiles): each tile of input `level`'s positions is computed into its
    /// worker's buffer, `tileStride` floats per output channel, and handed to `consume(level,
    /// image, positions, tile, tileStride)` while it is in cache.
    public static func pointwiseTiles(
        levels: [(input: FeatureBlock, weights: PackedConvolutionWeights, bias: [Float]?)], activation: ActivationFunction,
        consume: (_ level: Int, _ image: Int, _ positions: Range<Int>, _ tile: UnsafePointer<Float>, _ tileStride: Int) -> Void
    ) {
        // levels with nothing to compute (an empty map) have no job: each job keeps its level's index
        let jobs = levels.enumerated().compactMap { index, level -> (level: Int, job: Job)? in
            precondition(level.weights.depth == level.input.channels,
                         "weights of depth \(level.weights.depth) for \(level.input.channels) channels")
            let g = Conv2DGeometry(inputChannels: level.input.channels, outputChannels: level.weights.outputChannels, kernelSize: 1)
            return Job(input: level.input, passes: [Pass(weights: level.weights)], geometry: g, output: nil, outputImageStride: 0,
                       epilogue: Epilogue(bias: level.bias, activation: activation, addsToOutput: false), consumed: true)
                .map { (index, $0) }
        }
        defer { jobs.forEach { $0.job.release() } }
        run(jobs.map(\.job)) { job, image, positions, tile, tileStride, _ in
            consume(jobs[job].level, image, positions, tile, tileStride)
        }
    }

    /// The jobs' items in one parallel region, job by job in order; each worker lays its tiles out
    /// in buffers sized for the largest job.
    private static func run(_ jobs: [Job], consume: (Int, Int, Range<Int>, UnsafePointer<Float>, Int, Int) -> Void) {
        Parallel.distribute(jobs.reduce(0) { $0 + $1.schedule.itemCount }) { next in
            Job.Buffers.lend(for: jobs) { buffers in
                // job `job`'s items start at `firstItem` (a worker may take items from the last down)
                var (job, firstItem) = (0, 0)
                while let item = next() {
                    while item < firstItem {
                        job -= 1
                        firstItem -= jobs[job].schedule.itemCount
                    }
                    while item >= firstItem + jobs[job].schedule.itemCount {
                        firstItem += jobs[job].schedule.itemCount
                        job += 1
                    }
                    jobs[job].process(item - firstItem, buffers: buffers) { image, positions, tile, tileStride, passStride in
                        consume(job, image, positions, tile, tileStride, passStride)
                    }
                }
            }
        }
    }

    /// Stores a spatial tile computed at plane positions position..<position + 24 (rows of
    /// `rowLength`): the positions inside the output (column < outputWidth, row < outputHeight)
    /// go to their pixels; the rest were the planes' border columns.
    @inline(never)
    static func storeSpatial(_ tile: MicroTile, position: Int, rowLength: Int, outputHeight: Int,
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
    static func bfloat16Tile(_ weights: PackedConvolutionWeights, block: Int, layout: TileInput,
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
