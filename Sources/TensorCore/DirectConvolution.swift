/// 3×3, stride-1, padding-1 convolutions with few channels computed directly, without im2col:
/// eight output channels × eight output pixels of a row are held in registers while every input
/// channel and tap adds its contribution (an unaligned load of eight pixels and eight fused
/// multiply-adds). Layers such as YOLOv5's first convolution (12 → 16 channels after the phase
/// split) and the first bottleneck (16 → 16) are too thin for an efficient GEMM: im2col and
/// sgemm's packing move more memory than the arithmetic needs. The input is first copied into
/// zero-bordered planes so no tap needs a bounds check.
enum DirectConvolution {
    /// Output channels computed together (one SIMD8 accumulator each).
    static let channelBlock = 8

    /// Shapes this kernel takes: the decision depends on the geometry and the row width only.
    /// (Measured on yolov5n at 640: faster than im2col + sgemm for 12 → 16 and 16 → 16 channels,
    /// no faster for 32 → 32, and slower when the machine is loaded.)
    static func applies(to g: Conv2DGeometry, width: Int) -> Bool {
        g.kernelSize == 3 && g.stride == 1 && g.padding == 1 && g.dilation == 1 && g.groups == 1
            && g.outputChannels % channelBlock == 0 && g.inputChannels <= 16 && g.outputChannels <= 32 && width >= 8
    }

