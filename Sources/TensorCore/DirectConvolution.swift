import CKernels

/// Convolutions (groups 1, dilation 1, float32) computed where their input lies, with no layout
/// pass: tiles of 16 output channels × up to 8 (6 on AVX2) consecutive pixels of one output row
/// (a row's pixels shared evenly among its tiles), each input value broadcast into a
/// multiply-add with sixteen channels' weights (`yolo_f32_direct`). It takes stride-2
/// convolutions, which the packed convolution splits into stride phases tile by tile first, a
/// pass that waits on memory while the multiply-adds idle (yolov5n 640, one thread: 0.97 of the
/// 3.8 ms its second layer took), and stride-1 spatial ones on maps too small for Winograd.
/// Tiles whose taps reach past the input (the padding) read a zero-bordered copy of their window
/// instead. Each output is one tile's sum over k in the packed tiles' order, so results are
/// theirs bit for bit and do not depend on the thread count.
public enum DirectConvolution {
    /// On where the float32 C tiles run (AVX-512 or AVX2, as they); off, these convolutions
    /// go through the packed convolution.
    nonisolated(unsafe) public static var isEnabled = true

    /// Output pixels per tile: 8 on AVX-512; 6 on AVX2, where a tile is then one pass of the
    /// kernel over six pixels' sums in twelve registers (at 8, the passes of 4 computed a pixel
    /// twice in tiles of 7 and kept eight chains of multiply-adds in flight, not twelve: yolov5n
    /// 0.988 at 320, 0.986 at 640, in-process A/B over 300 pairs).
    static var pixelsPerTile: Int { yolo_f32_kernel_tier() == Int32(YOLO_F32_TIER_AVX512) ? 8 : 6 }
    static let channelsPerBlock = 16

    /// Whether `run` computes this convolution: groups 1, dilation 1, one map, an activation
    /// the C epilogue applies, float32 weights; stride 2, or stride 1 with a spatial kernel on a
    /// map too small for Winograd (10×10 at 320: there the packed tiles computed 24-position
    /// columns over rows padded from 10 to 12, 144 positions for 100 outputs).
    static func applies(to g: Conv2DGeometry, input: FeatureBlock, activation: ActivationFunction,
                        inBFloat16: Bool) -> Bool {
        packsWeights(for: g) && !inBFloat16 && input.parts == nil
            && (activation == .identity || activation == .silu || activation == .sigmoid)
            && (g.stride == 2
                || input.height < WinogradConvolution.minimumSide || input.width < WinogradConvolution.minimumSide)
    }

    /// Whether weights packed for `g` should carry the layout `run` reads (`DirectBlocks`).
    /// Kernels up to 3×3: on yolov5's 6×6 stem (3 input channels, one or two blocks of 16
    /// outputs per window) a tile's transpose and activation took 29% of its time (one thread,
    /// 320), while the packed convolution's stride-phase rows cost little with 3 channels and
    /// its 4×24 tiles need no transpose: yolov5n 0.983–0.994 at 320, 0.988–0.995 at 640; yolov5s
    /// 0.992 and 0.997 (in-process A/B). Its second layer (16 channels) stays here: 1.005, 1.018.
    static func packsWeights(for g: Conv2DGeometry) -> Bool {
        isEnabled && PackedConvolution.usesFloat32CTiles && PackedConvolution.float32CTilesSupported
            && (g.stride == 2 || (g.stride == 1 && g.kernelSize > 1)) && g.kernelSize <= 3
            && g.groups == 1 && g.dilation == 1
    }

    /// Weights [O, C·k·k] as the kernel reads them: blocks of 16 output channels, each holding,
    /// for every k, its channels' weights side by side; channels past O are zero.
    static func blockWeights(_ weight: UnsafePointer<Float>, outputs: Int, depth: Int) -> [Float] {
        rowBlocks(weight, rows: outputs, depth: depth, blockRows: channelsPerBlock)
    }

