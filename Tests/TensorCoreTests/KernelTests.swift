import XCTest
@testable import TensorCore

/// Kernels against direct Float64 definitions on small shapes (the network-level comparison
/// with PyTorch's tensors is in ModelTests/ForwardParityTests).
final class KernelTests: XCTestCase {

    func testConvolutionMatchesTheDefinitionForStridesPaddingDilationAndGroups() {
        let cases: [Conv2DGeometry] = [
            Conv2DGeometry(inputChannels: 3, outputChannels: 4, kernelSize: 6, stride: 2, padding: 2),
            Conv2DGeometry(inputChannels: 4, outputChannels: 6, kernelSize: 3, stride: 1, padding: 1),
            Conv2DGeometry(inputChannels: 4, outputChannels: 4, kernelSize: 1),
            Conv2DGeometry(inputChannels: 6, outputChannels: 6, kernelSize: 5, stride: 1, padding: 2, groups: 6),
            Conv2DGeometry(inputChannels: 4, outputChannels: 8, kernelSize: 3, stride: 2, padding: 1, groups: 2),
            Conv2DGeometry(inputChannels: 2, outputChannels: 3, kernelSize: 3, stride: 1, padding: 2, dilation: 2),
            Conv2DGeometry(inputChannels: 2, outputChannels: 2, kernelSize: 3, stride: 3, padding: 0),
            Conv2DGeometry(inputChannels: 3, outputChannels: 16, kernelSize: 3, stride: 1, padding: 1),
        ]
        let saved = Conv2D.usesPackedKernel
        defer { Conv2D.usesPackedKernel = saved }
        for packed in [true, false] {
            Conv2D.usesPackedKernel = packed
            // 9×7 inputs take the general path; 10×8 inputs let strided cases use the phase decomposition;
            // 5×45 rows are wide enough for im2col's eight-at-a-time stride-2 gather (and its remainder)
            let shapes = [(9, 7), (10, 8), (5, 45)]
            for (n, (g, (height, width))) in shapes.flatMap({ shape in cases.map { ($0, shape) } }).enumerated() {
                let x = Tensor(shape: [2, g.inputChannels, height, width],
                               values: testValues(2 * g.inputChannels * height * width, seed: UInt64(n)))
                let w = Tensor(shape: [g.outputChannels, g.inputChannels / g.groups, g.kernelSize, g.kernelSize],
                               values: testValues(g.outputChannels * g.patchSize, seed: UInt64(100 + n)))
                let bias = testValues(g.outputChannels, seed: UInt64(200 + n))
                let y = Conv2D.forward(x, weight: w, bias: Tensor(shape: [g.outputChannels], values: bias), geometry: g)
                XCTAssertEqual(y.shape, [2, g.outputChannels, g.outputSize(height), g.outputSize(width)], "case \(n)")
                let expected = referenceConvolution(x, w, bias, g)
                for (a, b) in zip(y.storage, expected) {
                    XCTAssertEqual(Double(a), b, accuracy: 1e-5 * max(1, abs(b)), "case \(n)")
                }
                // fused activation equals the activation applied afterwards
                let activated = Conv2D.forward(x, weight: w, bias: Tensor(shape: [g.outputChannels], values: bias), geometry: g,
                                               activation: .silu)
                for (a, b) in zip(activated.storage, y.storage) {
                    XCTAssertEqual(a, ActivationFunction.silu.apply(b), accuracy: 1e-6)
                }
            }
        }
    }

    /// The same convolutions computed in im2col tiles of a few output rows give the same values.
    func testTiledIm2ColGivesTheSameOutput() {
        let saved = (Conv2D.tileBytes, Conv2D.usesPackedKernel)
        defer { (Conv2D.tileBytes, Conv2D.usesPackedKernel) = saved }
        Conv2D.usesPackedKernel = false
        for (n, g) in [Conv2DGeometry(inputChannels: 3, outputChannels: 4, kernelSize: 6, stride: 2, padding: 2),
                       Conv2DGeometry(inputChannels: 4, outputChannels: 8, kernelSize: 3, stride: 1, padding: 1, groups: 2)].enumerated() {
            let x = Tensor(shape: [2, g.inputChannels, 40, 36], values: testValues(2 * g.inputChannels * 1440, seed: UInt64(300 + n)))
            let w = Tensor(shape: [g.outputChannels, g.inputChannels / g.groups, g.kernelSize, g.kernelSize],
                           values: testValues(g.outputChannels * g.patchSize, seed: UInt64(400 + n)))
            Conv2D.tileBytes = 1 << 30
            let whole = Conv2D.forward(x, weight: w, bias: nil, geometry: g)
            Conv2D.tileBytes = 4  // floors at 256 columns: several rows per tile, a partial last tile
            let tiled = Conv2D.forward(x, weight: w, bias: nil, geometry: g)
            XCTAssertEqual(tiled.shape, whole.shape)
            for (a, b) in zip(tiled.storage, whole.storage) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        }
    }

