/// Convolution backward for any kernel, stride, padding, dilation and groups (OIHW weights,
/// NCHW activations), lowered to `GEMM.multiply` per image and group like the forward pass.
public enum Conv2DBackward {
    /// A 1×1, stride-1, unpadded convolution (any groups) maps columns to pixels one to one,
    /// so its gradients need neither im2col nor col2im.
    static func isDirect(_ g: Conv2DGeometry) -> Bool { g.kernelSize == 1 && g.stride == 1 && g.padding == 0 }

    /// dX for dY = `outputGradient` [B, O, outH, outW]: per image and group the columns
    /// Wᵍᵀ·dYᵍ ([(C/groups)·k·k] × outH·outW), then col2im accumulating into dX [B, C, H, W].
    /// The (image, group) pairs are shared out to the workers, each with its own columns buffer;
    /// they write disjoint parts of dX.
    public static func inputGradient(_ outputGradient: Tensor, weight: Tensor, geometry g: Conv2DGeometry,
                                     inputHeight height: Int, inputWidth width: Int) -> Tensor {
        let (batch, outH, outW) = check(outputGradient, geometry: g, inputHeight: height, inputWidth: width)
        precondition(weight.elementCount == g.outputChannels * g.patchSize, "weight \(weight.shape) does not fit \(g)")
        if let transposed = TransposedConvolution(g), Conv2D.usesPackedKernel {
            return Conv2D.forward(outputGradient, weight: transposed.weight(weight), bias: nil, geometry: transposed.geometry)
        }
        if let strided = StridedInputGradient(g, inputHeight: height, inputWidth: width), Conv2D.usesPackedKernel {
            return strided.compute(outputGradient, weight: weight)
        }
        let pixels = outH * outW
        let outPerGroup = g.outputChannels / g.groups
        let inPerGroup = g.inputChannels / g.groups
        let direct = isDirect(g)
        let shape = [batch, g.inputChannels, height, width]
        var dx = direct ? Tensor(uninitializedShape: shape) : Tensor(shape: shape)
        outputGradient.storage.withUnsafeBufferPointer { dy in
            weight.storage.withUnsafeBufferPointer { w in
                dx.storage.withUnsafeMutableBufferPointer { dxBuffer in
                    // columns in tiles of whole output rows, folded back (col2im) while in cache
                    let tileRows = tileRowCount(g, outH: outH, outW: outW)
                    Parallel.distribute(batch * g.groups) { next in
                        WorkerScratch.withFloats(direct ? 1 : g.patchSize * tileRows * outW) { columns in
                            while let item = next() {
                                let (b, group) = (item / g.groups, item % g.groups)
                                let dyGroup = dy.baseAddress! + (b * g.outputChannels + group * outPerGroup) * pixels
                                let wGroup = w.baseAddress! + group * outPerGroup * g.patchSize
                                let dxGroup = dxBuffer.baseAddress! + (b * g.inputChannels + group * inPerGroup) * height * width
                                if direct {
                                    GEMM.multiply(m: g.patchSize, n: pixels, k: outPerGroup, a: wGroup, transposeA: true,
                                                  b: dyGroup, c: dxGroup)
                                    continue
                                }
                                for firstRow in stride(from: 0, to: outH, by: tileRows) {
                                    let rows = firstRow..<min(outH, firstRow + tileRows)
                                    GEMM.multiply(m: g.patchSize, n: rows.count * outW, k: outPerGroup, a: wGroup, transposeA: true,
                                                  b: dyGroup + firstRow * outW, ldb: pixels, c: columns)
                                    Col2Im.accumulate(UnsafePointer(columns), channels: inPerGroup, height: height, width: width,
                                                      geometry: g, outputRows: rows, outputWidth: outW, into: dxGroup)
                                }
                            }
                        }
                    }
                }
            }
        }
        return dx
    }

