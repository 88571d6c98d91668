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

/// Convolution forward: im2col + `cblas_sgemm` per image and group, 1×1 convolutions as a
/// plain GEMM, with bias and activation applied while each output plane is still in cache.
public enum Conv2D {
    /// Target size of one im2col tile (tests lower it to exercise the tiling on small shapes).
    nonisolated(unsafe) public static var tileBytes = 2 * 1024 * 1024

    public static func forward(_ input: Tensor, weight: Tensor, bias: Tensor?, geometry g: Conv2DGeometry,
                               activation: ActivationFunction = .identity) -> Tensor {
        if let phases = PhaseDecomposition(geometry: g, inputShape: input.shape) {
            return forward(phases.splitInput(input), weight: phases.rearrangeWeight(weight), bias: bias,
                           geometry: phases.geometry, activation: activation)
        }
        precondition(input.shape.count == 4 && input.shape[1] == g.inputChannels,
                     "conv input \(input.shape) does not have \(g.inputChannels) channels")
        let (batch, height, width) = (input.shape[0], input.shape[2], input.shape[3])
        let (outH, outW) = (g.outputSize(height), g.outputSize(width))
        let pixels = outH * outW
        var output = Tensor(uninitializedShape: [batch, g.outputChannels, outH, outW])
        let outPerGroup = g.outputChannels / g.groups
        let inPerGroup = g.inputChannels / g.groups
        // im2col tile: whole output rows, about `tileBytes` of columns, so they are still in cache
        // when the GEMM reads them (at least 256 columns, to keep the GEMM efficient)
        let tileRows = max(1, min(outH, max(256, tileBytes / 4 / max(g.patchSize, 1)) / max(outW, 1)))
        let columnCount = g.isPointwise ? 0 : g.patchSize * tileRows * outW

        input.storage.withUnsafeBufferPointer { x in
            weight.storage.withUnsafeBufferPointer { w in
                output.storage.withUnsafeMutableBufferPointer { y in
                    Scratch.shared.withBuffer(count: columnCount) { cols in
                        for b in 0..<batch {
                            for group in 0..<g.groups {
                                let xGroup = x.baseAddress! + (b * g.inputChannels + group * inPerGroup) * height * width
                                let yGroup = y.baseAddress! + (b * g.outputChannels + group * outPerGroup) * pixels
                                let wGroup = w.baseAddress! + group * outPerGroup * g.patchSize
                                if g.isPointwise {
                                    GEMM.multiply(m: outPerGroup, n: pixels, k: g.patchSize, a: wGroup, b: xGroup, c: yGroup)
                                    continue
                                }
                                for firstRow in stride(from: 0, to: outH, by: tileRows) {
                                    let rows = firstRow..<min(outH, firstRow + tileRows)
                                    Im2Col.fill(UnsafePointer(xGroup), channels: inPerGroup, height: height, width: width,
                                                geometry: g, outputRows: rows, outputWidth: outW, columns: cols.baseAddress!)
                                    GEMM.multiply(m: outPerGroup, n: rows.count * outW, k: g.patchSize, a: wGroup,
                                                  b: cols.baseAddress!, c: yGroup + firstRow * outW, ldc: pixels)
                                }
                            }
                        }
                    }
                    applyBiasAndActivation(y, channels: g.outputChannels, batch: batch, pixels: pixels,
                                           bias: bias, activation: activation)
                }
            }
        }
        return output
    }

    /// Adds the per-channel bias and applies the activation, one (image, channel) plane per task.
    static func applyBiasAndActivation(_ y: UnsafeMutableBufferPointer<Float>, channels: Int, batch: Int, pixels: Int,
                                       bias: Tensor?, activation: ActivationFunction) {
        if bias == nil && activation == .identity { return }
        let biasValues = bias?.storage
        Parallel.forEach(batch * channels, minimumChunk: max(1, 16_384 / max(pixels, 1))) { planes in
            for planeIndex in planes {
                let plane = UnsafeMutableBufferPointer(rebasing: y[(planeIndex * pixels)..<((planeIndex + 1) * pixels)])
                if let biasValues {
                    let channelBias = biasValues[planeIndex % channels]
                    for i in plane.indices { plane[i] += channelBias }
                }
                activation.apply(plane)
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