    /// A convolution reading a channel range of a larger tensor and writing (or adding, as a
    /// residual) into a channel range of another equals the whole-tensor convolution on copies,
    /// in the tiled and in the whole-layer path.
    func testConvolutionOfChannelBlocksWithResidualEpilogue() {
        let saved = (Conv2D.tileBytes, Conv2D.usesPackedKernel, PackedConvolution.panelBytes)
        defer { (Conv2D.tileBytes, Conv2D.usesPackedKernel, PackedConvolution.panelBytes) = saved }
        let (batch, height, width) = (2, 24, 20)
        for (n, g) in [Conv2DGeometry(inputChannels: 4, outputChannels: 6, kernelSize: 3, padding: 1),
                       Conv2DGeometry(inputChannels: 4, outputChannels: 6, kernelSize: 1),
                       Conv2DGeometry(inputChannels: 4, outputChannels: 8, kernelSize: 3, padding: 1)].enumerated() {
            // the input is channels 2..<6 of an 8-channel tensor; the output channels 1...outputs of one
            // with three more
            let big = Tensor(shape: [batch, 8, height, width], values: testValues(batch * 8 * height * width, seed: UInt64(500 + n)))
            let x = Tensor(shape: [batch, 4, height, width], values: (0..<batch).flatMap { b in
                Array(big.storage[((b * 8 + 2) * height * width)..<((b * 8 + 6) * height * width)])
            })
            let outputs = g.outputChannels, total = g.outputChannels + 3
            let w = Tensor(shape: [outputs, 4, g.kernelSize, g.kernelSize],
                           values: testValues(outputs * g.patchSize, seed: UInt64(600 + n)))
            let bias = Tensor(shape: [outputs], values: testValues(outputs, seed: UInt64(700 + n)))
            let expected = Conv2D.forward(x, weight: w, bias: bias, geometry: g, activation: .silu)
            // im2col + sgemm whole and in tiles, then the packed kernel in large and tiny tiles
            for (packed, tileBytes) in [(false, 1 << 30), (false, 4), (true, 1 << 30), (true, 4)] {
                Conv2D.usesPackedKernel = packed
                Conv2D.tileBytes = tileBytes
                PackedConvolution.panelBytes = tileBytes
                let before = testValues(batch * total * height * width, seed: UInt64(800 + n))
                for residual in [false, true] {
                    var target = before
                    big.storage.withUnsafeBufferPointer { source in
                        target.withUnsafeMutableBufferPointer { out in
                            Conv2D.forward(input: FeatureBlock(source.baseAddress! + 2 * height * width, batch: batch, channels: 4,
                                                               height: height, width: width, imageStride: 8 * height * width),
                                           weight: w, bias: bias, geometry: g, activation: .silu,
                                           output: out.baseAddress! + height * width, outputImageStride: total * height * width,
                                           addingToOutput: residual)
                        }
                    }
                    for b in 0..<batch {
                        for c in 0..<total {
                            for i in 0..<(height * width) {
                                let index = (b * total + c) * height * width + i
                                guard (1...outputs).contains(c) else {
                                    XCTAssertEqual(target[index], before[index], "channel \(c) outside the block changed")
                                    continue
                                }
                                let value = expected.storage[(b * outputs + c - 1) * height * width + i]
                                XCTAssertEqual(target[index], residual ? value + before[index] : value, accuracy: 1e-5,
                                               "case \(n), tiles \(tileBytes), residual \(residual)")
                            }
                        }
                    }
                }
            }
        }
    }

    func testFoldedBatchNormEqualsConvolutionThenBatchNorm() {
        let g = Conv2DGeometry(inputChannels: 3, outputChannels: 5, kernelSize: 3, padding: 1)
        let x = Tensor(shape: [1, 3, 6, 6], values: testValues(108, seed: 1))
        let w = Tensor(shape: [5, 3, 3, 3], values: testValues(135, seed: 2))
        let gamma = Tensor(shape: [5], values: testValues(5, seed: 3).map { $0 + 1.5 })
        let beta = Tensor(shape: [5], values: testValues(5, seed: 4))
        let mean = Tensor(shape: [5], values: testValues(5, seed: 5))
        let variance = Tensor(shape: [5], values: testValues(5, seed: 6).map { abs($0) + 0.1 })
        var separate = Conv2D.forward(x, weight: w, bias: nil, geometry: g)
        BatchNorm.inference(&separate, weight: gamma, bias: beta, runningMean: mean, runningVariance: variance, epsilon: 1e-3)
        let folded = BatchNorm.fold(convolutionWeight: w, convolutionBias: nil, weight: gamma, bias: beta,
                                    runningMean: mean, runningVariance: variance, epsilon: 1e-3)
        let fused = Conv2D.forward(x, weight: folded.weight, bias: folded.bias, geometry: g)
        for (a, b) in zip(fused.storage, separate.storage) { XCTAssertEqual(a, b, accuracy: 1e-5) }
    }

