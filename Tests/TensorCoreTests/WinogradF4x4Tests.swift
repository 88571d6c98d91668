import CKernels
import XCTest
@testable import TensorCore

/// Winograd F(4×4, 3×3), the inference path's (weights transformed once): against the Float64
/// definition on sizes that leave partial 4×4 blocks at the right and bottom edges, rows of
/// fewer and more than eight blocks, one band per image and one block row per band, products
/// by the float32 C tiles and by sgemm; its epilogue against the direct kernel; its thread
/// count; and the column spans its products are computed in.
final class WinogradF4x4Tests: XCTestCase {
    private let geometries = [Conv2DGeometry(inputChannels: 32, outputChannels: 36, kernelSize: 3, stride: 1, padding: 1),
                              Conv2DGeometry(inputChannels: 33, outputChannels: 34, kernelSize: 3, stride: 1, padding: 1)]
    // (height, width): 20×20 and 40×40 as in yolov5n at 320; 9, 13, 23 and 34 leave partial blocks
    private let shapes = [(8, 8), (20, 20), (9, 13), (21, 34), (40, 40), (13, 9)]

    private func data(_ g: Conv2DGeometry, batch: Int, height: Int, width: Int, seed: UInt64) -> (Tensor, Tensor, Tensor) {
        let x = Tensor(shape: [batch, g.inputChannels, height, width],
                       values: testValues(batch * g.inputChannels * height * width, seed: seed))
        let w = Tensor(shape: [g.outputChannels, g.inputChannels, 3, 3], values: testValues(g.outputChannels * g.patchSize, seed: seed + 1))
        return (x, w, Tensor(shape: [g.outputChannels], values: testValues(g.outputChannels, seed: seed + 2)))
    }

    /// The convolution through `WinogradConvolution` with the given tile, whatever the map size.
    private func winograd(_ x: Tensor, _ w: Tensor, _ bias: Tensor, _ g: Conv2DGeometry, tile: WinogradTile) -> [Float] {
        let (batch, height, width) = (x.shape[0], x.shape[2], x.shape[3])
        let weights = WinogradConvolution.transformedWeights(w.storage, outputs: g.outputChannels, inputs: g.inputChannels,
                                                            tile: tile)
        XCTAssertEqual(weights.tile, tile)
        var y = [Float](repeating: .nan, count: batch * g.outputChannels * height * width)
        x.storage.withUnsafeBufferPointer { input in
            y.withUnsafeMutableBufferPointer { output in
                let block = FeatureBlock(input.baseAddress!, batch: batch, channels: g.inputChannels, height: height, width: width)
                WinogradConvolution(geometry: g, input: block, tile: tile)
                    .run(weights: weights, output: output.baseAddress!, outputImageStride: g.outputChannels * height * width,
                         epilogue: Epilogue(bias: bias.storage, activation: .identity, addsToOutput: false))
            }
        }
        return y
    }

    func testMatchesTheDefinitionInWideAndNarrowBands() {
        let (saved, savedTiles) = (WinogradConvolution.bandBytes, PackedConvolution.usesFloat32CTiles)
        defer { (WinogradConvolution.bandBytes, PackedConvolution.usesFloat32CTiles) = (saved, savedTiles) }
        let tileChoices = PackedConvolution.float32CTilesSupported ? [true, false] : [false]
        var worst: [WinogradTile: Double] = [.f2x2: 0, .f4x4: 0]
        for (n, g) in geometries.enumerated() {
            for (m, (height, width)) in shapes.enumerated() {
                let (x, w, bias) = data(g, batch: 2, height: height, width: width, seed: UInt64(10 * n + 100 * m + 5))
                let expected = referenceConvolution(x, w, bias.storage, g)
                for bandBytes in [saved, [.f2x2: 1, .f4x4: 1]] {
                    WinogradConvolution.bandBytes = bandBytes
                    for tiles in tileChoices {
                        PackedConvolution.usesFloat32CTiles = tiles
                        for tile in [WinogradTile.f2x2, .f4x4] {
                            let y = winograd(x, w, bias, g, tile: tile)
                            // every output written (the buffer started as NaN), none past the map
                            XCTAssertEqual(y.count, expected.count)
                            for (a, b) in zip(y, expected) {
                                worst[tile] = max(worst[tile]!, abs(Double(a) - b) / max(1, abs(b)))
                            }
                        }
                    }
                }
            }
        }
        // F(2×2, 3×3) stays near 7.5e-6 on these values (as in WinogradConvolutionTests). F(4×4, 3×3)'s
        // input transform scales a patch by up to 10 × 10 and its output transform by up to
        // 8 × 8, and the products' rounding errors scale with them: 1.1e-4 here, yet yolov5n's
        // mAP on coco128 is the same to six digits
        print("Winograd worst error relative to max(1, |exact|): F(2×2, 3×3) \(worst[.f2x2]!), F(4×4, 3×3) \(worst[.f4x4]!)")
        XCTAssertLessThan(worst[.f2x2]!, 1e-5)
        XCTAssertLessThan(worst[.f4x4]!, 1.5e-4)
    }