    /// Tile `tile`'s first pixel and pixel count in an output row of `width` pixels cut into
    /// `tiles` tiles: the row's pixels shared as evenly as they go (10 as 5 + 5, not 8 + 2). Both
    /// schedules cut rows this way, so their sums are the same.
    static func tilePixels(_ tile: Int, width: Int, tiles: Int) -> (first: Int, count: Int) {
        let first = tile * width / tiles
        return (first, (tile + 1) * width / tiles - first)
    }

    /// Whether a layer's weights are too large to stay in L2 (512 KB on Zen 3) while each tile
    /// goes through all of them: then `run` takes them block by block (`runBlockMajor`). In-process
    /// A/B over 300 pairs: yolov5n 0.993 at 640, 0.990 at 320; yolov5s 0.997 and 0.983 (100
    /// pairs); with the rule at 64 KB instead, yolov5n 1.008 at 640.
    static func streamsWeights(blocks: Int, depth: Int) -> Bool {
        blocks * depth * channelsPerBlock * MemoryLayout<Float>.size > 512 * 1024
    }

    /// The same sums with each work item one block of 16 output channels over a run of output
    /// rows, so a block's weights are read from memory once per run rather than once per tile;
    /// the input is first copied into a zero-bordered map, so that no tile copies its window (a
    /// window would otherwise be copied once per block).
    private static func runBlockMajor(input: FeatureBlock, weights: [Float], geometry g: Conv2DGeometry,
                                      output: UnsafeMutablePointer<Float>, outputImageStride: Int,
                                      bias: UnsafeMutablePointer<Float>, activation: Int32, adding: Int32) {
        let (outH, outW) = (g.outputSize(input.height), g.outputSize(input.width))
        let (kernel, padding, stride) = (g.kernelSize, g.padding, g.stride)
        let (height, width, channels) = (input.height, input.width, input.channels)
        let depth = g.patchSize
        let blocks = (g.outputChannels + channelsPerBlock - 1) / channelsPerBlock
        let pixelsPerTile = Self.pixelsPerTile
        let tilesPerRow = (outW + pixelsPerTile - 1) / pixelsPerTile
        // the bordered map: every tap of every tile (at least 4 pixels' taps) inside it
        let paddedHeight = max(height + 2 * padding, (outH - 1) * stride + kernel)
        let paddedWidth = max(width + 2 * padding, (max(outW, 4) - 1) * stride + kernel)
        let paddedPlane = paddedHeight * paddedWidth
        let padded = UnsafeMutablePointer<Float>.allocate(capacity: input.batch * channels * paddedPlane)
        defer { padded.deallocate() }
        Parallel.forEach(input.batch * channels) { planes in
            for plane in planes {
                let (image, channel) = (plane / channels, plane % channels)
                let source = input.base + image * input.imageStride + channel * height * width
                yolo_f32_window_copy(source, 1, height, width, -padding, paddedHeight, -padding, paddedWidth,
                                     padded + plane * paddedPlane)
            }
        }
        let outputPlane = outH * outW
        // runs of rows: at least 8 items per worker
        let rowRuns = min(outH, max(1, (8 * Parallel.width + input.batch * blocks - 1) / (input.batch * blocks)))
        weights.withUnsafeBufferPointer { weights in
            Parallel.distribute(input.batch * blocks * rowRuns) { next in
                while let item = next() {
                    let (image, block, run) = (item / (blocks * rowRuns), item / rowRuns % blocks, item % rowRuns)
                    let firstChannel = block * channelsPerBlock
                    let source = padded + image * channels * paddedPlane
                    let target = output + image * outputImageStride + firstChannel * outputPlane
                    for outputRow in (run * outH / rowRuns)..<((run + 1) * outH / rowRuns) {
                        for tile in 0..<tilesPerRow {
                            let (firstPixel, pixels) = tilePixels(tile, width: outW, tiles: tilesPerRow)
                            yolo_f32_direct(source + outputRow * stride * paddedWidth + firstPixel * stride, channels,
                                            paddedPlane, paddedWidth, kernel, stride,
                                            weights.baseAddress! + firstChannel * depth, bias + firstChannel,
                                            activation, target + outputRow * outW + firstPixel, outputPlane,
                                            min(channelsPerBlock, g.outputChannels - firstChannel), pixels, adding)
                        }
                    }
                }
            }
        }
    }

