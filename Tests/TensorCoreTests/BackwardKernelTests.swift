import XCTest
@testable import TensorCore

/// Backward kernels against central finite differences of L = Σ r ⊙ f(x) (fixed random r),
/// the differences taken on Float64 re-implementations of the forward passes written here, so
/// their error (≈1e-9) is far below the float32 kernels' rounding.
final class BackwardKernelTests: XCTestCase {

    // MARK: - Float64 references and helpers

    private func doubles(_ values: [Float]) -> [Double] { values.map(Double.init) }

    private func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

    /// ∂L/∂v by central differences, L evaluated in Float64.
    private func numericalGradient(_ at: [Double], step h: Double, _ loss: ([Double]) -> Double) -> [Double] {
        var point = at
        var gradient = [Double](repeating: 0, count: at.count)
        for i in at.indices {
            let v = point[i]
            point[i] = v + h
            let plus = loss(point)
            point[i] = v - h
            let minus = loss(point)
            point[i] = v
            gradient[i] = (plus - minus) / (2 * h)
        }
        return gradient
    }

    /// |actual − expected| ≤ tolerance · (1 + |expected|) elementwise.
    private func assertClose(_ actual: [Float], _ expected: [Double], tolerance: Double, _ message: String,
                             file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(actual.count, expected.count, message, file: file, line: line)
        var worst = 0.0, worstIndex = -1
        for (i, (a, e)) in zip(actual, expected).enumerated() {
            let excess = abs(Double(a) - e) / (1 + abs(e))
            if excess.isNaN { worst = .nan; worstIndex = i; break }
            if excess > worst { worst = excess; worstIndex = i }
        }
        XCTAssertLessThanOrEqual(worst, tolerance,
                                 "\(message): worst at \(worstIndex): \(worstIndex >= 0 ? actual[worstIndex] : 0) vs \(worstIndex >= 0 ? expected[worstIndex] : 0)",
                                 file: file, line: line)
    }

    /// Training-mode batch norm: batch mean and biased variance per channel.
    private func batchNorm64(_ x: [Double], shape: [Int], gamma: [Double], beta: [Double], epsilon: Double) -> [Double] {
        let (batch, channels, pixels) = (shape[0], shape[1], shape[2] * shape[3])
        let n = Double(batch * pixels)
        var y = x
        for c in 0..<channels {
            var mean = 0.0
            for b in 0..<batch { for i in 0..<pixels { mean += x[(b * channels + c) * pixels + i] } }
            mean /= n
            var variance = 0.0
            for b in 0..<batch { for i in 0..<pixels { let d = x[(b * channels + c) * pixels + i] - mean; variance += d * d } }
            variance /= n
            for b in 0..<batch {
                for i in 0..<pixels {
                    let j = (b * channels + c) * pixels + i
                    y[j] = (x[j] - mean) / (variance + epsilon).squareRoot() * gamma[c] + beta[c]
                }
            }
        }
        return y
    }

    private func activation64(_ x: Double, _ f: ActivationFunction) -> Double {
        switch f {
        case .identity: return x
        case .silu: return x / (1 + exp(-x))
        case .leakyReLU(let slope): return x > 0 ? x : x * Double(slope)
        case .relu: return max(x, 0)
        case .hardswish: return x * min(max(x + 3, 0), 6) / 6
        case .sigmoid: return 1 / (1 + exp(-x))
        }
    }

    private func maxPool64(_ x: [Double], shape: [Int], k: Int, s: Int, p: Int) -> [Double] {
        let (planes, height, width) = (shape[0] * shape[1], shape[2], shape[3])
        let outH = (height + 2 * p - k) / s + 1, outW = (width + 2 * p - k) / s + 1
        var y = [Double]()
        for plane in 0..<planes {
            for oy in 0..<outH {
                for ox in 0..<outW {
                    var best = -Double.infinity
                    for iy in max(0, oy * s - p)..<min(height, oy * s - p + k) {
                        for ix in max(0, ox * s - p)..<min(width, ox * s - p + k) {
                            best = max(best, x[(plane * height + iy) * width + ix])
                        }
                    }
                    y.append(best)
                }
            }
        }
        return y
    }

    private func upsample64(_ x: [Double], shape: [Int], factor f: Int) -> [Double] {
        let (planes, height, width) = (shape[0] * shape[1], shape[2], shape[3])
        var y = [Double]()
        for plane in 0..<planes {
            for oy in 0..<(height * f) {
                for ox in 0..<(width * f) { y.append(x[(plane * height + oy / f) * width + ox / f]) }
            }
        }
        return y
    }

    private static let convolutionCases: [Conv2DGeometry] = [
        Conv2DGeometry(inputChannels: 3, outputChannels: 4, kernelSize: 3, stride: 1, padding: 1),
        Conv2DGeometry(inputChannels: 4, outputChannels: 6, kernelSize: 3, stride: 2, padding: 1, groups: 2),
        Conv2DGeometry(inputChannels: 2, outputChannels: 3, kernelSize: 3, stride: 1, padding: 2, dilation: 2),
        Conv2DGeometry(inputChannels: 4, outputChannels: 4, kernelSize: 2, stride: 2, padding: 1, dilation: 2, groups: 2),
        Conv2DGeometry(inputChannels: 4, outputChannels: 5, kernelSize: 1),
        Conv2DGeometry(inputChannels: 4, outputChannels: 6, kernelSize: 1, groups: 2),
        Conv2DGeometry(inputChannels: 3, outputChannels: 2, kernelSize: 1, stride: 2),
        Conv2DGeometry(inputChannels: 6, outputChannels: 6, kernelSize: 3, stride: 1, padding: 1, groups: 6),
        Conv2DGeometry(inputChannels: 3, outputChannels: 4, kernelSize: 6, stride: 2, padding: 2),
        Conv2DGeometry(inputChannels: 2, outputChannels: 2, kernelSize: 3, stride: 3, padding: 0),
        // stride 1: the input gradient is the transposed convolution on the packed kernel
        Conv2DGeometry(inputChannels: 3, outputChannels: 5, kernelSize: 3, stride: 1, padding: 0),
        Conv2DGeometry(inputChannels: 2, outputChannels: 3, kernelSize: 3, stride: 1, padding: 2),
        Conv2DGeometry(inputChannels: 2, outputChannels: 6, kernelSize: 5, stride: 1, padding: 2),
    ]

