import CKernels
/// The geometry of a 2-D convolution over NCHW input with OIHW weights.
public struct Conv2DGeometry: Sendable, Equatable {
    public var inputChannels: Int
    public var outputChannels: Int
    public var kernelSize: Int
    public var stride: Int
    public var padding: Int
    public var dilation: Int
    public var groups: Int

    public init(inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                dilation: Int = 1, groups: Int = 1) {
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
    }

    public func outputSize(_ n: Int) -> Int { (n + 2 * padding - dilation * (kernelSize - 1) - 1) / stride + 1 }

    /// A 1×1, stride-1, unpadded convolution is a plain matrix product over the pixels.
    public var isPointwise: Bool { kernelSize == 1 && stride == 1 && padding == 0 && groups == 1 }

    /// Rows of the im2col matrix of one group: (C/groups)·k·k.
    public var patchSize: Int { inputChannels / groups * kernelSize * kernelSize }
}

/// Convolution forward: the output is cut into tiles of whole output rows (of pixels, for a 1×1
/// convolution, which needs no im2col) sized so a tile's columns and outputs stay in L2; each
/// worker takes a tile, unfolds it, multiplies it with one single-threaded sgemm and applies
/// bias and activation while the result is still in cache. Layers with too few tiles to keep
/// the workers busy (small feature maps) unfold the whole image and let GEMM split by rows.
public enum Conv2D {
    /// Target size of one tile's im2col columns plus outputs (tests lower it to exercise the
    /// tiling on small shapes).
    nonisolated(unsafe) public static var tileBytes = 768 * 1024

    public static func forward(_ input: Tensor, weight: Tensor, bias: Tensor?, geometry g: Conv2DGeometry,
                               activation: ActivationFunction = .identity,
                               packedWeights: PackedConvolutionWeights? = nil) -> Tensor {
        // the packed kernel reads strided inputs through phase planes itself
        let packs = usesPackedKernel && PackedConvolution.applies(to: g)
        if !packs, let phases = PhaseDecomposition(geometry: g, inputShape: input.shape) {
            return forward(phases.splitInput(input), weight: phases.rearrangeWeight(weight), bias: bias,
                           geometry: phases.geometry, activation: activation)
        }
        precondition(input.shape.count == 4 && input.shape[1] == g.inputChannels,
                     "conv input \(input.shape) does not have \(g.inputChannels) channels")
        let (batch, height, width) = (input.shape[0], input.shape[2], input.shape[3])
        var output = Tensor(uninitializedShape: [batch, g.outputChannels, g.outputSize(height), g.outputSize(width)])
        input.storage.withUnsafeBufferPointer { x in
            output.storage.withUnsafeMutableBufferPointer { y in
                forward(input: FeatureBlock(x.baseAddress!, batch: batch, channels: g.inputChannels, height: height, width: width),
                        weight: weight, bias: bias, geometry: g, activation: activation,
                        output: y.baseAddress!, outputImageStride: y.count / max(batch, 1), packedWeights: packedWeights)
            }
        }
        return output
    }

