import XCTest
import CKernels
@testable import TensorCore

/// The convolution read in place (`DirectConvolution`: stride 2, and stride 1 on small maps)
/// against the packed tiles' phase rows, bit for bit (both sum each output from its bias one multiply-add per k in the same
/// order), its SiLU and sigmoid against the C tiles' buffer activation, and against the Float64
/// definition: kernels 1–3 with paddings 0–3 at stride 2, 2 and 3 at stride 1, rows of 1–21
/// output pixels (full tiles, tiles of ≤ 4, windows past either border), output channels that
/// leave a partial block of sixteen, the three activations its epilogue applies, a residual
/// added into a channel slice, and thread counts.
final class DirectConvolutionTests: KernelTierTestCase {
    private var saved = (direct: DirectConvolution.isEnabled, width: Parallel.width)

    override func setUpWithError() throws {
        try XCTSkipUnless(PackedConvolution.float32CTilesSupported, "the direct kernel needs AVX2 or AVX-512")
        saved = (DirectConvolution.isEnabled, Parallel.width)
    }

    override func tearDown() {
        DirectConvolution.isEnabled = saved.direct
        Parallel.width = saved.width
    }

    private let geometries: [Conv2DGeometry] = [
        Conv2DGeometry(inputChannels: 5, outputChannels: 16, kernelSize: 3, stride: 2, padding: 1),
        Conv2DGeometry(inputChannels: 3, outputChannels: 17, kernelSize: 3, stride: 2, padding: 2),  // 17 outputs
        Conv2DGeometry(inputChannels: 2, outputChannels: 5, kernelSize: 3, stride: 2, padding: 0),
        Conv2DGeometry(inputChannels: 4, outputChannels: 33, kernelSize: 1, stride: 2, padding: 0),
        Conv2DGeometry(inputChannels: 2, outputChannels: 7, kernelSize: 3, stride: 2, padding: 3),
        Conv2DGeometry(inputChannels: 3, outputChannels: 32, kernelSize: 2, stride: 2, padding: 1),
        // stride 1 (these maps are all too small for Winograd)
        Conv2DGeometry(inputChannels: 6, outputChannels: 18, kernelSize: 3, stride: 1, padding: 1),
        Conv2DGeometry(inputChannels: 2, outputChannels: 16, kernelSize: 2, stride: 1, padding: 1),
        Conv2DGeometry(inputChannels: 3, outputChannels: 4, kernelSize: 3, stride: 1, padding: 0),
    ]
    private let shapes = [(7, 5), (6, 23), (5, 42), (3, 33), (11, 1), (2, 16)]

    /// Conv2D's forward with the direct kernel on or off.
    private func forward(_ x: Tensor, _ w: Tensor, _ bias: Tensor?, _ g: Conv2DGeometry, direct: Bool,
                         activation: ActivationFunction = .identity) -> Tensor {
        DirectConvolution.isEnabled = direct
        return Conv2D.forward(x, weight: w, bias: bias, geometry: g, activation: activation)
    }

    private func inputs(_ g: Conv2DGeometry, batch: Int, height: Int, width: Int, seed: Int) -> (Tensor, Tensor, Tensor) {
        let x = Tensor(shape: [batch, g.inputChannels, height, width],
                       values: testValues(batch * g.inputChannels * height * width, seed: UInt64(seed)))
        let w = Tensor(shape: [g.outputChannels, g.inputChannels, g.kernelSize, g.kernelSize],
                       values: testValues(g.outputChannels * g.patchSize, seed: UInt64(1000 + seed)))
        let bias = Tensor(shape: [g.outputChannels], values: testValues(g.outputChannels, seed: UInt64(2000 + seed)))
        return (x, w, bias)
    }

    func testEqualsThePackedTilesBitForBitAndTheDefinition() {
        var n = 0
        for g in geometries {
            for (height, width) in shapes where g.outputSize(height) > 0 && g.outputSize(width) > 0 {
                n += 1
                let (x, w, bias) = inputs(g, batch: 2, height: height, width: width, seed: n)
                let expected = referenceConvolution(x, w, bias.storage, g)
                let sums = forward(x, w, bias, g, direct: true)
                XCTAssertEqual(sums.shape, [2, g.outputChannels, g.outputSize(height), g.outputSize(width)])
                XCTAssertEqual(sums.storage, forward(x, w, bias, g, direct: false).storage, "\(g) on \(height)×\(width)")
                for (a, b) in zip(sums.storage, expected) {
                    XCTAssertEqual(Double(a), b, accuracy: 1e-5 * max(1, abs(b)), "\(g) on \(height)×\(width)")
                }
                // the epilogue's SiLU and sigmoid are the C tiles' (the packed path's edge tiles
                // apply Swift's, within 4 ulp of them)
                for (activation, code) in [(ActivationFunction.silu, YOLO_TILE_SILU), (.sigmoid, YOLO_TILE_SIGMOID)] {
                    var activated = sums.storage
                    yolo_f32_activate(&activated, activated.count, Int32(code))
                    XCTAssertEqual(forward(x, w, bias, g, direct: true, activation: activation).storage, activated,
                                   "\(g) on \(height)×\(width), \(activation)")
                }
            }
        }
        XCTAssertEqual(n, 51)
    }