    // MARK: - Convolution

    func testCol2ImIsTheAdjointOfIm2Col() {
        for (n, g) in Self.convolutionCases.enumerated() {
            let (channels, height, width) = (g.inputChannels / g.groups, 7, 6)
            let (outH, outW) = (g.outputSize(height), g.outputSize(width))
            let x = testValues(channels * height * width, seed: UInt64(10 + n))
            let c = testValues(g.patchSize * outH * outW, seed: UInt64(20 + n))
            var columns = [Float](repeating: .nan, count: c.count)
            var image = [Float](repeating: 0, count: x.count)
            x.withUnsafeBufferPointer { xp in
                columns.withUnsafeMutableBufferPointer { cp in
                    Im2Col.fill(xp.baseAddress!, channels: channels, height: height, width: width, geometry: g,
                                outputHeight: outH, outputWidth: outW, columns: cp.baseAddress!)
                }
            }
            c.withUnsafeBufferPointer { cp in
                image.withUnsafeMutableBufferPointer { ip in
                    Col2Im.accumulate(cp.baseAddress!, channels: channels, height: height, width: width, geometry: g,
                                      outputHeight: outH, outputWidth: outW, into: ip.baseAddress!)
                }
            }
            // ⟨im2col(x), c⟩ = ⟨x, col2im(c)⟩
            let lhs = dot(doubles(columns), doubles(c)), rhs = dot(doubles(x), doubles(image))
            XCTAssertEqual(lhs, rhs, accuracy: 1e-4 * max(1, abs(lhs)), "case \(n) \(g)")
        }
    }

    func testConvolutionGradientsMatchFiniteDifferences() {
        let (batch, height, width) = (2, 7, 6)
        for (n, g) in Self.convolutionCases.enumerated() {
            let (outH, outW) = (g.outputSize(height), g.outputSize(width))
            let xValues = testValues(batch * g.inputChannels * height * width, seed: UInt64(30 + n))
            let wValues = testValues(g.outputChannels * g.patchSize, seed: UInt64(40 + n))
            let bValues = testValues(g.outputChannels, seed: UInt64(50 + n))
            let r = testValues(batch * g.outputChannels * outH * outW, seed: UInt64(60 + n))
            let (x64, w64, b64, r64) = (doubles(xValues), doubles(wValues), doubles(bValues), doubles(r))
            let dy = Tensor(shape: [batch, g.outputChannels, outH, outW], values: r)
            let x = Tensor(shape: [batch, g.inputChannels, height, width], values: xValues)
            let w = Tensor(shape: [g.outputChannels, g.inputChannels / g.groups, g.kernelSize, g.kernelSize], values: wValues)

            let dx = Conv2DBackward.inputGradient(dy, weight: w, geometry: g, inputHeight: height, inputWidth: width)
            XCTAssertEqual(dx.shape, x.shape)
            var dw = Tensor(shape: w.shape)
            Conv2DBackward.accumulateWeightGradient(dy, input: x, geometry: g, into: &dw)
            var db = Tensor(shape: [g.outputChannels])
            Conv2DBackward.accumulateBiasGradient(dy, into: &db)

            let fdX = numericalGradient(x64, step: 1e-3) {
                dot(r64, convolution64($0, batch: batch, height: height, width: width, w64, b64, g))
            }
            let fdW = numericalGradient(w64, step: 1e-3) {
                dot(r64, convolution64(x64, batch: batch, height: height, width: width, $0, b64, g))
            }
            let fdB = numericalGradient(b64, step: 1e-3) {
                dot(r64, convolution64(x64, batch: batch, height: height, width: width, w64, $0, g))
            }
            assertClose(dx.storage, fdX, tolerance: 2e-5, "dX case \(n) \(g)")
            assertClose(dw.storage, fdW, tolerance: 2e-5, "dW case \(n) \(g)")
            assertClose(db.storage, fdB, tolerance: 2e-5, "db case \(n) \(g)")
        }
    }

    /// The input and weight gradients computed in tiles of a few output rows (im2col and col2im
    /// per tile, partial products accumulated) equal the whole-image computation.
    func testConvolutionGradientsAreTheSameInTiles() {
        let saved = (Conv2D.tileBytes, Conv2D.usesPackedKernel)
        defer { (Conv2D.tileBytes, Conv2D.usesPackedKernel) = saved }
        Conv2D.usesPackedKernel = false  // stride 1 would take the transposed convolution
        let (batch, height, width) = (2, 40, 36)
        for (n, g) in [Conv2DGeometry(inputChannels: 3, outputChannels: 4, kernelSize: 3, stride: 1, padding: 1),
                       Conv2DGeometry(inputChannels: 4, outputChannels: 6, kernelSize: 3, stride: 2, padding: 1, groups: 2)].enumerated() {
            let (outH, outW) = (g.outputSize(height), g.outputSize(width))
            let x = Tensor(shape: [batch, g.inputChannels, height, width],
                           values: testValues(batch * g.inputChannels * height * width, seed: UInt64(80 + n)))
            let w = Tensor(shape: [g.outputChannels, g.inputChannels / g.groups, g.kernelSize, g.kernelSize],
                           values: testValues(g.outputChannels * g.patchSize, seed: UInt64(90 + n)))
            let dy = Tensor(shape: [batch, g.outputChannels, outH, outW],
                            values: testValues(batch * g.outputChannels * outH * outW, seed: UInt64(100 + n)))
            func gradients() -> (dx: [Float], dw: [Float]) {
                let dx = Conv2DBackward.inputGradient(dy, weight: w, geometry: g, inputHeight: height, inputWidth: width)
                var dw = Tensor(shape: w.shape)
                Conv2DBackward.accumulateWeightGradient(dy, input: x, geometry: g, into: &dw)
                return (dx.storage, dw.storage)
            }
            Conv2D.tileBytes = 1 << 30
            XCTAssertEqual(Conv2DBackward.tileRowCount(g, outH: outH, outW: outW), outH)
            let whole = gradients()
            Conv2D.tileBytes = 4  // floors at 256 columns: a few rows per tile, a partial last one
            XCTAssertLessThan(Conv2DBackward.tileRowCount(g, outH: outH, outW: outW), outH)
            let tiled = gradients()
            assertClose(tiled.dx, whole.dx.map(Double.init), tolerance: 1e-5, "dX case \(n)")
            assertClose(tiled.dw, whole.dw.map(Double.init), tolerance: 1e-5, "dW case \(n)")
        }
    }