    /// The convolution of a block of channels that may sit inside a larger tensor (a channel
    /// range of a concatenation), written to `output`, whose images are `outputImageStride`
    /// floats apart (so it too can be a channel range of a larger tensor). With
    /// `addingToOutput`, output = f(conv + bias) + output (a residual connection, done in the
    /// epilogue instead of another pass over memory). The geometry is used as given: only the
    /// tensor entry point rewrites kernels that are multiples of their stride into phases.
    public static func forward(input: FeatureBlock, weight: Tensor, bias: Tensor?, geometry g: Conv2DGeometry,
                               activation: ActivationFunction = .identity, output: UnsafeMutablePointer<Float>,
                               outputImageStride: Int, addingToOutput: Bool = false,
                               packedWeights: PackedConvolutionWeights? = nil) {
        precondition(input.channels == g.inputChannels, "conv input has \(input.channels) channels, not \(g.inputChannels)")
        precondition(weight.elementCount == g.outputChannels * g.patchSize, "weight \(weight.shape) does not fit \(g)")
        weight.storage.withUnsafeBufferPointer { w in
            let epilogue = Epilogue(bias: bias?.storage, activation: activation, addsToOutput: addingToOutput)
            precondition(input.parts == nil || g.isPointwise, "only 1×1 convolutions read a concatenation in place")
            // weights packed for the BF16 kernels run there: at half the cost per product they
            // beat float32 Winograd, whose transforms are not free either (yolov5n 640: 23.3
            // against 24.5 ms with Winograd kept in float32)
            let runsInBFloat16 = packedWeights.map { $0.bfloat16Pairs != nil } ?? PackedConvolution.usesBFloat16
            if usesWinograd && !runsInBFloat16 && WinogradConvolution.applies(to: g, input: input) {
                let transformed = packedWeights?.winograd
                    ?? WinogradConvolution.transformedWeights(w.baseAddress!, outputs: g.outputChannels, inputs: g.inputChannels)
                WinogradConvolution(geometry: g, input: input, tile: transformed.tile)
                    .run(weights: transformed, output: output, outputImageStride: outputImageStride, epilogue: epilogue)
                return
            }
            if (usesPackedKernel || input.parts != nil) && PackedConvolution.applies(to: g) {
                if DirectConvolution.applies(to: g, input: input, activation: activation, inBFloat16: runsInBFloat16) {
                    let blocks = packedWeights?.direct?.blocks
                        ?? DirectConvolution.blockWeights(w.baseAddress!, outputs: g.outputChannels, depth: g.patchSize)
                    DirectConvolution.run(input: input, weights: blocks, geometry: g, output: output,
                                          outputImageStride: outputImageStride, epilogue: epilogue)
                    return
                }
                PackedConvolution.run(input: input, weights: packedWeights ?? PackedConvolutionWeights(weight, geometry: g),
                                      geometry: g, output: output, outputImageStride: outputImageStride, epilogue: epilogue)
                return
            }
            let plan = ConvolutionTiling(geometry: g, input: input, outputImageStride: outputImageStride)
            if plan.itemCount >= minimumTiledItems {
                plan.runTiled(w: w.baseAddress!, y: output, epilogue: epilogue)
            } else {
                plan.runWhole(w: w.baseAddress!, y: output, epilogue: epilogue)
            }
        }
    }

    /// Convolutions with groups 1 and dilation 1 run on `PackedConvolution`'s micro-kernel;
    /// false sends them through im2col + OpenBLAS sgemm (kept for comparison).
    nonisolated(unsafe) public static var usesPackedKernel = true

    /// 3×3 stride-1 convolutions with enough channels run as Winograd F(2×2, 3×3), or
    /// F(4×4, 3×3) with weights packed for inference (`WinogradConvolution`, `WinogradTile`),
    /// and so do the weight gradients of those with many channels on small maps
    /// (`WinogradWeightGradient`, F(2×2, 3×3)); false keeps both on the direct kernels.
    nonisolated(unsafe) public static var usesWinograd = true

    /// Below this many tiles per call a layer is computed whole (GEMM then splits it by rows).
    static let minimumTiledItems = 4
}

/// `channels` NCHW planes of `height`×`width` floats from `base`, images `imageStride` floats
/// apart: a whole tensor, or a channel range of one. Or, for 1×1 convolutions, the channels of
/// several maps side by side (`parts`): a concatenation that is never written out.
public struct FeatureBlock {
    public let base: UnsafePointer<Float>
    public let batch: Int, channels: Int, height: Int, width: Int
    public let imageStride: Int
    /// Nil for one map at `base`.
    public let parts: [FeaturePart]?

    public init(_ base: UnsafePointer<Float>, batch: Int, channels: Int, height: Int, width: Int, imageStride: Int? = nil) {
        self.base = base
        self.batch = batch
        self.channels = channels
        self.height = height
        self.width = width
        self.imageStride = imageStride ?? channels * height * width
        parts = nil
    }

    /// The parts' channels in order, each part nearest-upsampled by its `scale` to
    /// `height`×`width` (which its scale must divide).
    public init(parts: [FeaturePart], batch: Int, height: Int, width: Int) {
        precondition(!parts.isEmpty && parts.allSatisfy { $0.scale > 0 && height % $0.scale == 0 && width % $0.scale == 0 },
                     "parts must upsample by a factor dividing \(height)×\(width)")
        base = parts[0].base
        self.batch = batch
        channels = parts.reduce(0) { $0 + $1.channels }
        self.height = height
        self.width = width
        imageStride = 0
        self.parts = parts
    }