    /// Layers whose weights do not fit L2 (64 → 240 channels, 3×3: 553 KB) run block by block
    /// over a zero-bordered copy of their input: still the packed tiles' sums bit for bit, and
    /// the C tiles' activation of them.
    func testLayersWithLargeWeightsEqualThePackedTilesBitForBit() {
        for g in [Conv2DGeometry(inputChannels: 64, outputChannels: 240, kernelSize: 3, stride: 2, padding: 1),
                  Conv2DGeometry(inputChannels: 64, outputChannels: 240, kernelSize: 3, stride: 1, padding: 1)] {
            XCTAssertTrue(DirectConvolution.streamsWeights(blocks: 15, depth: g.patchSize))
            for (n, (height, width)) in [(9, 11), (5, 14), (2, 3)].enumerated() {
                let (x, w, bias) = inputs(g, batch: 2, height: height, width: width, seed: 500 + n)
                let sums = forward(x, w, bias, g, direct: true)
                XCTAssertEqual(sums.storage, forward(x, w, bias, g, direct: false).storage, "\(g) on \(height)×\(width)")
                var activated = sums.storage
                yolo_f32_activate(&activated, activated.count, Int32(YOLO_TILE_SILU))
                XCTAssertEqual(forward(x, w, bias, g, direct: true, activation: .silu).storage, activated,
                               "\(g) on \(height)×\(width), SiLU")
            }
        }
    }

    func testResidualIntoAChannelSliceEqualsThePackedTiles() {
        let g = Conv2DGeometry(inputChannels: 6, outputChannels: 20, kernelSize: 3, stride: 2, padding: 1)
        let (height, width) = (13, 37)
        let (x, w, bias) = inputs(g, batch: 2, height: height, width: width, seed: 7)
        let (outH, outW) = (g.outputSize(height), g.outputSize(width))
        // the outputs are channels 3 ..< 23 of a 25-channel tensor that already holds values
        let imageStride = 25 * outH * outW
        let start = testValues(2 * imageStride, seed: 99)
        var results: [[Float]] = []
        for direct in [true, false] {
            DirectConvolution.isEnabled = direct
            var output = start
            x.storage.withUnsafeBufferPointer { input in
                output.withUnsafeMutableBufferPointer { out in
                    Conv2D.forward(input: FeatureBlock(input.baseAddress!, batch: 2, channels: 6, height: height, width: width),
                                   weight: w, bias: bias, geometry: g, activation: .silu,
                                   output: out.baseAddress! + 3 * outH * outW, outputImageStride: imageStride,
                                   addingToOutput: true)
                }
            }
            results.append(output)
        }
        XCTAssertEqual(results[0], results[1])
        // the channels outside the slice are untouched
        for image in 0..<2 {
            for i in 0..<(3 * outH * outW) { XCTAssertEqual(results[0][image * imageStride + i], start[image * imageStride + i]) }
            for i in (23 * outH * outW)..<imageStride {
                XCTAssertEqual(results[0][image * imageStride + i], start[image * imageStride + i])
            }
        }
    }

    /// Kernels past 3×3 (yolov5's 6×6 stem) go to the packed convolution, whose weights then
    /// carry no direct layout; 3×3 stride-2 layers stay here.
    func testTakesKernelsUpToThreeByThree() {
        DirectConvolution.isEnabled = true
        let stem = Conv2DGeometry(inputChannels: 3, outputChannels: 16, kernelSize: 6, stride: 2, padding: 2)
        let down = Conv2DGeometry(inputChannels: 16, outputChannels: 32, kernelSize: 3, stride: 2, padding: 1)
        XCTAssertFalse(DirectConvolution.packsWeights(for: stem))
        XCTAssertTrue(DirectConvolution.packsWeights(for: down))
        let x = Tensor(shape: [1, 3, 32, 32], repeating: 0.5)
        let stemInput = x.storage.withUnsafeBufferPointer {
            DirectConvolution.applies(to: stem, input: FeatureBlock($0.baseAddress!, batch: 1, channels: 3, height: 32, width: 32),
                                      activation: .silu, inBFloat16: false)
        }
        XCTAssertFalse(stemInput)
        let w = Tensor(shape: [16, 3, 6, 6], values: testValues(16 * 3 * 36, seed: 3))
        XCTAssertNil(PackedConvolutionWeights(w, geometry: stem).direct)
    }

    func testResultsDoNotDependOnTheThreadCountOrOnPrepackedWeights() {
        let g = Conv2DGeometry(inputChannels: 8, outputChannels: 32, kernelSize: 3, stride: 2, padding: 1)
        let (x, w, bias) = inputs(g, batch: 3, height: 19, width: 40, seed: 11)
        DirectConvolution.isEnabled = true
        let packed = PackedConvolutionWeights(w, geometry: g)
        XCTAssertNotNil(packed.direct)
        var results: [[Float]] = []
        for width in [1, 2, 3] {
            Parallel.width = width
            results.append(Conv2D.forward(x, weight: w, bias: bias, geometry: g, activation: .silu).storage)
            results.append(Conv2D.forward(x, weight: w, bias: bias, geometry: g, activation: .silu,
                                          packedWeights: packed).storage)
        }
        for result in results.dropFirst() { XCTAssertEqual(result, results[0]) }
    }

    func testWindowCopyIsTheMapBetweenZeros() {
        let (channels, height, width) = (3, 5, 37)
        let map = testValues(channels * height * width, seed: 5)
        for (firstRow, firstColumn, columns) in [(-2, -3, 20), (3, 30, 17), (-1, 10, 33), (4, -40, 20), (0, 0, 37)] {
            let rows = 4
            var window = [Float](repeating: .nan, count: channels * rows * columns)
            yolo_f32_window_copy(map, channels, height, width, firstRow, rows, firstColumn, columns, &window)
            for c in 0..<channels {
                for r in 0..<rows {
                    for j in 0..<columns {
                        let (y, x) = (firstRow + r, firstColumn + j)
                        let inside = y >= 0 && y < height && x >= 0 && x < width
                        XCTAssertEqual(window[(c * rows + r) * columns + j], inside ? map[(c * height + y) * width + x] : 0,
                                       "rows from \(firstRow), columns from \(firstColumn)")
                    }
                }
            }
        }
    }
}