    /// Test weights of an ungrouped convolution and an output gradient for `batch` images.
    private func weightAndOutputGradient(_ g: Conv2DGeometry, batch: Int, height: Int, width: Int,
                                         seeds: (Int, Int)) -> (weight: Tensor, outputGradient: Tensor) {
        let (outH, outW) = (g.outputSize(height), g.outputSize(width))
        return (Tensor(shape: [g.outputChannels, g.inputChannels, g.kernelSize, g.kernelSize],
                       values: testValues(g.outputChannels * g.patchSize, seed: UInt64(seeds.0))),
                Tensor(shape: [batch, g.outputChannels, outH, outW],
                       values: testValues(batch * g.outputChannels * outH * outW, seed: UInt64(seeds.1))))
    }

    /// The transposed convolution (stride 1 on the packed kernel) gives the input gradient that
    /// im2col's adjoint (GEMM then col2im) gives.
    func testTransposedConvolutionEqualsCol2ImInputGradient() {
        let saved = Conv2D.usesPackedKernel
        defer { Conv2D.usesPackedKernel = saved }
        let (batch, height, width) = (2, 11, 30)
        for (n, g) in [Conv2DGeometry(inputChannels: 5, outputChannels: 7, kernelSize: 3, stride: 1, padding: 1),
                       Conv2DGeometry(inputChannels: 6, outputChannels: 4, kernelSize: 1),
                       Conv2DGeometry(inputChannels: 3, outputChannels: 6, kernelSize: 3, stride: 1, padding: 0)].enumerated() {
            XCTAssertNotNil(TransposedConvolution(g))
            let (w, dy) = weightAndOutputGradient(g, batch: batch, height: height, width: width, seeds: (110 + n, 120 + n))
            Conv2D.usesPackedKernel = true
            let transposed = Conv2DBackward.inputGradient(dy, weight: w, geometry: g, inputHeight: height, inputWidth: width)
            Conv2D.usesPackedKernel = false
            let col2im = Conv2DBackward.inputGradient(dy, weight: w, geometry: g, inputHeight: height, inputWidth: width)
            XCTAssertEqual(transposed.shape, col2im.shape)
            assertClose(transposed.storage, col2im.storage.map(Double.init), tolerance: 1e-5, "case \(n)")
        }
        XCTAssertNil(TransposedConvolution(Conv2DGeometry(inputChannels: 2, outputChannels: 2, kernelSize: 3, stride: 2, padding: 1)))
    }

    /// Strided convolutions' input gradient as s² phase products on the packed kernel equals
    /// im2col's adjoint (GEMM then col2im): YOLOv5's 3×3 stride 2, and kernels with other
    /// reaches (4×4, 5×5 padded 2, 3×3 unpadded, 2×2 and 3×3 at stride 3), partial channel
    /// blocks, rows longer and shorter than a tile, and tiles of a few rows.
    func testStridedInputGradientEqualsCol2Im() {
        let saved = (Conv2D.usesPackedKernel, PackedConvolution.panelBytes)
        defer { (Conv2D.usesPackedKernel, PackedConvolution.panelBytes) = saved }
        let cases: [(Conv2DGeometry, Int, Int)] = [
            (Conv2DGeometry(inputChannels: 5, outputChannels: 7, kernelSize: 3, stride: 2, padding: 1), 12, 60),
            (Conv2DGeometry(inputChannels: 9, outputChannels: 4, kernelSize: 3, stride: 2, padding: 1), 8, 32),
            (Conv2DGeometry(inputChannels: 3, outputChannels: 6, kernelSize: 4, stride: 2, padding: 1), 10, 34),
            (Conv2DGeometry(inputChannels: 4, outputChannels: 5, kernelSize: 5, stride: 2, padding: 2), 8, 64),
            (Conv2DGeometry(inputChannels: 2, outputChannels: 3, kernelSize: 2, stride: 2, padding: 0), 6, 32),
            (Conv2DGeometry(inputChannels: 3, outputChannels: 4, kernelSize: 3, stride: 3, padding: 1), 9, 48),
        ]
        for (n, (g, height, width)) in cases.enumerated() {
            XCTAssertNotNil(StridedInputGradient(g, inputHeight: height, inputWidth: width), "case \(n) \(g)")
            let (w, dy) = weightAndOutputGradient(g, batch: 2, height: height, width: width, seeds: (130 + n, 140 + n))
            Conv2D.usesPackedKernel = false
            let col2im = Conv2DBackward.inputGradient(dy, weight: w, geometry: g, inputHeight: height, inputWidth: width)
            Conv2D.usesPackedKernel = true
            for panelBytes in [saved.1, 1] {
                PackedConvolution.panelBytes = panelBytes
                let phases = Conv2DBackward.inputGradient(dy, weight: w, geometry: g, inputHeight: height, inputWidth: width)
                XCTAssertEqual(phases.shape, col2im.shape)
                assertClose(phases.storage, col2im.storage.map(Double.init), tolerance: 1e-5, "case \(n) \(g)")
            }
        }
        let s2 = Conv2DGeometry(inputChannels: 2, outputChannels: 2, kernelSize: 3, stride: 2, padding: 1)
        XCTAssertNil(StridedInputGradient(s2, inputHeight: 7, inputWidth: 32), "odd side: col2im")
        XCTAssertNil(StridedInputGradient(s2, inputHeight: 8, inputWidth: 20), "narrow: col2im")
        XCTAssertNil(StridedInputGradient(Conv2DGeometry(inputChannels: 2, outputChannels: 2, kernelSize: 1, stride: 2),
                                          inputHeight: 8, inputWidth: 32), "a phase without taps")
        XCTAssertNil(StridedInputGradient(Conv2DGeometry(inputChannels: 2, outputChannels: 2, kernelSize: 3, stride: 1, padding: 1),
                                          inputHeight: 8, inputWidth: 32), "stride 1: the transposed convolution")
    }