    /// The block as parts (one part, scale 1, when it is a single map).
    var asParts: [FeaturePart] {
        parts ?? [FeaturePart(base: base, channels: channels, imageStride: imageStride, scale: 1)]
    }
}

/// One map of a concatenation read in place: `channels` planes of (height/scale)×(width/scale)
/// floats from `base`, images `imageStride` floats apart.
public struct FeaturePart {
    public let base: UnsafePointer<Float>
    public let channels: Int
    public let imageStride: Int
    /// Nearest-neighbour upsampling factor to the block's size.
    public let scale: Int

    public init(base: UnsafePointer<Float>, channels: Int, imageStride: Int, scale: Int = 1) {
        self.base = base
        self.channels = channels
        self.imageStride = imageStride
        self.scale = scale
    }
}

/// Per-channel bias, activation and optional residual around a convolution's GEMM. The bias
/// goes in first, as the C that sgemm accumulates into (beta 1): with beta 0 OpenBLAS would
/// spend a pass zeroing C. The activation (and the residual addition) follow once the block is
/// computed, while it is still in cache.
struct Epilogue {
    let bias: [Float]?
    let activation: ActivationFunction
    /// The block is computed aside and added onto what the output holds.
    let addsToOutput: Bool

    /// The GEMM's beta: accumulate onto the bias when there is one.
    var beta: Float { bias == nil ? 0 : 1 }

    /// The activation as the C kernels' YOLO_TILE_ code: SiLU and sigmoid, which they apply;
    /// identity for every other (left to Swift).
    var activationInC: Int32 { activation.codeInC ?? Int32(YOLO_TILE_IDENTITY) }

    /// The bias with zeros past it up to `count` (a last block's missing rows), in memory the
    /// caller deallocates.
    func paddedBias(count: Int) -> UnsafeMutablePointer<Float> {
        let values = UnsafeMutablePointer<Float>.allocate(capacity: count)
        values.initialize(repeating: 0, count: count)
        if let bias { for i in bias.indices { values[i] = bias[i] } }
        return values
    }

    /// Computes output channels `channels` for `count` positions: C = W·B (+ bias), f(C), into
    /// `destination` (rows `rowStride` apart), or added onto it through `aside` (room for
    /// channels.count × count floats) when `addsToOutput`.
    func compute(channels: Range<Int>, count: Int, k: Int, weights: UnsafePointer<Float>,
                 columns: UnsafePointer<Float>, columnStride: Int,
                 destination: UnsafeMutablePointer<Float>, rowStride: Int, aside: UnsafeMutablePointer<Float>?) {
        let (block, stride) = addsToOutput ? (aside!, count) : (destination, rowStride)
        fillBias(block, channels: channels, stride: stride, count: count)
        GEMM.multiply(m: channels.count, n: count, k: k, a: weights, b: columns, ldb: columnStride,
                      c: block, ldc: stride, beta: beta)
        finish(block, rows: 0..<channels.count, stride: stride, count: count, destination: destination, rowStride: rowStride)
    }

    /// Rows of `block` (`stride` apart) set to their channel's bias, as sgemm's starting C.
    func fillBias(_ block: UnsafeMutablePointer<Float>, channels: Range<Int>, stride: Int, count: Int) {
        guard let bias else { return }
        for (row, channel) in channels.enumerated() {
            (block + row * stride).update(repeating: bias[channel], count: count)
        }
    }

    /// The activation over `rows` of a computed block, then the residual addition when the
    /// block was computed aside.
    func finish(_ block: UnsafeMutablePointer<Float>, rows: Range<Int>, stride: Int, count: Int,
                destination: UnsafeMutablePointer<Float>, rowStride: Int) {
        // SiLU and sigmoid as the C tiles apply them, where those run
        for row in rows {
            let values = block + row * stride
            if activation != .identity {
                activation.apply(UnsafeMutableBufferPointer(start: values, count: count))
            }
            if addsToOutput {
                let target = destination + row * rowStride
                for i in 0..<count { target[i] += values[i] }
            }
        }
    }
}