    /// Stride-1 max pooling (row pass then column pass, eight lanes at a time between −∞
    /// borders) equals the k×k scan PyTorch's kernel does, NaN propagating, on rows shorter and
    /// longer than eight and at every kernel size SPP/SPPF use (10×10: SPPF at 320).
    func testSeparableMaxPoolEqualsTheWindowScan() {
        for (k, (height, width)) in [(5, (13, 40)), (3, (6, 5)), (9, (11, 29)), (13, (20, 20)), (5, (7, 8)), (5, (10, 10)),
                                     (3, (1, 17))] {
            let p = k / 2
            var values = testValues(2 * 3 * height * width, seed: UInt64(900 + k))
            values[7] = .nan
            values[40] = -.infinity
            let x = Tensor(shape: [2, 3, height, width], values: values)
            let pooled = MaxPool.forward(x, kernelSize: k, stride: 1, padding: p)
            XCTAssertEqual(pooled.shape, x.shape)
            for plane in 0..<6 {
                for oy in 0..<height {
                    for ox in 0..<width {
                        var best = -Float.infinity
                        for iy in max(0, oy - p)..<min(height, oy - p + k) {
                            for ix in max(0, ox - p)..<min(width, ox - p + k) {
                                let v = values[(plane * height + iy) * width + ix]
                                if v > best || v.isNaN { best = v }
                            }
                        }
                        let got = pooled.storage[(plane * height + oy) * width + ox]
                        XCTAssertTrue(got == best || (got.isNaN && best.isNaN), "k \(k) at \(plane), \(oy), \(ox): \(got) vs \(best)")
                    }
                }
            }
        }
    }

    func testMaxPoolPadsWithMinusInfinityAndUpsampleRepeats() {
        let x = Tensor(shape: [1, 1, 3, 3], values: [-1, -2, -3, -4, -5, -6, -7, -8, -9])
        let pooled = MaxPool.forward(x, kernelSize: 3, stride: 1, padding: 1)
        XCTAssertEqual(pooled.storage, [-1, -1, -2, -1, -1, -2, -4, -4, -5])  // padding never wins
        let strided = MaxPool.forward(Tensor(shape: [1, 1, 4, 4], values: (0..<16).map(Float.init)), kernelSize: 2, stride: 2, padding: 0)
        XCTAssertEqual(strided.storage, [5, 7, 13, 15])
        let up = NearestUpsample.forward(Tensor(shape: [1, 1, 1, 2], values: [1, 2]), factor: 2)
        XCTAssertEqual(up.storage, [1, 1, 2, 2, 1, 1, 2, 2])
    }

    func testConcatenateAddPadAndSpaceToDepth() {
        let a = Tensor(shape: [2, 1, 1, 2], values: [1, 2, 3, 4])
        let b = Tensor(shape: [2, 2, 1, 2], values: [5, 6, 7, 8, 9, 10, 11, 12])
        XCTAssertEqual(ChannelOps.concatenate([a, b]).storage, [1, 2, 5, 6, 7, 8, 3, 4, 9, 10, 11, 12])
        XCTAssertEqual(ChannelOps.add(a, a).storage, [2, 4, 6, 8])
        let padded = ChannelOps.zeroPad(Tensor(shape: [1, 1, 1, 1], values: [7]), left: 0, right: 1, top: 0, bottom: 1)
        XCTAssertEqual(padded.storage, [7, 0, 0, 0])
        let grid = Tensor(shape: [1, 1, 2, 2], values: [1, 2, 3, 4])
        XCTAssertEqual(ChannelOps.focusSlices(grid).storage, [1, 3, 2, 4])  // x[::2,::2], x[1::2,::2], x[::2,1::2], x[1::2,1::2]
        let contracted = ChannelOps.contract(grid, gain: 2)
        XCTAssertEqual(contracted.storage, [1, 2, 3, 4])  // permute (0, 3, 5, 1, 2, 4): (sy, sx) order
        XCTAssertEqual(ChannelOps.expand(contracted, gain: 2), grid)
    }

    func testFastExpIsWithinTwoUlpOfExpf() {
        var x: Float = -87
        while x < 88 {
            let exact = expf(x)
            let approx = fastExp(x)
            XCTAssertLessThanOrEqual(abs(approx - exact), 2 * exact.ulp, "x = \(x)")
            x += 0.0137
        }
        XCTAssertEqual(ActivationFunction.silu.apply(0), 0)
        var values: [Float] = [-100, -3, 0, 3, 100]
        values.withUnsafeMutableBufferPointer { ActivationFunction.silu.apply($0) }
        XCTAssertEqual(values[4], 100)
        XCTAssertEqual(values[0], 0, accuracy: 1e-30)
        XCTAssertEqual(values[3], 3 / (1 + expf(-3)), accuracy: 1e-6)
    }
}