    /// A 1×1 convolution's backward for a gradient given sparsely (dense channels, single
    /// entries, several at one pixel) equals the dense backward of the same gradient.
    func testSparsePointwiseBackwardEqualsTheDenseOne() throws {
        let (batch, inputs, outputs, height, width) = (2, 11, 9, 5, 7)
        let pixels = height * width
        let g = Conv2DGeometry(inputChannels: inputs, outputChannels: outputs, kernelSize: 1)
        let x = Tensor(shape: [batch, inputs, height, width], values: testValues(batch * inputs * pixels, seed: 150))
        let w = Tensor(shape: [outputs, inputs, 1, 1], values: testValues(outputs * inputs, seed: 151))
        let entryValues = testValues(6, seed: 152)
        let entries = [(0, 0, 3), (0, 2, 3), (0, 8, 3), (1, 1, 0), (1, 5, 34), (1, 6, 34)].enumerated().map { n, e in
            SparseChannelGradient.Entry(image: e.0, channel: e.1, pixel: e.2, value: entryValues[n])
        }
        let sparse = SparseChannelGradient(batch: batch, channels: outputs, height: height, width: width,
                                           denseChannels: [4, 7], dense: testValues(batch * 2 * pixels, seed: 153),
                                           entries: entries)
        let dy = sparse.tensor
        var (denseW, denseB) = (Tensor(shape: w.shape), Tensor(shape: [outputs]))
        Conv2DBackward.accumulateWeightGradient(dy, input: x, geometry: g, into: &denseW)
        Conv2DBackward.accumulateBiasGradient(dy, into: &denseB)
        let denseX = Conv2DBackward.inputGradient(dy, weight: w, geometry: g, inputHeight: height, inputWidth: width)
        var sparseW = Tensor(shape: w.shape)
        var sparseB: Tensor? = Tensor(shape: [outputs])
        let sparseX = Conv2DBackward.accumulateSparsePointwise(sparse, input: x, weight: w, weightGradient: &sparseW,
                                                               biasGradient: &sparseB, inputGradient: true)
        assertClose(sparseW.storage, denseW.storage.map(Double.init), tolerance: 1e-5, "dW")
        assertClose(try XCTUnwrap(sparseB).storage, denseB.storage.map(Double.init), tolerance: 1e-5, "db")
        assertClose(try XCTUnwrap(sparseX).storage, denseX.storage.map(Double.init), tolerance: 1e-5, "dX")
        XCTAssertNil(Conv2DBackward.accumulateSparsePointwise(sparse, input: x, weight: w, weightGradient: &sparseW,
                                                              biasGradient: &sparseB, inputGradient: false))
    }

    /// The tiled weight-gradient kernel gives the weight gradient im2col + sgemm gives, on layers
    /// with enough positions per image for it to be used: every group width of output channels
    /// (24, 16, 8), full and padded (5, 8, 16, 21, 32, 33, 40 channels), partial groups of taps,
    /// 1×1 with a pixel count that is not a multiple of eight, stride 2 through phase rows, and
    /// the 6×6 stride-2 stem; also equal to the definition (summed in Float64) and bit-identical
    /// for one worker and for three.
    func testTiledWeightGradientEqualsIm2ColGEMM() {
        let saved = Conv2D.usesPackedKernel
        defer { Conv2D.usesPackedKernel = saved }
        let (batch, height, width) = (2, 41, 46)
        for (n, g) in [Conv2DGeometry(inputChannels: 3, outputChannels: 5, kernelSize: 3, stride: 1, padding: 1),
                       Conv2DGeometry(inputChannels: 6, outputChannels: 32, kernelSize: 1),
                       Conv2DGeometry(inputChannels: 4, outputChannels: 8, kernelSize: 3, stride: 2, padding: 1),
                       Conv2DGeometry(inputChannels: 3, outputChannels: 16, kernelSize: 6, stride: 2, padding: 2),
                       Conv2DGeometry(inputChannels: 6, outputChannels: 40, kernelSize: 3, stride: 1, padding: 1),
                       Conv2DGeometry(inputChannels: 5, outputChannels: 21, kernelSize: 1),
                       Conv2DGeometry(inputChannels: 4, outputChannels: 33, kernelSize: 3, stride: 2, padding: 1)].enumerated() {
            let (outH, outW) = (g.outputSize(height), g.outputSize(width))
            let x = Tensor(shape: [batch, g.inputChannels, height, width],
                           values: testValues(batch * g.inputChannels * height * width, seed: UInt64(130 + n)))
            let dy = Tensor(shape: [batch, g.outputChannels, outH, outW],
                            values: testValues(batch * g.outputChannels * outH * outW, seed: UInt64(140 + n)))
            let tiled = x.storage.withUnsafeBufferPointer {
                TileWeightGradient(input: FeatureBlock($0.baseAddress!, batch: batch, channels: g.inputChannels, height: height,
                                                       width: width), geometry: g, outputHeight: outH, outputWidth: outW)
            }
            XCTAssertNotNil(tiled, "case \(n) should take the tiled kernel")
            var gradients: [[Float]] = []
            for packed in [true, false] {
                Conv2D.usesPackedKernel = packed
                var dw = Tensor(shape: [g.outputChannels, g.inputChannels, g.kernelSize, g.kernelSize])
                Conv2DBackward.accumulateWeightGradient(dy, input: x, geometry: g, into: &dw)
                gradients.append(dw.storage)
            }
            assertClose(gradients[0], gradients[1].map(Double.init), tolerance: 1e-4, "case \(n)")
            Conv2D.usesPackedKernel = true
            let zeros = [Float](repeating: 0, count: g.outputChannels * g.patchSize)
            let results = weightGradients(x, dy, g, start: zeros)
            assertClose(results[0], weightGradient64(x, dy, g, start: zeros), tolerance: 1e-5, "case \(n) against the definition")
            XCTAssert(results[0] == results[1], "case \(n) depends on the thread count")
        }
    }