/// How one convolution call is cut into work items: (image, group, tile of output rows).
struct ConvolutionTiling {
    let g: Conv2DGeometry
    let input: FeatureBlock
    let outputImageStride: Int
    let outH: Int, outW: Int
    let outPerGroup: Int, inPerGroup: Int
    /// Output rows per tile (im2col convolutions); pixels per tile (1×1 convolutions).
    let tileExtent: Int
    let tilesPerPlane: Int

    init(geometry: Conv2DGeometry, input: FeatureBlock, outputImageStride: Int) {
        g = geometry
        self.input = input
        self.outputImageStride = outputImageStride
        outH = g.outputSize(input.height)
        outW = g.outputSize(input.width)
        outPerGroup = g.outputChannels / g.groups
        inPerGroup = g.inputChannels / g.groups
        // columns per tile: the tile's unfolded input (patchSize rows) and its outputs fit the
        // budget; at least 256 so the GEMM stays efficient
        let columns = max(256, Conv2D.tileBytes / 4 / max(1, (g.isPointwise ? 0 : g.patchSize) + outPerGroup))
        if g.isPointwise {
            tileExtent = min(outH * outW, roundUp(columns, to: 64))
            tilesPerPlane = (outH * outW + tileExtent - 1) / tileExtent
        } else {
            tileExtent = max(1, min(outH, columns / max(outW, 1)))
            tilesPerPlane = (outH + tileExtent - 1) / tileExtent
        }
    }

    var pixels: Int { outH * outW }
    var itemCount: Int { input.batch * g.groups * tilesPerPlane }

    /// Pointers to image `b`'s group `group` in the input, weights and output.
    private func groupPointers(_ b: Int, _ group: Int, w: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>)
        -> (x: UnsafePointer<Float>, w: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        (input.base + b * input.imageStride + group * inPerGroup * input.height * input.width,
         w + group * outPerGroup * g.patchSize,
         y + b * outputImageStride + group * outPerGroup * pixels)
    }

    func runTiled(w: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, epilogue: Epilogue) {
        let tilePixels = g.isPointwise ? tileExtent : tileExtent * outW
        let columnsCapacity = g.isPointwise ? 0 : g.patchSize * tilePixels
        let asideCapacity = epilogue.addsToOutput ? outPerGroup * tilePixels : 0
        Parallel.distribute(itemCount) { next in
            WorkerScratch.withFloats(columnsCapacity + asideCapacity) { scratch in
                let aside = asideCapacity > 0 ? scratch + columnsCapacity : nil
                while let item = next() {
                    let (plane, tile) = (item / tilesPerPlane, item % tilesPerPlane)
                    let (b, group) = (plane / g.groups, plane % g.groups)
                    let (xGroup, wGroup, yGroup) = groupPointers(b, group, w: w, y: y)
                    let channels = (group * outPerGroup)..<((group + 1) * outPerGroup)
                    if g.isPointwise {
                        let first = tile * tileExtent
                        let count = min(pixels, first + tileExtent) - first
                        epilogue.compute(channels: channels, count: count, k: g.patchSize, weights: wGroup,
                                         columns: xGroup + first, columnStride: pixels,
                                         destination: yGroup + first, rowStride: pixels, aside: aside)
                    } else {
                        let rows = (tile * tileExtent)..<min(outH, (tile + 1) * tileExtent)
                        Im2Col.fill(xGroup, channels: inPerGroup, height: input.height, width: input.width, geometry: g,
                                    outputRows: rows, outputWidth: outW, columns: scratch)
                        let (first, count) = (rows.lowerBound * outW, rows.count * outW)
                        epilogue.compute(channels: channels, count: count, k: g.patchSize, weights: wGroup,
                                         columns: scratch, columnStride: count,
                                         destination: yGroup + first, rowStride: pixels, aside: aside)
                    }
                }
            }
        }
    }