    /// dW += Σ_images dYᵍ·colsᵍᵀ per group, so the weight gradient is accumulated over the batch
    /// and over calls; `weightGradient` has the weight's shape (start from zeros). On the tiled
    /// kernel and for grouped convolutions each image's product goes to its own slot, computed by
    /// whichever worker takes it, and the slots are then added onto dW in image order; other
    /// layers split dW by channel (`accumulateByChannelBlocks`). Either way the sum never depends
    /// on the thread count.
    public static func accumulateWeightGradient(_ outputGradient: Tensor, input: Tensor, geometry g: Conv2DGeometry,
                                                into weightGradient: inout Tensor) {
        precondition(input.shape.count == 4 && input.shape[1] == g.inputChannels,
                     "conv input \(input.shape) does not have \(g.inputChannels) channels")
        let (height, width) = (input.shape[2], input.shape[3])
        let (batch, outH, outW) = check(outputGradient, geometry: g, inputHeight: height, inputWidth: width)
        precondition(input.shape[0] == batch, "input batch \(input.shape[0]) ≠ gradient batch \(batch)")
        precondition(weightGradient.elementCount == g.outputChannels * g.patchSize,
                     "weight gradient \(weightGradient.shape) does not fit \(g)")
        if Conv2D.usesWinograd && WinogradWeightGradient.applies(to: g, height: height, width: width) {
            outputGradient.storage.withUnsafeBufferPointer { dy in
                input.storage.withUnsafeBufferPointer { x in
                    weightGradient.storage.withUnsafeMutableBufferPointer { dw in
                        WinogradWeightGradient(geometry: g, input: FeatureBlock(x.baseAddress!, batch: batch, channels: g.inputChannels,
                                                                                height: height, width: width))
                            .accumulate(outputGradient: dy.baseAddress!, into: dw.baseAddress!)
                    }
                }
            }
            return
        }
        let pixels = outH * outW
        let outPerGroup = g.outputChannels / g.groups
        let inPerGroup = g.inputChannels / g.groups
        let direct = isDirect(g)
        let weightCount = weightGradient.elementCount
        outputGradient.storage.withUnsafeBufferPointer { dy in
            input.storage.withUnsafeBufferPointer { x in
                weightGradient.storage.withUnsafeMutableBufferPointer { dw in
                    let perImage = UnsafeMutablePointer<Float>.allocate(capacity: batch * weightCount)
                    defer { perImage.deallocate() }
                    // im2col in tiles of whole output rows that stay in cache while the GEMM reads
                    // them; the image's product accumulates over its tiles (beta 1 after the first)
                    let tileRows = tileRowCount(g, outH: outH, outW: outW)
                    let tiled = Conv2D.usesPackedKernel
                        ? TileWeightGradient(input: FeatureBlock(x.baseAddress!, batch: batch, channels: g.inputChannels,
                                                                 height: height, width: width),
                                             geometry: g, outputHeight: outH, outputWidth: outW)
                        : nil
                    if tiled == nil && g.groups == 1 {
                        accumulateByChannelBlocks(dy.baseAddress!, input: x.baseAddress!, geometry: g, batch: batch,
                                                  inputHeight: height, inputWidth: width, outputHeight: outH,
                                                  outputWidth: outW, into: dw.baseAddress!)
                        return
                    }
                    Parallel.distribute(batch) { next in
                        let columns = UnsafeMutablePointer<Float>.allocate(
                            capacity: tiled?.scratchCount ?? (direct ? 1 : g.patchSize * tileRows * outW))
                        defer { columns.deallocate() }
                        while let b = next() {
                            if let tiled {
                                tiled.compute(image: b, outputGradient: dy.baseAddress!, into: perImage + b * weightCount,
                                              scratch: columns)
                                continue
                            }
                            for group in 0..<g.groups {
                                let dyGroup = dy.baseAddress! + (b * g.outputChannels + group * outPerGroup) * pixels
                                let xGroup = x.baseAddress! + (b * g.inputChannels + group * inPerGroup) * height * width
                                let slot = perImage + b * weightCount + group * outPerGroup * g.patchSize
                                if direct {
                                    GEMM.multiply(m: outPerGroup, n: g.patchSize, k: pixels, a: dyGroup,
                                                  b: xGroup, transposeB: true, c: slot)
                                    continue
                                }
                                for firstRow in stride(from: 0, to: outH, by: tileRows) {
                                    let rows = firstRow..<min(outH, firstRow + tileRows)
                                    Im2Col.fill(xGroup, channels: inPerGroup, height: height, width: width, geometry: g,
                                                outputRows: rows, outputWidth: outW, columns: columns)
                                    GEMM.multiply(m: outPerGroup, n: g.patchSize, k: rows.count * outW,
                                                  a: dyGroup + firstRow * outW, lda: pixels,
                                                  b: columns, transposeB: true, c: slot, beta: firstRow == 0 ? 0 : 1)
                                }
                            }
                        }
                    }
                    Parallel.forEach(weightCount, minimumChunk: 4096) { range in
                        for b in 0..<batch {
                            let slot = perImage + b * weightCount
                            for i in range { dw[i] += slot[i] }
                        }
                    }
                }
            }
        }
    }