    /// Layers too small for the tiled kernel take sgemm with the workers splitting dW by channel
    /// and adding every image's product straight onto it: equal to the definition (summed in
    /// Float64) added to dW's starting values, and bit-identical for one worker and for three.
    func testChannelBlockWeightGradientMatchesDefinitionWhateverTheThreadCount() {
        let batch = 3
        for (n, (g, height, width)) in [(Conv2DGeometry(inputChannels: 24, outputChannels: 20, kernelSize: 3, stride: 1, padding: 1), 10, 10),
                                        (Conv2DGeometry(inputChannels: 16, outputChannels: 12, kernelSize: 3, stride: 2, padding: 1), 11, 9),
                                        (Conv2DGeometry(inputChannels: 40, outputChannels: 24, kernelSize: 1), 10, 10)].enumerated() {
            let (outH, outW) = (g.outputSize(height), g.outputSize(width))
            let x = Tensor(shape: [batch, g.inputChannels, height, width],
                           values: testValues(batch * g.inputChannels * height * width, seed: UInt64(160 + n)))
            let dy = Tensor(shape: [batch, g.outputChannels, outH, outW],
                            values: testValues(batch * g.outputChannels * outH * outW, seed: UInt64(170 + n)))
            let start = testValues(g.outputChannels * g.patchSize, seed: UInt64(180 + n))
            let tiled = x.storage.withUnsafeBufferPointer {
                TileWeightGradient(input: FeatureBlock($0.baseAddress!, batch: batch, channels: g.inputChannels, height: height,
                                                       width: width), geometry: g, outputHeight: outH, outputWidth: outW)
            }
            XCTAssertNil(tiled, "case \(n) should take the sgemm path")
            let expected = weightGradient64(x, dy, g, start: start)
            let results = weightGradients(x, dy, g, start: start)
            assertClose(results[0], expected, tolerance: 1e-5, "case \(n)")
            XCTAssert(results[0] == results[1], "case \(n) depends on the thread count")
        }
    }

    func testConvolutionParameterGradientsAccumulate() {
        let g = Conv2DGeometry(inputChannels: 4, outputChannels: 6, kernelSize: 3, stride: 2, padding: 1, groups: 2)
        let x = Tensor(shape: [2, 4, 7, 6], values: testValues(2 * 4 * 42, seed: 70))
        let dy = Tensor(shape: [2, 6, 4, 3], values: testValues(2 * 6 * 12, seed: 71))
        let start = testValues(6 * 2 * 9, seed: 72), biasStart = testValues(6, seed: 73)
        var once = Tensor(shape: [6, 2, 3, 3])
        Conv2DBackward.accumulateWeightGradient(dy, input: x, geometry: g, into: &once)
        var accumulated = Tensor(shape: [6, 2, 3, 3], values: start)
        Conv2DBackward.accumulateWeightGradient(dy, input: x, geometry: g, into: &accumulated)
        Conv2DBackward.accumulateWeightGradient(dy, input: x, geometry: g, into: &accumulated)
        for i in start.indices {
            XCTAssertEqual(accumulated.storage[i], start[i] + 2 * once.storage[i], accuracy: 1e-5)
        }
        var biasOnce = Tensor(shape: [6])
        Conv2DBackward.accumulateBiasGradient(dy, into: &biasOnce)
        var bias = Tensor(shape: [6], values: biasStart)
        Conv2DBackward.accumulateBiasGradient(dy, into: &bias)
        for i in 0..<6 { XCTAssertEqual(bias.storage[i], biasStart[i] + biasOnce.storage[i], accuracy: 1e-6) }
    }

    // MARK: - Batch norm (training)

    func testBatchNormTrainingGradientsMatchFiniteDifferences() {
        let shape = [2, 3, 3, 2]
        let count = shape.reduce(1, *)
        // non-zero means and different spreads per channel
        let xValues = testValues(count, seed: 80).enumerated().map { i, v in v * Float(1 + (i / 6) % 3) + Float((i / 6) % 3) - 1 }
        let gamma = testValues(3, seed: 81).map { $0 + 1.5 }, beta = testValues(3, seed: 82)
        let r = testValues(count, seed: 83)
        var runningMean = Tensor(shape: [3]), runningVariance = Tensor(shape: [3], repeating: 1)
        let x = Tensor(shape: shape, values: xValues)
        let (y, saved) = BatchNormTraining.forward(x, weight: Tensor(shape: [3], values: gamma), bias: Tensor(shape: [3], values: beta),
                                                   runningMean: &runningMean, runningVariance: &runningVariance)
        let (x64, g64, b64, r64) = (doubles(xValues), doubles(gamma), doubles(beta), doubles(r))
        assertClose(y.storage, batchNorm64(x64, shape: shape, gamma: g64, beta: b64, epsilon: 1e-3), tolerance: 1e-5, "forward")

        var dGamma = Tensor(shape: [3]), dBeta = Tensor(shape: [3])
        let dx = BatchNormTraining.backward(Tensor(shape: shape, values: r), input: x, weight: Tensor(shape: [3], values: gamma),
                                            saved: saved, weightGradient: &dGamma, biasGradient: &dBeta)
        let fdX = numericalGradient(x64, step: 1e-5) { dot(r64, batchNorm64($0, shape: shape, gamma: g64, beta: b64, epsilon: 1e-3)) }
        let fdG = numericalGradient(g64, step: 1e-5) { dot(r64, batchNorm64(x64, shape: shape, gamma: $0, beta: b64, epsilon: 1e-3)) }
        let fdB = numericalGradient(b64, step: 1e-5) { dot(r64, batchNorm64(x64, shape: shape, gamma: g64, beta: $0, epsilon: 1e-3)) }
        assertClose(dx.storage, fdX, tolerance: 1e-4, "dX")
        assertClose(dGamma.storage, fdG, tolerance: 1e-5, "dγ")
        assertClose(dBeta.storage, fdB, tolerance: 1e-5, "dβ")

        // parameter gradients accumulate
        _ = BatchNormTraining.backward(Tensor(shape: shape, values: r), input: x, weight: Tensor(shape: [3], values: gamma),
                                       saved: saved, weightGradient: &dGamma, biasGradient: &dBeta)
        assertClose(dGamma.storage, fdG.map { 2 * $0 }, tolerance: 2e-5, "dγ accumulated")
        assertClose(dBeta.storage, fdB.map { 2 * $0 }, tolerance: 2e-5, "dβ accumulated")
    }

