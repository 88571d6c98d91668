import XCTest
@testable import TensorCore

/// Winograd F(2×2, 3×3) against the Float64 definition: odd and even sizes (partial 2×2
/// blocks at the right and bottom edges), rows narrower than eight blocks and wider, one band
/// per image and one block row per band, its products by the float32 C tiles (outputs not a
/// multiple of their four rows) and by sgemm; its epilogue (bias, SiLU, residual) against the direct
/// kernel, its thread count, and weights transformed once against per call.
final class WinogradConvolutionTests: XCTestCase {
    private let geometries = [Conv2DGeometry(inputChannels: 32, outputChannels: 36, kernelSize: 3, stride: 1, padding: 1),
                              Conv2DGeometry(inputChannels: 40, outputChannels: 32, kernelSize: 3, stride: 1, padding: 1),
                              Conv2DGeometry(inputChannels: 33, outputChannels: 34, kernelSize: 3, stride: 1, padding: 1)]
    private let shapes = [(7, 5), (6, 23), (10, 10), (1, 9), (21, 34), (20, 20)]  // 20×20: 5 bands made 2

    private func data(_ g: Conv2DGeometry, batch: Int, height: Int, width: Int, seed: UInt64) -> (Tensor, Tensor, Tensor) {
        let x = Tensor(shape: [batch, g.inputChannels, height, width],
                       values: testValues(batch * g.inputChannels * height * width, seed: seed))
        let w = Tensor(shape: [g.outputChannels, g.inputChannels, 3, 3], values: testValues(g.outputChannels * g.patchSize, seed: seed + 1))
        return (x, w, Tensor(shape: [g.outputChannels], values: testValues(g.outputChannels, seed: seed + 2)))
    }

    private func convolve(_ x: Tensor, _ w: Tensor, _ bias: Tensor?, _ g: Conv2DGeometry, winograd: Bool,
                          activation: ActivationFunction = .identity) -> Tensor {
        let saved = Conv2D.usesWinograd
        defer { Conv2D.usesWinograd = saved }
        Conv2D.usesWinograd = winograd
        return Conv2D.forward(x, weight: w, bias: bias, geometry: g, activation: activation)
    }

    func testMatchesTheDefinitionInWideAndNarrowBands() {
        let (saved, savedTiles) = (WinogradConvolution.bandBytes, PackedConvolution.usesFloat32CTiles)
        defer { (WinogradConvolution.bandBytes, PackedConvolution.usesFloat32CTiles) = (saved, savedTiles) }
        let tileChoices = PackedConvolution.float32CTilesSupported ? [true, false] : [false]
        var (worst, directWorst) = (0.0, 0.0)
        for (n, g) in geometries.enumerated() {
            XCTAssertTrue(WinogradConvolution.applies(to: g))
            for (m, (height, width)) in shapes.enumerated() {
                let (x, w, bias) = data(g, batch: 2, height: height, width: width, seed: UInt64(10 * n + 100 * m))
                let expected = referenceConvolution(x, w, bias.storage, g)
                let direct = convolve(x, w, bias, g, winograd: false)
                for (a, b) in zip(direct.storage, expected) { directWorst = max(directWorst, abs(Double(a) - b) / max(1, abs(b))) }
                for bandBytes in [saved, [.f2x2: 1, .f4x4: 1]] {
                    WinogradConvolution.bandBytes = bandBytes
                    for tiles in tileChoices {
                        PackedConvolution.usesFloat32CTiles = tiles
                        let weights = WinogradConvolution.transformedWeights(w.storage, outputs: g.outputChannels,
                                                                            inputs: g.inputChannels)
                        XCTAssertEqual(weights.tiled, tiles)
                        let y = convolve(x, w, bias, g, winograd: true)
                        XCTAssertEqual(y.shape, [2, g.outputChannels, height, width])
                        for (a, b) in zip(y.storage, expected) { worst = max(worst, abs(Double(a) - b) / max(1, abs(b))) }
                    }
                }
            }
        }
        // the direct kernel's own float sums reach 9e-6 on these shapes; the transforms' roundings
        // keep Winograd at the same order (6.7e-6)
        print("Winograd F(2×2, 3×3): worst error relative to max(1, |exact|): \(worst) (direct kernel: \(directWorst))")
        XCTAssertLessThan(worst, 1e-5)
        XCTAssertLessThan(worst, 2 * directWorst)
    }