    /// dW += Σ_b dY_b·cols_bᵀ for groups 1 through sgemm, the workers splitting dW's columns by
    /// input channel instead of splitting the images: each worker adds its channels' products
    /// image after image straight onto dW (sgemm's beta 1), so no per-image copy of dW is written
    /// and summed, and dW's block stays in cache across the images. Every element is summed over
    /// the images in the same order however the channels are split, so the result does not depend
    /// on the thread count.
    private static func accumulateByChannelBlocks(_ dy: UnsafePointer<Float>, input x: UnsafePointer<Float>,
                                                  geometry g: Conv2DGeometry, batch: Int, inputHeight height: Int,
                                                  inputWidth width: Int, outputHeight outH: Int, outputWidth outW: Int,
                                                  into dw: UnsafeMutablePointer<Float>) {
        let pixels = outH * outW
        let taps = g.kernelSize * g.kernelSize
        let direct = isDirect(g)
        let tileRows = tileRowCount(g, outH: outH, outW: outW)
        let splitChannels = direct ? g.outputChannels : g.inputChannels
        let blockCount = min(splitChannels, weightGradientChannelBlocks)
        let channelsPerBlock = (splitChannels + blockCount - 1) / blockCount  // the largest block
        Parallel.distribute(blockCount) { next in
            WorkerScratch.withFloats(direct ? 1 : channelsPerBlock * taps * tileRows * outW) { columns in
                while let block = next() {
                    // shared out as evenly as they go (5 channels as 1 + 1 + 1 + 2)
                    let channels = (block * splitChannels / blockCount)..<((block + 1) * splitChannels / blockCount)
                    let target = dw + channels.lowerBound * taps
                    for b in 0..<batch {
                        let dyImage = dy + b * g.outputChannels * pixels
                        let xImage = x + (b * g.inputChannels + channels.lowerBound) * height * width
                        if direct {
                            // 1×1: the block is of output channels (dW's rows), which sgemm runs faster here
                            GEMM.multiply(m: channels.count, n: g.inputChannels, k: pixels, a: dyImage + channels.lowerBound * pixels,
                                          b: x + b * g.inputChannels * height * width, transposeB: true,
                                          c: dw + channels.lowerBound * g.patchSize, beta: 1)
                            continue
                        }
                        for firstRow in stride(from: 0, to: outH, by: tileRows) {
                            let rows = firstRow..<min(outH, firstRow + tileRows)
                            Im2Col.fill(xImage, channels: channels.count, height: height, width: width, geometry: g,
                                        outputRows: rows, outputWidth: outW, columns: columns)
                            GEMM.multiply(m: g.outputChannels, n: channels.count * taps, k: rows.count * outW,
                                          a: dyImage + firstRow * outW, lda: pixels, b: columns, transposeB: true,
                                          c: target, ldc: g.patchSize, beta: 1)
                        }
                    }
                }
            }
        }
    }

    /// How many channel blocks `accumulateByChannelBlocks` cuts dW into: a constant, not the
    /// worker count, because sgemm's sum for an element can depend on the matrices' sizes
    /// (OpenBLAS's Haswell/Zen kernels: blocks of half the channels for two workers and all of
    /// them for one gave different last bits), so the blocks, and with them every call's shape,
    /// must not depend on the thread count.
    static let weightGradientChannelBlocks = 4