    /// Batch norm with the activation folded into its passes gives, bit for bit, what batch norm
    /// then the activation gives, forward and backward (the backward recomputing the
    /// pre-activation), for SiLU and for an activation without a special case.
    func testBatchNormWithActivationEqualsBatchNormThenActivation() {
        let shape = [2, 3, 5, 700]  // planes longer than one activation piece
        let count = shape.reduce(1, *)
        let x = Tensor(shape: shape, values: testValues(count, seed: 84).map { $0 * 3 })
        let gamma = Tensor(shape: [3], values: testValues(3, seed: 85).map { $0 + 1.5 })
        let beta = Tensor(shape: [3], values: testValues(3, seed: 86))
        let dz = Tensor(shape: shape, values: testValues(count, seed: 87))
        for activation in [ActivationFunction.silu, .leakyReLU(negativeSlope: 0.1)] {
            var (mean1, variance1) = (Tensor(shape: [3]), Tensor(shape: [3], repeating: 1))
            var (mean2, variance2) = (mean1, variance1)
            let (y, saved) = BatchNormTraining.forward(x, weight: gamma, bias: beta, runningMean: &mean1, runningVariance: &variance1)
            let (z, savedFused) = BatchNormTraining.forward(x, weight: gamma, bias: beta, runningMean: &mean2,
                                                            runningVariance: &variance2, activation: activation)
            XCTAssertEqual(z.storage, activation.applied(y).storage, "\(activation)")
            XCTAssertEqual(savedFused, saved)
            XCTAssertEqual(mean2, mean1)
            XCTAssertEqual(variance2, variance1)
            var (dGamma1, dBeta1) = (Tensor(shape: [3]), Tensor(shape: [3]))
            var (dGamma2, dBeta2) = (Tensor(shape: [3]), Tensor(shape: [3]))
            let separate = BatchNormTraining.backward(activation.backward(dz, input: y), input: x, weight: gamma, saved: saved,
                                                      weightGradient: &dGamma1, biasGradient: &dBeta1)
            let fused = BatchNormTraining.backward(dz, input: x, weight: gamma, saved: saved, weightGradient: &dGamma2,
                                                   biasGradient: &dBeta2, activation: activation, bias: beta)
            XCTAssertEqual(fused.storage, separate.storage, "\(activation)")
            XCTAssertEqual(dGamma2, dGamma1)
            XCTAssertEqual(dBeta2, dBeta1)
        }
    }

    func testBatchNormTrainingUpdatesRunningStatisticsAsPyTorch() {
        // channel 0: 1, 2 | 3, 4 → mean 2.5, biased var 1.25, unbiased 5/3
        // channel 1: 0, 0 | 2, −2 → mean 0, biased var 2, unbiased 8/3   (N = B·H·W = 4)
        let x = Tensor(shape: [2, 2, 1, 2], values: [1, 2, 0, 0, 3, 4, 2, -2])
        var runningMean = Tensor(shape: [2], values: [0.5, -1])
        var runningVariance = Tensor(shape: [2], values: [2, 1])
        let (y, saved) = BatchNormTraining.forward(x, weight: Tensor(shape: [2], values: [1, 2]), bias: Tensor(shape: [2], values: [0, 0.5]),
                                                   runningMean: &runningMean, runningVariance: &runningVariance)
        // running = 0.97·running + 0.03·batch
        XCTAssertEqual(runningMean.storage[0], 0.56, accuracy: 1e-6)        // 0.97·0.5 + 0.03·2.5
        XCTAssertEqual(runningMean.storage[1], -0.97, accuracy: 1e-6)       // 0.97·(−1) + 0.03·0
        XCTAssertEqual(runningVariance.storage[0], 1.99, accuracy: 1e-6)    // 0.97·2 + 0.03·5/3
        XCTAssertEqual(runningVariance.storage[1], 1.05, accuracy: 1e-6)    // 0.97·1 + 0.03·8/3
        XCTAssertEqual(saved.mean, [2.5, 0])
        XCTAssertEqual(saved.inverseStandardDeviation[0], Float(1 / (1.25 + 1e-3).squareRoot()), accuracy: 1e-6)
        XCTAssertEqual(saved.inverseStandardDeviation[1], Float(1 / (2 + 1e-3).squareRoot()), accuracy: 1e-6)
        XCTAssertEqual(y.storage[0], Float(-1.5 / (1.25 + 1e-3).squareRoot()), accuracy: 1e-6)
        XCTAssertEqual(y.storage[6], Float(2 * 2 / (2 + 1e-3).squareRoot() + 0.5), accuracy: 1e-6)
        // a second step starts from the updated values
        _ = BatchNormTraining.forward(x, weight: Tensor(shape: [2], values: [1, 2]), bias: Tensor(shape: [2], values: [0, 0.5]),
                                      runningMean: &runningMean, runningVariance: &runningVariance, momentum: 0.5)
        XCTAssertEqual(runningMean.storage[0], 0.5 * 0.56 + 0.5 * 2.5, accuracy: 1e-6)
        XCTAssertEqual(runningVariance.storage[1], 0.5 * 1.05 + 0.5 * 8 / 3, accuracy: 1e-6)
    }

    // MARK: - Activations

    func testActivationGradientsMatchFiniteDifferences() {
        let functions: [ActivationFunction] = [.identity, .silu, .leakyReLU(negativeSlope: 0.1), .relu, .hardswish, .sigmoid]
        // x in [−4, 4] on a 0.004 grid shifted by 0.0013: never within 1e-3 of a kink (0, ±3)
        let xValues = testValues(2 * 3 * 4 * 5, seed: 90).map { 4 * $0 + 0.0013 }
        let r = testValues(xValues.count, seed: 91)
        let x = Tensor(shape: [2, 3, 4, 5], values: xValues)
        for f in functions {
            let dx = f.backward(Tensor(shape: x.shape, values: r), input: x)
            let fd = numericalGradient(doubles(xValues), step: 1e-6) { values in
                zip(values, r).reduce(0) { $0 + Double($1.1) * activation64($1.0, f) }
            }
            assertClose(dx.storage, fd, tolerance: 1e-5, "\(f)")
        }
    }

