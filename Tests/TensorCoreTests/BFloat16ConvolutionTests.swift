import CKernels
import XCTest
@testable import TensorCore

/// The BF16 inference kernels: with inputs and weights rounded to bfloat16 (as the kernels do),
/// their float32 sums equal the Float64 definition to float32 rounding; against the unrounded
/// definition they differ by bfloat16's rounding, which shows the BF16 path ran.
final class BFloat16ConvolutionTests: XCTestCase {
    private var saved = (PackedConvolution.usesBFloat16, PackedConvolution.panelBytes)

    override func setUpWithError() throws {
        try XCTSkipUnless(PackedConvolution.bfloat16Supported, "this CPU has no AVX512-BF16")
        saved = (PackedConvolution.usesBFloat16, PackedConvolution.panelBytes)
        PackedConvolution.usesBFloat16 = true  // the 3×3 stride-1 cases then skip Winograd
    }

    override func tearDown() {
        (PackedConvolution.usesBFloat16, PackedConvolution.panelBytes) = saved
    }

    func testConvolutionsEqualTheDefinitionOnRoundedValues() {
        let cases: [(Conv2DGeometry, height: Int, width: Int)] = [
            (Conv2DGeometry(inputChannels: 3, outputChannels: 16, kernelSize: 6, stride: 2, padding: 2), 22, 30),  // the stem
            (Conv2DGeometry(inputChannels: 5, outputChannels: 8, kernelSize: 3, stride: 1, padding: 1), 9, 7),
            (Conv2DGeometry(inputChannels: 16, outputChannels: 6, kernelSize: 3, stride: 2, padding: 1), 20, 26),
            (Conv2DGeometry(inputChannels: 7, outputChannels: 6, kernelSize: 1), 9, 7),
            (Conv2DGeometry(inputChannels: 33, outputChannels: 40, kernelSize: 1), 20, 26),
            (Conv2DGeometry(inputChannels: 34, outputChannels: 12, kernelSize: 3, stride: 1, padding: 1), 12, 30),
        ]
        for panelBytes in [saved.1, 1] {
            PackedConvolution.panelBytes = panelBytes  // 1: the smallest tiles, many of them per image
            for (n, (g, height, width)) in cases.enumerated() {
                let x = Tensor(shape: [2, g.inputChannels, height, width],
                               values: testValues(2 * g.inputChannels * height * width, seed: UInt64(700 + n)))
                let w = Tensor(shape: [g.outputChannels, g.inputChannels, g.kernelSize, g.kernelSize],
                               values: testValues(g.outputChannels * g.patchSize, seed: UInt64(800 + n)))
                let bias = testValues(g.outputChannels, seed: UInt64(900 + n))
                let y = Conv2D.forward(x, weight: w, bias: Tensor(shape: [g.outputChannels], values: bias), geometry: g)
                XCTAssertEqual(y.shape, [2, g.outputChannels, g.outputSize(height), g.outputSize(width)])
                assertRoundedDefinition(y, x, w, bias, g, "case \(n), panel bytes \(panelBytes)")
            }
        }
    }

    /// A 1×1 convolution reading a concatenation in place, one part upsampled (Upsample →
    /// Concat → conv), and the SiLU epilogue.
    func testConcatenatedInputAndActivation() {
        let parts: [(map: Tensor, scale: Int)] = [
            (Tensor(shape: [2, 3, 4, 13], values: testValues(2 * 3 * 52, seed: 30)), 2),
            (Tensor(shape: [2, 4, 8, 26], values: testValues(2 * 4 * 208, seed: 31)), 1),
        ]
        let g = Conv2DGeometry(inputChannels: 7, outputChannels: 9, kernelSize: 1)
        let w = Tensor(shape: [9, 7, 1, 1], values: testValues(63, seed: 32))
        let bias = testValues(9, seed: 33)
        let biasTensor = Tensor(shape: [9], values: bias)
        let concatenated = ChannelOps.concatenate(parts.map { NearestUpsample.forward($0.map, factor: $0.scale) })
        let plain = Conv2D.pointwiseForward(concatenating: parts, weight: w, bias: biasTensor)
        assertRoundedDefinition(plain, concatenated, w, bias, g, "concatenation")
        let activated = Conv2D.pointwiseForward(concatenating: parts, weight: w, bias: biasTensor, activation: .silu)
        for (a, b) in zip(activated.storage, plain.storage) {
            let exact = ActivationFunction.silu.apply(b)
            XCTAssertEqual(a, exact, accuracy: max(1e-6, 5e-7 * abs(exact)))  // the tiles' SiLU: within 4 ulp
        }
    }

    /// The tiles' own SiLU and sigmoid (no division) against the definitions on the tile's
    /// sums, over outputs from −400 to 400 (large negative ones once made SiLU NaN).
    func testActivationsInTilesOverTheWholeRange() {
        let (g, x, w) = (TileActivationReference.geometry, TileActivationReference.input, TileActivationReference.weight)
        let plain = Conv2D.forward(x, weight: w, bias: nil, geometry: g)
        for activation in [ActivationFunction.silu, .sigmoid] {
            let activated = Conv2D.forward(x, weight: w, bias: nil, geometry: g, activation: activation)
            for (a, b) in zip(activated.storage, plain.storage) {
                TileActivationReference.assertActivated(a, from: b, by: activation)
            }
        }
    }