    /// y = f(conv(x) + bias) (+ y with `epilogue.addsToOutput`), images of `output`
    /// `outputImageStride` floats apart; `weights` from `blockWeights`.
    static func run(input: FeatureBlock, weights: [Float], geometry g: Conv2DGeometry,
                    output: UnsafeMutablePointer<Float>, outputImageStride: Int, epilogue: Epilogue) {
        let (outH, outW) = (g.outputSize(input.height), g.outputSize(input.width))
        guard outH > 0, outW > 0, input.batch > 0 else { return }
        let (kernel, padding, stride) = (g.kernelSize, g.padding, g.stride)
        let (height, width, channels) = (input.height, input.width, input.channels)
        let depth = g.patchSize
        let blocks = (g.outputChannels + channelsPerBlock - 1) / channelsPerBlock
        // a tile's taps: kernel rows of the columns its pixels reach
        let pixelsPerTile = Self.pixelsPerTile
        let windowWidth = (pixelsPerTile - 1) * stride + kernel
        let tilesPerRow = (outW + pixelsPerTile - 1) / pixelsPerTile
        // rows cut into runs of tiles when there are fewer than 8 rows per worker (10-row maps at
        // 320: 0.99 of the time of whole rows, yolov5n and yolov5s)
        let runsPerRow = min(tilesPerRow, max(1, (8 * Parallel.width + input.batch * outH - 1) / (input.batch * outH)))
        let bias = epilogue.paddedBias(count: blocks * channelsPerBlock)
        defer { bias.deallocate() }
        let activation = epilogue.activationInC
        let adding: Int32 = epilogue.addsToOutput ? 1 : 0
        let outputPlane = outH * outW
        if Self.streamsWeights(blocks: blocks, depth: depth) {
            runBlockMajor(input: input, weights: weights, geometry: g, output: output,
                          outputImageStride: outputImageStride, bias: bias, activation: activation, adding: adding)
            return
        }
        weights.withUnsafeBufferPointer { weights in
            // one item per run of tiles of an output row of an image
            Parallel.distribute(input.batch * outH * runsPerRow) { next in
                WorkerScratch.withFloats(channels * kernel * windowWidth) { window in
                    while let item = next() {
                        let (image, outputRow, run) = (item / (outH * runsPerRow), item / runsPerRow % outH, item % runsPerRow)
                        let source = input.base + image * input.imageStride
                        let firstRow = outputRow * stride - padding
                        let rowsInside = firstRow >= 0 && firstRow + kernel <= height
                        // the row's tiles shared out as evenly as they go (5 in 4 runs as 1 + 1 + 1 + 2)
                        for tile in (run * tilesPerRow / runsPerRow)..<((run + 1) * tilesPerRow / runsPerRow) {
                            let (firstPixel, pixels) = tilePixels(tile, width: outW, tiles: tilesPerRow)
                            let firstColumn = firstPixel * stride - padding
                            // the kernel reads the taps of at least 4 pixels
                            let reach = (max(pixels, 4) - 1) * stride + kernel
                            let taps: (base: UnsafePointer<Float>, channelStride: Int, rowStride: Int)
                            if rowsInside && firstColumn >= 0 && firstColumn + reach <= width {
                                taps = (source + firstRow * width + firstColumn, height * width, width)
                            } else {
                                yolo_f32_window_copy(source, channels, height, width, firstRow, kernel, firstColumn,
                                                     windowWidth, window)
                                taps = (UnsafePointer(window), kernel * windowWidth, windowWidth)
                            }
                            let target = output + image * outputImageStride + outputRow * outW + firstPixel
                            for block in 0..<blocks {
                                let firstChannel = block * channelsPerBlock
                                yolo_f32_direct(taps.base, channels, taps.channelStride, taps.rowStride, kernel, stride,
                                                weights.baseAddress! + firstChannel * depth, bias + firstChannel,
                                                activation, target + firstChannel * outputPlane, outputPlane,
                                                min(channelsPerBlock, g.outputChannels - firstChannel), pixels, adding)
                            }
                        }
                    }
                }
            }
        }
    }
}