    /// An odd number of bands becomes an even number: of equal bands where the budget allows,
    /// else one band more; the rows are then shared out as evenly as they go, longer bands first.
    func testBandsAreSharedEvenly() {
        XCTAssertEqual(WinogradConvolution.evenBandCount(2, blockRows: 10, budget: 8), 2)  // 5 bands of 2 → 2 of 5
        XCTAssertEqual(WinogradConvolution.evenBandCount(2, blockRows: 14, budget: 8), 2)  // 7 of 2 → 2 of 7
        XCTAssertEqual(WinogradConvolution.evenBandCount(5, blockRows: 20, budget: 8), 4)  // even already
        XCTAssertEqual(WinogradConvolution.evenBandCount(4, blockRows: 20, budget: 4), 6)  // 5 of 4, no room: 6 bands
        XCTAssertEqual(WinogradConvolution.evenBandCount(2, blockRows: 10, budget: 4), 6)  // no equal split in 3...4
        XCTAssertEqual(WinogradConvolution.evenBandCount(3, blockRows: 20, budget: 3), 8)  // yolov5n 640's 40×40: 7 → 8
        XCTAssertEqual(WinogradConvolution.evenBandCount(7, blockRows: 7, budget: 8), 1)  // one band
        XCTAssertEqual(WinogradConvolution.evenBandCount(3, blockRows: 9, budget: 9), 4)  // 9 has no equal even split
        XCTAssertEqual(WinogradConvolution.evenBandCount(1, blockRows: 3, budget: 1), 3)  // never more bands than rows
        // 20 block rows in 8 bands: 3, 3, 3, 3, 2, 2, 2, 2 (two workers taking them in turn: 10 rows each)
        let storage = [Float](repeating: 0, count: 1)
        storage.withUnsafeBufferPointer { pointer in
            let saved = WinogradConvolution.bandBytes
            defer { WinogradConvolution.bandBytes = saved }
            let g = Conv2DGeometry(inputChannels: 64, outputChannels: 64, kernelSize: 3, padding: 1)
            let block = FeatureBlock(pointer.baseAddress!, batch: 1, channels: 64, height: 40, width: 40)
            WinogradConvolution.bandBytes[.f2x2] = 3 * 16 * 4 * 20 * 128  // three block rows of 20 blocks, 64 + 64 channels
            let winograd = WinogradConvolution(geometry: g, input: block)
            XCTAssertEqual(winograd.bandCount, 8)
            XCTAssertEqual((0..<8).map { winograd.bandRange($0).count }, [3, 3, 3, 3, 2, 2, 2, 2])
            XCTAssertEqual(winograd.bandRange(0).lowerBound, 0)
            XCTAssertEqual(winograd.bandRange(7).upperBound, 20)
            XCTAssertEqual(winograd.bandRows, 3)
        }
    }

    func testEpilogueEqualsTheDirectKernels() {
        let g = geometries[0]
        let (x, w, bias) = data(g, batch: 2, height: 13, width: 18, seed: 7)
        for activation in [ActivationFunction.silu, .identity] {
            let direct = convolve(x, w, bias, g, winograd: false, activation: activation)
            let winograd = convolve(x, w, bias, g, winograd: true, activation: activation)
            for (a, b) in zip(winograd.storage, direct.storage) { XCTAssertEqual(a, b, accuracy: 1e-5 * max(1, abs(b))) }
        }
        // residual: output = f(conv + bias) + output
        let residual = testValues(2 * g.outputChannels * 13 * 18, seed: 9)
        var outputs: [[Float]] = []
        for winograd in [false, true] {
            let saved = Conv2D.usesWinograd
            defer { Conv2D.usesWinograd = saved }
            Conv2D.usesWinograd = winograd
            var y = residual
            x.storage.withUnsafeBufferPointer { input in
                y.withUnsafeMutableBufferPointer { out in
                    Conv2D.forward(input: FeatureBlock(input.baseAddress!, batch: 2, channels: g.inputChannels, height: 13, width: 18),
                                   weight: w, bias: bias, geometry: g, activation: .silu, output: out.baseAddress!,
                                   outputImageStride: g.outputChannels * 13 * 18, addingToOutput: true)
                }
            }
            outputs.append(y)
        }
        for (a, b) in zip(outputs[1], outputs[0]) { XCTAssertEqual(a, b, accuracy: 1e-5 * max(1, abs(b))) }
    }

