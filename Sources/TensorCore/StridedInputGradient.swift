/// dX of a strided convolution (groups 1, dilation 1) on the packed micro-kernel. With stride
/// s and padding p, dX's pixel (s·i + py, s·j + px), phase (py, px), receives W[o, c, ky, kx]·
/// dY[o, i + dy, j + dx] for exactly the taps with ky ≡ py + p (mod s), dy = (py + p − ky)/s
/// (and likewise in x): each phase is a small stride-1 convolution of dY, and all of them read
/// dY's rows, zero-bordered by `reach`, at offsets within ±reach. Each tile of dY's layout
/// goes through the s² phase products in turn, and their outputs are interleaved into dX's
/// pixels while in cache: no columns matrix, no col2im, and no multiply by a tap that does not
/// reach the pixel.
struct StridedInputGradient {
    let geometry: Conv2DGeometry
    let inputHeight: Int, inputWidth: Int
    /// How far (in dY pixels) a phase's taps reach from the pixel's own position.
    let reach: Int
    /// Per phase (py, px), in order py·s + px: its taps as (k, d) in y and in x.
    let phaseTaps: [(y: [(kernel: Int, shift: Int)], x: [(kernel: Int, shift: Int)])]

    /// Nil unless the convolution is strided, groups 1, dilation 1, every phase has a tap (the
    /// kernel is at least the stride), the input's sides are multiples of the stride that the
    /// output covers (as every stride-2 layer of a YOLOv5 network at a multiple of 32), and dY
    /// is at least 16·reach wide.
    init?(_ g: Conv2DGeometry, inputHeight: Int, inputWidth: Int) {
        let (k, s, p) = (g.kernelSize, g.stride, g.padding)
        guard s > 1, k >= s, g.groups == 1, g.dilation == 1, inputHeight % s == 0, inputWidth % s == 0,
              inputHeight / s <= g.outputSize(inputHeight), inputWidth / s <= g.outputSize(inputWidth) else { return nil }
        geometry = g
        self.inputHeight = inputHeight
        self.inputWidth = inputWidth
        // taps of phase q: ky with (q + p − ky) divisible by s, reading dY shifted by (q + p − ky)/s
        let taps = (0..<s).map { q in
            (0..<k).filter { ((q + p - $0) % s + s) % s == 0 }.map { (kernel: $0, shift: (q + p - $0) / s) }
        }
        reach = taps.joined().map { abs($0.shift) }.max() ?? 0
        // narrow gradients spend too much on the layout's border columns and per-tile work
        // (yolov5n at 320, batch 16: slower than sgemm + col2im on 10-pixel-wide ones, faster
        // from 20)
        guard g.outputSize(inputWidth) >= 16 * max(reach, 1) else { return nil }
        phaseTaps = (0..<(s * s)).map { (y: taps[$0 / s], x: taps[$0 % s]) }
    }

    /// dX [B, C, H, W] for dY = `outputGradient` [B, O, outH, outW].
    func compute(_ outputGradient: Tensor, weight: Tensor) -> Tensor {
        let g = geometry
        let (batch, outH, outW) = (outputGradient.shape[0], outputGradient.shape[2], outputGradient.shape[3])
        let (s, channels) = (g.stride, g.inputChannels)
        let (height, width) = (inputHeight, inputWidth)
        // a stride-1 layout of dY, bordered by `reach`, whose positions are (i, j) over dY's rows
        let layoutGeometry = Conv2DGeometry(inputChannels: g.outputChannels, outputChannels: channels,
                                            kernelSize: 2 * reach + 1, stride: 1, padding: reach)
        let passes = phaseTaps.map { phase in
            PackedConvolution.Pass(weights: phaseWeights(weight, phase),
                                   taps: (0..<g.outputChannels).flatMap { o in
                                       phase.y.flatMap { y in phase.x.map { x in
                                           (channel: o, row: y.shift + reach, column: x.shift + reach)
                                       } }
                                   })
        }
        var dx = Tensor(uninitializedShape: [batch, channels, height, width])
        let rowLength = outW + 2 * reach
        let (phaseRows, phaseColumns) = (height / s, width / s)
        outputGradient.storage.withUnsafeBufferPointer { dy in
            dx.storage.withUnsafeMutableBufferPointer { dxBuffer in
                let dxBase = dxBuffer.baseAddress!
                let input = FeatureBlock(dy.baseAddress!, batch: batch, channels: g.outputChannels, height: outH, width: outW)
                PackedConvolution.run(input: input, passes: passes, geometry: layoutGeometry, output: nil, outputImageStride: 0,
                                      epilogue: Epilogue(bias: nil, activation: .identity, addsToOutput: false)) {
                    image, positions, tile, tileStride, passStride in
                    // runs of positions inside one row of dY's layout, and inside dX's phase grid
                    forEachRowRun(positions, rowLength: rowLength) { i, j, offset, run in
                        let count = min(run, phaseColumns - j)
                        guard i < phaseRows && count > 0 else { return }
                        for c in 0..<channels {
                            for py in 0..<s {
                                let row = dxBase + ((image * channels + c) * height + s * i + py) * width + s * j
                                let phases = tile + py * s * passStride + c * tileStride + offset
                                Self.interleave(phases, phaseStride: passStride, count: s, length: count, into: row)
                            }
                        }
                    }
                }
            }
        }
        return dx
    }

    /// row[s·j + q] = phases[q·phaseStride + j] for q < s, j < length.
    @inline(__always)
    static func interleave(_ phases: UnsafePointer<Float>, phaseStride: Int, count s: Int, length: Int,
                           into row: UnsafeMutablePointer<Float>) {
        var j = 0
        if s == 2 {
            let odd = phases + phaseStride
            while j + 4 <= length {
                let a = UnsafeRawPointer(phases + j).loadUnaligned(as: SIMD4<Float>.self)
                let b = UnsafeRawPointer(odd + j).loadUnaligned(as: SIMD4<Float>.self)
                let pairs = SIMD8<Float>(a[0], b[0], a[1], b[1], a[2], b[2], a[3], b[3])
                UnsafeMutableRawPointer(row + 2 * j).storeBytes(of: pairs, as: SIMD8<Float>.self)
                j += 4
            }
        }
        while j < length {
            for q in 0..<s { row[s * j + q] = phases[q * phaseStride + j] }
            j += 1
        }
    }

    /// The phase's product weights [C, O·|y taps|·|x taps|]: W[o, c, ky, kx] at k = (o, ty, tx).
    private func phaseWeights(_ weight: Tensor, _ phase: (y: [(kernel: Int, shift: Int)], x: [(kernel: Int, shift: Int)])) -> PackedConvolutionWeights {
        let g = geometry
        let (outputs, inputs, k) = (g.outputChannels, g.inputChannels, g.kernelSize)
        let depth = outputs * phase.y.count * phase.x.count
        var values = [Float](repeating: 0, count: inputs * depth)
        weight.storage.withUnsafeBufferPointer { w in
            values.withUnsafeMutableBufferPointer { target in
                for c in 0..<inputs {
                    var index = c * depth
                    for o in 0..<outputs {
                        let kernel = w.baseAddress! + (o * inputs + c) * k * k
                        for y in phase.y {
                            for x in phase.x {
                                target[index] = kernel[y.kernel * k + x.kernel]
                                index += 1
                            }
                        }
                    }
                }
            }
        }
        return PackedConvolutionWeights(Tensor(shape: [inputs, depth, 1, 1], values: values),
                                        geometry: Conv2DGeometry(inputChannels: depth, outputChannels: inputs, kernelSize: 1))
    }
}