    /// The scalar transforms (CPUs without AVX2, here with the C kernels' tier set to none) give
    /// the AVX2 ones' floats bit for bit, both tiles, on maps with partial blocks and rows of
    /// fewer and more than eight blocks.
    func testScalarTransformsMatchTheVectorOnes() throws {
        let best = yolo_f32_kernel_tier()
        try XCTSkipIf(best == Int32(YOLO_F32_TIER_NONE), "no vector transforms on this CPU to compare with")
        defer { yolo_f32_set_kernel_tier(best) }
        let g = geometries[1]
        for (m, (height, width)) in shapes.enumerated() {
            let (x, w, bias) = data(g, batch: 2, height: height, width: width, seed: UInt64(40 + m))
            for tile in [WinogradTile.f2x2, .f4x4] {
                yolo_f32_set_kernel_tier(best)
                let vector = winograd(x, w, bias, g, tile: tile)
                XCTAssertEqual(yolo_f32_set_kernel_tier(Int32(YOLO_F32_TIER_NONE)), Int32(YOLO_F32_TIER_NONE))
                let scalar = winograd(x, w, bias, g, tile: tile)
                XCTAssert(vector.elementsEqual(scalar) { $0.bitPattern == $1.bitPattern }, "\(tile) at \(height)×\(width)")
            }
        }
    }

    /// Weights packed once for inference run F(4×4, 3×3): bias, SiLU and a residual as the
    /// direct kernel applies them; the same bits for one worker and for three.
    func testPackedWeightsRunItWithTheDirectKernelsEpilogue() {
        XCTAssertEqual(WinogradTile.forPackedWeights, .f4x4)
        let g = geometries[0]
        let (height, width) = (22, 21)
        let (x, w, bias) = data(g, batch: 2, height: height, width: width, seed: 7)
        let packed = PackedConvolutionWeights(w, geometry: g)
        XCTAssertEqual(packed.winograd?.tile, .f4x4)
        let residual = testValues(2 * g.outputChannels * height * width, seed: 9)
        func run(winograd: Bool, activation: ActivationFunction, adding: Bool) -> [Float] {
            let saved = Conv2D.usesWinograd
            defer { Conv2D.usesWinograd = saved }
            Conv2D.usesWinograd = winograd
            var y = adding ? residual : [Float](repeating: 0, count: residual.count)
            x.storage.withUnsafeBufferPointer { input in
                y.withUnsafeMutableBufferPointer { out in
                    Conv2D.forward(input: FeatureBlock(input.baseAddress!, batch: 2, channels: g.inputChannels, height: height,
                                                       width: width),
                                   weight: w, bias: bias, geometry: g, activation: activation, output: out.baseAddress!,
                                   outputImageStride: g.outputChannels * height * width, addingToOutput: adding,
                                   packedWeights: packed)
                }
            }
            return y
        }
        for (activation, adding) in [(ActivationFunction.silu, false), (.identity, false), (.silu, true)] {
            let direct = run(winograd: false, activation: activation, adding: adding)
            let f4 = run(winograd: true, activation: activation, adding: adding)
            var worst: Float = 0
            for (a, b) in zip(f4, direct) { worst = max(worst, abs(a - b) / max(1, abs(b))) }
            XCTAssertLessThan(worst, 1.5e-4, "\(activation), adding \(adding)")
        }
        let savedWidth = Parallel.width
        defer { Parallel.width = savedWidth }
        Parallel.width = 1
        let single = run(winograd: true, activation: .silu, adding: true)
        Parallel.width = 3
        XCTAssert(run(winograd: true, activation: .silu, adding: true) == single)
    }

    /// Bands: F(4×4, 3×3) cuts a single image into two bands where its rows allow (20×20: 5
    /// block rows as 3 + 2; 40×40: 10 as 5 + 5), F(2×2, 3×3) into four or more.
    func testBandsOfASingleImage() {
        let storage = [Float](repeating: 0, count: 1)
        storage.withUnsafeBufferPointer { pointer in
            // 32 + 32 channels: bands of up to 45 (20×20) and 22 (40×40) block rows fit the budget
            let g = Conv2DGeometry(inputChannels: 32, outputChannels: 32, kernelSize: 3, padding: 1)
            for (side, f4Bands) in [(20, [3, 2]), (40, [5, 5])] {
                let block = FeatureBlock(pointer.baseAddress!, batch: 1, channels: 32, height: side, width: side)
                let f4 = WinogradConvolution(geometry: g, input: block, tile: .f4x4)
                XCTAssertEqual(f4.blocksAcross, side / 4)
                XCTAssertEqual((0..<f4.bandCount).map { f4.bandRange($0).count }, f4Bands)
            }
        }
    }

    /// A product row's blocks go in whole tiles of 24, and a rest of 8 or fewer after a whole
    /// tile is computed with that tile as 16 + (8 + rest).
    func testColumnSpans() {
        func spans(_ count: Int) -> [[Int]] {
            var result: [[Int]] = []
            WinogradConvolution.forEachColumnSpan(of: count) { result.append([$0, $1]) }
            return result
        }
        XCTAssertEqual(spans(0), [])
        XCTAssertEqual(spans(5), [[0, 5]])
        XCTAssertEqual(spans(16), [[0, 16]])
        XCTAssertEqual(spans(24), [[0, 24]])
        XCTAssertEqual(spans(26), [[0, 16], [16, 10]])
        XCTAssertEqual(spans(32), [[0, 16], [16, 16]])
        XCTAssertEqual(spans(33), [[0, 24], [24, 9]])
        XCTAssertEqual(spans(50), [[0, 24], [24, 16], [40, 10]])
        XCTAssertEqual(spans(72), [[0, 24], [24, 24], [48, 24]])
        for count in 0..<200 {
            let all = spans(count)
            XCTAssertEqual(all.reduce(0) { $0 + $1[1] }, count)
            XCTAssert(all.allSatisfy { $0[1] >= 1 && $0[1] <= MicroTile.columns && ($0[1] > 8 || all.count == 1) })
            XCTAssertEqual(all.map { $0[0] }, Array(all.reduce(into: [0]) { $0.append($0.last! + $1[1]) }.dropLast()))
        }
    }
}