    /// y = f(conv(x) + bias) for `input` [batch, C, H, W], written to `output` ([batch, O, H, W]
    /// with images `outputImageStride` apart), or added onto it when `epilogue.addsToOutput`.
    static func run(input: FeatureBlock, weight w: UnsafePointer<Float>, geometry g: Conv2DGeometry,
                    output y: UnsafeMutablePointer<Float>, outputImageStride: Int, epilogue: Epilogue) {
        let (batch, channels, height, width) = (input.batch, input.channels, input.height, input.width)
        let (paddedHeight, paddedWidth) = (height + 2, width + 2)
        let paddedPlane = paddedHeight * paddedWidth
        let padded = UnsafeMutablePointer<Float>.allocate(capacity: batch * channels * paddedPlane)
        defer { padded.deallocate() }
        Parallel.forEach(batch * channels, minimumChunk: max(1, 16_384 / paddedPlane)) { planes in
            for plane in planes {
                let (b, c) = (plane / channels, plane % channels)
                let source = input.base + b * input.imageStride + c * height * width
                let target = padded + plane * paddedPlane
                target.update(repeating: 0, count: paddedWidth)
                for row in 0..<height {
                    let line = target + (row + 1) * paddedWidth
                    line[0] = 0
                    (line + 1).update(from: source + row * width, count: width)
                    line[width + 1] = 0
                }
                (target + (height + 1) * paddedWidth).update(repeating: 0, count: paddedWidth)
            }
        }
        // weights as [block][input channel][tap][8 output channels], so each tap's eight
        // multipliers are contiguous
        let blocks = g.outputChannels / channelBlock
        let taps = 9
        var packed = [Float](repeating: 0, count: g.outputChannels * channels * taps)
        for o in 0..<g.outputChannels {
            let (block, lane) = (o / channelBlock, o % channelBlock)
            for c in 0..<channels {
                for t in 0..<taps {
                    packed[((block * channels + c) * taps + t) * channelBlock + lane] = w[(o * channels + c) * taps + t]
                }
            }
        }
        let bias = epilogue.bias
        let rowsPerTask = max(1, min(height, 4096 / width))
        let bands = (height + rowsPerTask - 1) / rowsPerTask
        packed.withUnsafeBufferPointer { weights in
            Parallel.distribute(batch * blocks * bands) { next in
                // one band's outputs for the block's eight channels, computed aside when the result
                // is to be added onto the output
                let aside = UnsafeMutablePointer<Float>.allocate(capacity: channelBlock * rowsPerTask * width)
                defer { aside.deallocate() }
                while let task = next() {
                    let (b, rest) = (task / (blocks * bands), task % (blocks * bands))
                    let (block, band) = (rest / bands, rest % bands)
                    let rows = (band * rowsPerTask)..<min(height, (band + 1) * rowsPerTask)
                    let channelRange = (block * channelBlock)..<((block + 1) * channelBlock)
                    let destination = y + b * outputImageStride + (block * channelBlock * height + rows.lowerBound) * width
                    let (block0, stride) = epilogue.addsToOutput ? (aside, rows.count * width) : (destination, height * width)
                    var initial = [Float](repeating: 0, count: channelBlock)
                    if let bias { for lane in 0..<channelBlock { initial[lane] = bias[channelRange.lowerBound + lane] } }
                    let blockWeights = weights.baseAddress! + block * channels * taps * channelBlock
                    let image = padded + b * channels * paddedPlane
                    for row in rows {
                        var x = 0
                        while x < width {
                            let x0 = min(x, width - 8)  // the last group overlaps the one before: same values
                            var acc0 = SIMD8<Float>(repeating: initial[0]), acc1 = SIMD8<Float>(repeating: initial[1])
                            var acc2 = SIMD8<Float>(repeating: initial[2]), acc3 = SIMD8<Float>(repeating: initial[3])
                            var acc4 = SIMD8<Float>(repeating: initial[4]), acc5 = SIMD8<Float>(repeating: initial[5])
                            var acc6 = SIMD8<Float>(repeating: initial[6]), acc7 = SIMD8<Float>(repeating: initial[7])
                            for c in 0..<channels {
                                let plane = image + c * paddedPlane + row * paddedWidth + x0
                                let tapWeights = blockWeights + c * taps * channelBlock
                                for ky in 0..<3 {
                                    for kx in 0..<3 {
                                        let v = UnsafeRawPointer(plane + ky * paddedWidth + kx).loadUnaligned(as: SIMD8<Float>.self)
                                        let m = tapWeights + (ky * 3 + kx) * channelBlock
                                        acc0.addProduct(v, SIMD8(repeating: m[0]))
                                        acc1.addProduct(v, SIMD8(repeating: m[1]))
                                        acc2.addProduct(v, SIMD8(repeating: m[2]))
                                        acc3.addProduct(v, SIMD8(repeating: m[3]))
                                        acc4.addProduct(v, SIMD8(repeating: m[4]))
                                        acc5.addProduct(v, SIMD8(repeating: m[5]))
                                        acc6.addProduct(v, SIMD8(repeating: m[6]))
                                        acc7.addProduct(v, SIMD8(repeating: m[7]))
                                    }
                                }
                            }
                            let at = UnsafeMutableRawPointer(block0 + (row - rows.lowerBound) * width + x0)
                            let laneBytes = stride * MemoryLayout<Float>.stride
                            at.storeBytes(of: acc0, as: SIMD8<Float>.self)
                            (at + laneBytes).storeBytes(of: acc1, as: SIMD8<Float>.self)
                            (at + 2 * laneBytes).storeBytes(of: acc2, as: SIMD8<Float>.self)
                            (at + 3 * laneBytes).storeBytes(of: acc3, as: SIMD8<Float>.self)
                            (at + 4 * laneBytes).storeBytes(of: acc4, as: SIMD8<Float>.self)
                            (at + 5 * laneBytes).storeBytes(of: acc5, as: SIMD8<Float>.self)
                            (at + 6 * laneBytes).storeBytes(of: acc6, as: SIMD8<Float>.self)
                            (at + 7 * laneBytes).storeBytes(of: acc7, as: SIMD8<Float>.self)
                            x = x0 + 8
                        }
                    }
                    let count = rows.count * width
                    epilogue.finish(block0, rows: 0..<channelBlock, stride: stride, count: count,
                                    destination: destination, rowStride: height * width)
                }
            }
        }
    }
}