    func testActivationDerivativesAtTheKinksFollowPyTorch() {
        XCTAssertEqual(ActivationFunction.relu.derivative(0), 0)
        XCTAssertEqual(ActivationFunction.leakyReLU(negativeSlope: 0.1).derivative(0), 0.1)
        XCTAssertEqual(ActivationFunction.hardswish.derivative(-3), -0.5)
        XCTAssertEqual(ActivationFunction.hardswish.derivative(3), 1.5)
        XCTAssertEqual(ActivationFunction.hardswish.derivative(-3.001), 0)
        XCTAssertEqual(ActivationFunction.hardswish.derivative(3.001), 1)
        XCTAssertEqual(ActivationFunction.silu.derivative(0), 0.5, accuracy: 1e-7)
        XCTAssertEqual(ActivationFunction.sigmoid.derivative(0), 0.25, accuracy: 1e-7)
        XCTAssertEqual(ActivationFunction.silu.derivative(-100), 0, accuracy: 1e-30)
        XCTAssertEqual(ActivationFunction.silu.derivative(100), 1, accuracy: 1e-7)
    }

    // MARK: - Pooling, upsampling, concat, add

    func testMaxPoolGradientMatchesFiniteDifferences() {
        let shape = [2, 2, 7, 6]
        let count = shape.reduce(1, *)
        // distinct values (grid 1e-3 plus a unique offset below it), so every window has one maximum
        let xValues = testValues(count, seed: 100).enumerated().map { i, v in v + Float(i) * 1e-6 }
        XCTAssertEqual(Set(xValues).count, count)
        for (k, s, p) in [(2, 2, 0), (3, 2, 1), (5, 1, 2), (3, 1, 1), (3, 3, 1), (1, 2, 0)] {
            let y = MaxPool.forward(Tensor(shape: shape, values: xValues), kernelSize: k, stride: s, padding: p)
            let r = testValues(y.elementCount, seed: UInt64(101 + k * 10 + s))
            let dx = MaxPool.backward(Tensor(shape: y.shape, values: r), input: Tensor(shape: shape, values: xValues),
                                      kernelSize: k, stride: s, padding: p)
            let fd = numericalGradient(doubles(xValues), step: 1e-7) { dot(doubles(r), maxPool64($0, shape: shape, k: k, s: s, p: p)) }
            assertClose(dx.storage, fd, tolerance: 1e-5, "k \(k) s \(s) p \(p)")
        }
    }

    func testMaxPoolGradientGoesToTheFirstMaximumOnTies() {
        // constant 3×3 plane, 2×2 windows at stride 1: each gradient to its window's top-left
        var dx = MaxPool.backward(Tensor(shape: [1, 1, 2, 2], values: [1, 2, 3, 4]),
                                  input: Tensor(shape: [1, 1, 3, 3], repeating: 5), kernelSize: 2, stride: 1, padding: 0)
        XCTAssertEqual(dx.storage, [1, 2, 0, 3, 4, 0, 0, 0, 0])
        // padded windows (rows/columns −1…1 and 1…3 here) start at their first in-bounds element
        dx = MaxPool.backward(Tensor(shape: [1, 1, 2, 2], values: [1, 2, 3, 4]),
                              input: Tensor(shape: [1, 1, 3, 3], repeating: 5), kernelSize: 3, stride: 2, padding: 1)
        XCTAssertEqual(dx.storage, [1, 2, 0, 3, 4, 0, 0, 0, 0])
        // a tie later in the window does not move the maximum; a greater value does
        dx = MaxPool.backward(Tensor(shape: [1, 1, 1, 1], values: [1]),
                              input: Tensor(shape: [1, 1, 2, 2], values: [1, 7, 7, 2]), kernelSize: 2, stride: 2, padding: 0)
        XCTAssertEqual(dx.storage, [0, 1, 0, 0])
        // an all −∞ window: its first element
        dx = MaxPool.backward(Tensor(shape: [1, 1, 1, 1], values: [1]),
                              input: Tensor(shape: [1, 1, 2, 2], repeating: -.infinity), kernelSize: 2, stride: 2, padding: 0)
        XCTAssertEqual(dx.storage, [1, 0, 0, 0])
        // NaNs win over any value, and a later NaN over an earlier one (stride 1 and 2)
        for stride in [1, 2] {
            dx = MaxPool.backward(Tensor(shape: [1, 1, 1, 1], values: [1]),
                                  input: Tensor(shape: [1, 1, 2, 2], values: [.nan, 9, .nan, 3]), kernelSize: 2, stride: stride,
                                  padding: 0)
            XCTAssertEqual(dx.storage, [0, 0, 1, 0])
        }
    }

    func testNearestUpsampleGradientMatchesFiniteDifferences() {
        let shape = [2, 3, 3, 4]
        let xValues = testValues(shape.reduce(1, *), seed: 110)
        for factor in [1, 2, 3] {
            let r = testValues(xValues.count * factor * factor, seed: UInt64(111 + factor))
            let dx = NearestUpsample.backward(Tensor(shape: [2, 3, 3 * factor, 4 * factor], values: r), factor: factor)
            XCTAssertEqual(dx.shape, shape)
            let fd = numericalGradient(doubles(xValues), step: 1e-3) { dot(doubles(r), upsample64($0, shape: shape, factor: factor)) }
            assertClose(dx.storage, fd, tolerance: 1e-6, "factor \(factor)")
        }
    }

    func testConcatBackwardSplitsAndAddBackwardPassesThrough() {
        let a = Tensor(shape: [2, 1, 3, 2], values: testValues(12, seed: 120))
        let b = Tensor(shape: [2, 3, 3, 2], values: testValues(36, seed: 121))
        let c = Tensor(shape: [2, 2, 3, 2], values: testValues(24, seed: 122))
        let pieces = ChannelOps.split(ChannelOps.concatenate([a, b, c]), channelCounts: [1, 3, 2])
        XCTAssertEqual(pieces, [a, b, c])
        let (da, db) = ChannelOps.addBackward(b)
        XCTAssertEqual(da, b)
        XCTAssertEqual(db, b)
    }

    // MARK: - Composition and determinism