    /// Small layers: each (image, group) unfolded whole, one GEMM split by GEMM itself, then the
    /// epilogue split by channel.
    func runWhole(w: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, epilogue: Epilogue) {
        let columnsCount = g.isPointwise ? 0 : g.patchSize * pixels
        let asideCount = epilogue.addsToOutput ? outPerGroup * pixels : 0
        WorkerScratch.withFloats(columnsCount + asideCount) { columns in
            for b in 0..<input.batch {
                for group in 0..<g.groups {
                    let (xGroup, wGroup, yGroup) = groupPointers(b, group, w: w, y: y)
                    var rhs = xGroup
                    if !g.isPointwise {
                        Im2Col.fill(xGroup, channels: inPerGroup, height: input.height, width: input.width, geometry: g,
                                    outputHeight: outH, outputWidth: outW, columns: columns)
                        rhs = UnsafePointer(columns)
                    }
                    let block = epilogue.addsToOutput ? columns + columnsCount : yGroup
                    epilogue.fillBias(block, channels: (group * outPerGroup)..<((group + 1) * outPerGroup), stride: pixels,
                                      count: pixels)
                    GEMM.multiply(m: outPerGroup, n: pixels, k: g.patchSize, a: wGroup, b: rhs, c: block,
                                  beta: epilogue.beta)
                    Parallel.forEach(outPerGroup, minimumChunk: max(1, 16_384 / max(pixels, 1))) { rows in
                        epilogue.finish(block, rows: rows, stride: pixels, count: pixels, destination: yGroup, rowStride: pixels)
                    }
                }
            }
        }
    }
}

/// A strided convolution whose kernel and padding are multiples of the stride (YOLOv5's first
/// 6×6 stride-2 layer) equals a stride-1 convolution over the input split into its stride²
/// pixel phases: input row s·(oy − p/s + qy) + py is row oy − p/s + qy of phase py. The stride-1
/// form has contiguous im2col rows instead of strided gathers; only the summation order differs.
struct PhaseDecomposition {
    let stride: Int
    let original: Conv2DGeometry
    let geometry: Conv2DGeometry

    init?(geometry g: Conv2DGeometry, inputShape: [Int]) {
        let s = g.stride
        guard s > 1, g.groups == 1, g.dilation == 1, g.kernelSize % s == 0, g.padding % s == 0,
              inputShape.count == 4, inputShape[2] % s == 0, inputShape[3] % s == 0 else { return nil }
        stride = s
        original = g
        geometry = Conv2DGeometry(inputChannels: g.inputChannels * s * s, outputChannels: g.outputChannels,
                                  kernelSize: g.kernelSize / s, stride: 1, padding: g.padding / s)
    }

    /// x'[b, c·s² + py·s + px, i, j] = x[b, c, i·s + py, j·s + px].
    func splitInput(_ x: Tensor) -> Tensor {
        let (batch, channels, height, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let s = stride, (h, w) = (height / stride, width / stride)
        var y = Tensor(uninitializedShape: [batch, channels * s * s, h, w])
        x.storage.withUnsafeBufferPointer { src in
            y.storage.withUnsafeMutableBufferPointer { dst in
                Parallel.forEach(batch * channels * s * s) { planes in
                    for plane in planes {
                        let (bc, phase) = (plane / (s * s), plane % (s * s))
                        let (py, px) = (phase / s, phase % s)
                        let input = src.baseAddress! + bc * height * width
                        let output = dst.baseAddress! + plane * h * w
                        for i in 0..<h {
                            let row = input + (i * s + py) * width + px
                            for j in 0..<w { output[i * w + j] = row[j * s] }
                        }
                    }
                }
            }
        }
        return y
    }

    /// w'[o, c·s² + py·s + px, qy, qx] = w[o, c, qy·s + py, qx·s + px].
    func rearrangeWeight(_ weight: Tensor) -> Tensor {
        let s = stride, k = original.kernelSize, q = k / s
        let (outputs, channels) = (original.outputChannels, original.inputChannels)
        var values = [Float](repeating: 0, count: weight.elementCount)
        for o in 0..<outputs {
            for c in 0..<channels {
                for py in 0..<s {
                    for px in 0..<s {
                        for qy in 0..<q {
                            for qx in 0..<q {
                                let target = ((o * channels * s * s + c * s * s + py * s + px) * q + qy) * q + qx
                                values[target] = weight.storage[((o * channels + c) * k + qy * s + py) * k + qx * s + px]
                            }
                        }
                    }
                }
            }
        }
        return Tensor(shape: [outputs, channels * s * s, q, q], values: values)
    }
}