    /// Output rows per im2col / col2im tile: about `Conv2D.tileBytes` of columns (at least 256
    /// columns, so the GEMMs stay efficient); all rows for 1×1 convolutions, which need none.
    static func tileRowCount(_ g: Conv2DGeometry, outH: Int, outW: Int) -> Int {
        if isDirect(g) { return outH }
        return max(1, min(outH, max(256, Conv2D.tileBytes / 4 / g.patchSize) / max(outW, 1)))
    }

    /// db[o] += Σ_b Σ_pixels dY[b, o, ·, ·] (summed in Float64 per channel, one channel per task).
    public static func accumulateBiasGradient(_ outputGradient: Tensor, into biasGradient: inout Tensor) {
        precondition(outputGradient.shape.count == 4, "bias gradient needs an NCHW gradient, got \(outputGradient.shape)")
        let (batch, channels) = (outputGradient.shape[0], outputGradient.shape[1])
        let pixels = outputGradient.shape[2] * outputGradient.shape[3]
        precondition(biasGradient.elementCount == channels, "bias gradient \(biasGradient.shape) for \(channels) channels")
        outputGradient.storage.withUnsafeBufferPointer { dy in
            biasGradient.storage.withUnsafeMutableBufferPointer { db in
                Parallel.forEach(channels, minimumChunk: max(1, 16_384 / max(batch * pixels, 1))) { range in
                    for c in range {
                        var sum = 0.0
                        for b in 0..<batch {
                            let plane = dy.baseAddress! + (b * channels + c) * pixels
                            sum += PlaneSums.sum(plane, count: pixels)
                        }
                        db[c] += Float(sum)
                    }
                }
            }
        }
    }

    private static func check(_ dy: Tensor, geometry g: Conv2DGeometry, inputHeight: Int, inputWidth: Int)
        -> (batch: Int, outH: Int, outW: Int) {
        precondition(dy.shape.count == 4 && dy.shape[1] == g.outputChannels,
                     "output gradient \(dy.shape) does not have \(g.outputChannels) channels")
        precondition(dy.shape[2] == g.outputSize(inputHeight) && dy.shape[3] == g.outputSize(inputWidth),
                     "output gradient \(dy.shape) does not match a \(inputHeight)×\(inputWidth) input under \(g)")
        return (dy.shape[0], dy.shape[2], dy.shape[3])
    }
}

/// The input gradient of a stride-1 convolution is itself a stride-1 convolution: of dY with
/// the kernel turned 180° and its input and output channels swapped, padded by k − 1 − p. It
/// then runs on the packed convolution kernel (no columns matrix and no col2im).
struct TransposedConvolution {
    let original: Conv2DGeometry
    let geometry: Conv2DGeometry

    init?(_ g: Conv2DGeometry) {
        guard g.stride == 1, g.groups == 1, g.dilation == 1, g.padding <= g.kernelSize - 1 else { return nil }
        original = g
        geometry = Conv2DGeometry(inputChannels: g.outputChannels, outputChannels: g.inputChannels, kernelSize: g.kernelSize,
                                  stride: 1, padding: g.kernelSize - 1 - g.padding)
    }

    /// w'[c, o, ky, kx] = w[o, c, k − 1 − ky, k − 1 − kx].
    func weight(_ weight: Tensor) -> Tensor {
        let (outputs, inputs, k) = (original.outputChannels, original.inputChannels, original.kernelSize)
        let taps = k * k
        var values = [Float](repeating: 0, count: weight.elementCount)
        weight.storage.withUnsafeBufferPointer { source in
            values.withUnsafeMutableBufferPointer { target in
                // by target rows, shared across cores (done at every training step)
                Parallel.forEach(inputs, minimumChunk: max(1, 16_384 / max(1, outputs * taps))) { channels in
                    for c in channels {
                        for o in 0..<outputs {
                            let from = source.baseAddress! + (o * inputs + c) * taps
                            let to = target.baseAddress! + (c * outputs + o) * taps
                            for tap in 0..<taps { to[taps - 1 - tap] = from[tap] }
                        }
                    }
                }
            }
        }
        return Tensor(shape: [inputs, outputs, k, k], values: values)
    }
}