    /// YOLOv5's Conv block in training: conv (no bias) → batch norm (batch statistics) → SiLU.
    func testConvBatchNormSiLUChainMatchesFiniteDifferences() {
        let g = Conv2DGeometry(inputChannels: 3, outputChannels: 4, kernelSize: 3, stride: 2, padding: 1)
        let (batch, height, width) = (2, 5, 6)
        let (outH, outW) = (g.outputSize(height), g.outputSize(width))
        let xValues = testValues(batch * 3 * height * width, seed: 130)
        let wValues = testValues(4 * g.patchSize, seed: 131)
        let gamma = testValues(4, seed: 132).map { $0 + 1.5 }, beta = testValues(4, seed: 133)
        let r = testValues(batch * 4 * outH * outW, seed: 134)
        let x = Tensor(shape: [batch, 3, height, width], values: xValues)
        let w = Tensor(shape: [4, 3, 3, 3], values: wValues)
        let yShape = [batch, 4, outH, outW]

        let z = Conv2D.forward(x, weight: w, bias: nil, geometry: g)
        var runningMean = Tensor(shape: [4]), runningVariance = Tensor(shape: [4], repeating: 1)
        let (u, saved) = BatchNormTraining.forward(z, weight: Tensor(shape: [4], values: gamma), bias: Tensor(shape: [4], values: beta),
                                                   runningMean: &runningMean, runningVariance: &runningVariance)
        let du = ActivationFunction.silu.backward(Tensor(shape: yShape, values: r), input: u)
        var dGamma = Tensor(shape: [4]), dBeta = Tensor(shape: [4])
        let dz = BatchNormTraining.backward(du, input: z, weight: Tensor(shape: [4], values: gamma), saved: saved,
                                            weightGradient: &dGamma, biasGradient: &dBeta)
        let dx = Conv2DBackward.inputGradient(dz, weight: w, geometry: g, inputHeight: height, inputWidth: width)
        var dw = Tensor(shape: w.shape)
        Conv2DBackward.accumulateWeightGradient(dz, input: x, geometry: g, into: &dw)

        let (x64, w64, g64, b64, r64) = (doubles(xValues), doubles(wValues), doubles(gamma), doubles(beta), doubles(r))
        func loss(_ x: [Double], _ w: [Double], _ gamma: [Double], _ beta: [Double]) -> Double {
            let z = convolution64(x, batch: batch, height: height, width: width, w, nil, g)
            let u = batchNorm64(z, shape: yShape, gamma: gamma, beta: beta, epsilon: 1e-3)
            return dot(r64, u.map { activation64($0, .silu) })
        }
        assertClose(dx.storage, numericalGradient(x64, step: 1e-5) { loss($0, w64, g64, b64) }, tolerance: 2e-4, "dX")
        assertClose(dw.storage, numericalGradient(w64, step: 1e-5) { loss(x64, $0, g64, b64) }, tolerance: 2e-4, "dW")
        assertClose(dGamma.storage, numericalGradient(g64, step: 1e-5) { loss(x64, w64, $0, b64) }, tolerance: 1e-4, "dγ")
        assertClose(dBeta.storage, numericalGradient(b64, step: 1e-5) { loss(x64, w64, g64, $0) }, tolerance: 1e-4, "dβ")
    }

    /// Every non-GEMM loop runs through Parallel.forEach in fixed per-task order, so one worker
    /// and several give bit-identical gradients (shapes large enough to be split into chunks).
    func testBackwardResultsDoNotDependOnTheThreadCount() {
        let g = Conv2DGeometry(inputChannels: 4, outputChannels: 6, kernelSize: 3, stride: 2, padding: 1, groups: 2)
        let x = Tensor(shape: [2, 4, 128, 128], values: testValues(2 * 4 * 128 * 128, seed: 140))
        let w = Tensor(shape: [6, 2, 3, 3], values: testValues(108, seed: 141))
        let dy = Tensor(shape: [2, 6, 64, 64], values: testValues(2 * 6 * 4096, seed: 142))
        let other = Tensor(shape: [2, 6, 64, 64], values: testValues(2 * 6 * 4096, seed: 143))
        let big = Tensor(shape: [2, 8, 96, 96], values: testValues(2 * 8 * 96 * 96, seed: 144).map { 4 * $0 })
        let bigGradient = Tensor(shape: big.shape, values: testValues(big.elementCount, seed: 145))
        func run() -> [[Float]] {
            let dx = Conv2DBackward.inputGradient(dy, weight: w, geometry: g, inputHeight: 128, inputWidth: 128)
            var dw = Tensor(shape: w.shape), db = Tensor(shape: [6])
            Conv2DBackward.accumulateWeightGradient(dy, input: x, geometry: g, into: &dw)
            Conv2DBackward.accumulateBiasGradient(dy, into: &db)
            var rm = Tensor(shape: [6]), rv = Tensor(shape: [6], repeating: 1)
            let (u, saved) = BatchNormTraining.forward(dy, weight: Tensor(shape: [6], repeating: 1), bias: Tensor(shape: [6]),
                                                       runningMean: &rm, runningVariance: &rv)
            var dGamma = Tensor(shape: [6]), dBeta = Tensor(shape: [6])
            let dBN = BatchNormTraining.backward(other, input: dy, weight: Tensor(shape: [6], repeating: 1), saved: saved,
                                                 weightGradient: &dGamma, biasGradient: &dBeta)
            var results = [dx.storage, dw.storage, db.storage, u.storage, rm.storage, rv.storage, dBN.storage,
                           dGamma.storage, dBeta.storage]
            for f in [ActivationFunction.silu, .sigmoid, .hardswish, .leakyReLU(negativeSlope: 0.1)] {
                results.append(f.backward(bigGradient, input: big).storage)
            }
            let pooled = MaxPool.forward(other, kernelSize: 3, stride: 2, padding: 1)
            results.append(MaxPool.backward(Tensor(shape: pooled.shape, values: testValues(pooled.elementCount, seed: 146)),
                                            input: other, kernelSize: 3, stride: 2, padding: 1).storage)
            results.append(NearestUpsample.backward(dy, factor: 2).storage)
            return results
        }
        let saved = Parallel.width
        defer { Parallel.width = saved }
        Parallel.width = 1
        let single = run()
        Parallel.width = 3
        let several = run()
        XCTAssertEqual(single.count, several.count)
        for (i, (a, b)) in zip(single, several).enumerated() { XCTAssert(a == b, "result \(i) depends on the thread count") }
    }
}