    func testResultsDoNotDependOnTheThreadCountOrOnPrepackedWeights() {
        let g = geometries[1]
        let (x, w, bias) = data(g, batch: 3, height: 17, width: 22, seed: 21)
        let saved = Parallel.width
        defer { Parallel.width = saved }
        Parallel.width = 1
        let single = convolve(x, w, bias, g, winograd: true)
        Parallel.width = 3
        let several = convolve(x, w, bias, g, winograd: true)
        XCTAssert(single.storage == several.storage)
        // weights transformed once for F(2×2, 3×3) give what the per-call transform gives
        let savedTile = WinogradTile.forPackedWeights
        defer { WinogradTile.forPackedWeights = savedTile }
        WinogradTile.forPackedWeights = .f2x2
        let prepacked = Conv2D.forward(x, weight: w, bias: bias, geometry: g, packedWeights: PackedConvolutionWeights(w, geometry: g))
        XCTAssert(prepacked.storage == several.storage)
    }

    /// The weight gradient through the transposed transforms: odd sizes (blocks half outside the
    /// map), groups of four images and a partial last group, accumulated onto dW's starting
    /// values, against the Float64 definition; the same bits for one worker and for three.
    func testWeightGradientMatchesTheDefinitionWhateverTheThreadCount() {
        let savedGroupBytes = WinogradWeightGradient.groupBytes
        defer { WinogradWeightGradient.groupBytes = savedGroupBytes }
        WinogradWeightGradient.groupBytes = 1
        let batch = 5
        var (worst, directWorst) = (0.0, 0.0)
        for (n, (g, height, width)) in [(Conv2DGeometry(inputChannels: 64, outputChannels: 68, kernelSize: 3, stride: 1, padding: 1), 9, 13),
                                        (Conv2DGeometry(inputChannels: 72, outputChannels: 64, kernelSize: 3, stride: 1, padding: 1), 10, 18)].enumerated() {
            XCTAssertTrue(WinogradWeightGradient.applies(to: g, height: height, width: width))
            let x = Tensor(shape: [batch, g.inputChannels, height, width],
                           values: testValues(batch * g.inputChannels * height * width, seed: UInt64(300 + n)))
            let dy = Tensor(shape: [batch, g.outputChannels, height, width],
                            values: testValues(batch * g.outputChannels * height * width, seed: UInt64(310 + n)))
            let start = testValues(g.outputChannels * g.patchSize, seed: UInt64(320 + n))
            let expected = weightGradient64(x, dy, g, start: start)
            let results = weightGradients(x, dy, g, start: start)
            for (a, e) in zip(results[0], expected) { worst = max(worst, abs(Double(a) - e) / max(1, abs(e))) }
            XCTAssert(results[0] == results[1], "case \(n) depends on the thread count")
            let savedWinograd = Conv2D.usesWinograd
            defer { Conv2D.usesWinograd = savedWinograd }
            Conv2D.usesWinograd = false
            var direct = Tensor(shape: [g.outputChannels, g.inputChannels, 3, 3], values: start)
            Conv2DBackward.accumulateWeightGradient(dy, input: x, geometry: g, into: &direct)
            for (a, e) in zip(direct.storage, expected) { directWorst = max(directWorst, abs(Double(a) - e) / max(1, abs(e))) }
        }
        print("Winograd weight gradient: worst error relative to max(1, |exact|): \(worst) (direct: \(directWorst))")
        XCTAssertLessThan(worst, 2e-5)
        XCTAssertLessThan(worst, 2 * directWorst)
    }
}