    /// The residual epilogue (output = f(conv + bias) + output), in whole tiles stored by the C
    /// tile and in edge tiles stored by the float32 path: exactly the plain result plus what
    /// was there.
    func testResidualEpilogueAddsToTheOutput() {
        for (n, g) in [Conv2DGeometry(inputChannels: 6, outputChannels: 10, kernelSize: 3, padding: 1),
                       Conv2DGeometry(inputChannels: 6, outputChannels: 10, kernelSize: 1)].enumerated() {
            let (batch, height, width) = (2, 13, 29)  // rows of 29: tiles straddle rows and the map's end
            let x = Tensor(shape: [batch, 6, height, width], values: testValues(batch * 6 * height * width, seed: UInt64(50 + n)))
            let w = Tensor(shape: [10, 6, g.kernelSize, g.kernelSize], values: testValues(10 * g.patchSize, seed: UInt64(60 + n)))
            let bias = Tensor(shape: [10], values: testValues(10, seed: UInt64(70 + n)))
            let plain = Conv2D.forward(x, weight: w, bias: bias, geometry: g, activation: .silu)
            let residual = testValues(plain.elementCount, seed: UInt64(80 + n))
            var sums = residual
            x.storage.withUnsafeBufferPointer { input in
                sums.withUnsafeMutableBufferPointer { output in
                    Conv2D.forward(input: FeatureBlock(input.baseAddress!, batch: batch, channels: 6, height: height, width: width),
                                   weight: w, bias: bias, geometry: g, activation: .silu, output: output.baseAddress!,
                                   outputImageStride: 10 * height * width, addingToOutput: true)
                }
            }
            XCTAssertEqual(sums, zip(plain.storage, residual).map { $0 + $1 }, "case \(n)")
        }
    }

    /// The same values whatever the thread count: each output is one tile's sum in a fixed order.
    func testResultsDoNotDependOnTheThreadCount() {
        let saved = Parallel.width
        defer { Parallel.width = saved }
        for (n, g) in [Conv2DGeometry(inputChannels: 12, outputChannels: 20, kernelSize: 3, padding: 1),
                       Conv2DGeometry(inputChannels: 12, outputChannels: 20, kernelSize: 1)].enumerated() {
            let x = Tensor(shape: [2, 12, 18, 30], values: testValues(2 * 12 * 18 * 30, seed: UInt64(90 + n)))
            let w = Tensor(shape: [20, 12, g.kernelSize, g.kernelSize], values: testValues(20 * g.patchSize, seed: UInt64(95 + n)))
            let outputs = [1, 3].map { width -> [Float] in
                Parallel.width = width
                return Conv2D.forward(x, weight: w, bias: nil, geometry: g, activation: .silu).storage
            }
            XCTAssertEqual(outputs[0], outputs[1], "case \(n)")
        }
    }

    /// Weights packed with the mode off carry no bfloat16 copy and run in float32.
    func testWeightsPackedWithTheModeOffStayFloat32() {
        let g = Conv2DGeometry(inputChannels: 4, outputChannels: 4, kernelSize: 1)
        let w = Tensor(shape: [4, 4, 1, 1], values: testValues(16, seed: 40))
        XCTAssertNotNil(PackedConvolutionWeights(w, geometry: g).bfloat16Pairs)
        PackedConvolution.usesBFloat16 = false
        XCTAssertNil(PackedConvolutionWeights(w, geometry: g).bfloat16Pairs)
    }

    /// `y` against the definition on bfloat16-rounded x and w, to float32 summation error
    /// (4e-6 of the sum of the terms' magnitudes, about 60 float32 ulps of it), and unequal to
    /// the definition on the unrounded values somewhere.
    private func assertRoundedDefinition(_ y: Tensor, _ x: Tensor, _ w: Tensor, _ bias: [Float], _ g: Conv2DGeometry,
                                         _ label: String, file: StaticString = #filePath, line: UInt = #line) {
        let (batch, height, width) = (x.shape[0], x.shape[2], x.shape[3])
        let (roundedX, roundedW) = (rounded(x.storage), rounded(w.storage))
        let expected = convolution64(roundedX, batch: batch, height: height, width: width, roundedW, bias.map(Double.init), g)
        let magnitudes = convolution64(roundedX.map(abs), batch: batch, height: height, width: width, roundedW.map(abs),
                                       bias.map { Double(abs($0)) }, g)
        let unrounded = referenceConvolution(x, w, bias, g)
        var worstRoundingEffect = 0.0
        for i in expected.indices {
            XCTAssertEqual(Double(y.storage[i]), expected[i], accuracy: 4e-6 * magnitudes[i], "\(label) at \(i)",
                           file: file, line: line)
            worstRoundingEffect = max(worstRoundingEffect, abs(Double(y.storage[i]) - unrounded[i]) / magnitudes[i])
        }
        XCTAssertGreaterThan(worstRoundingEffect, 1e-4, "\(label): no sign of bfloat16 rounding", file: file, line: line)
    }

    private func rounded(_ values: [Float]) -> [Double] {
        var halves = [UInt16](repeating: 0, count: values.count)
        yolo_bf16_round(values, &halves, values.count)
        return halves.map { Double(Float(bitPattern: UInt32($0) << 16)) }
    }
}
