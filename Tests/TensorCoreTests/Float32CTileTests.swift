import CKernels
import XCTest
@testable import TensorCore

/// The float32 tiles in C (`PackedConvolution.usesFloat32CTiles`) against Swift's `MicroTile`:
/// the same sums bit for bit (identity, residual and the activations applied in Swift), and
/// their own SiLU and sigmoid within 2.5e-7 of the definitions.
final class Float32CTileTests: KernelTierTestCase {
    private var saved = (PackedConvolution.usesFloat32CTiles, PackedConvolution.panelBytes)

    override func setUpWithError() throws {
        try XCTSkipUnless(PackedConvolution.float32CTilesSupported, "this CPU has neither AVX2 nor AVX-512")
        saved = (PackedConvolution.usesFloat32CTiles, PackedConvolution.panelBytes)
    }

    override func tearDown() {
        (PackedConvolution.usesFloat32CTiles, PackedConvolution.panelBytes) = saved
    }

    /// `body` run with the C tiles, then with Swift's.
    private func inBothTiles<T>(_ body: () -> T) -> (c: T, swift: T) {
        PackedConvolution.usesFloat32CTiles = true
        let c = body()
        PackedConvolution.usesFloat32CTiles = false
        return (c, body())
    }

    /// Packed 1×1 panels and spatial taps read in place (stride 1 and 2, the 6×6 stem), rows of
    /// 23, 25 and 49 pixels (tiles of 17–23 columns go through the C tile and the Swift stores,
    /// shorter ones stay Swift's), partial blocks of output channels, default and smallest tiles.
    func testSumsEqualTheSwiftTileBitForBit() {
        let geometries = [
            Conv2DGeometry(inputChannels: 7, outputChannels: 10, kernelSize: 1),
            Conv2DGeometry(inputChannels: 5, outputChannels: 8, kernelSize: 3, stride: 1, padding: 1),
            Conv2DGeometry(inputChannels: 6, outputChannels: 7, kernelSize: 3, stride: 2, padding: 1),
            Conv2DGeometry(inputChannels: 3, outputChannels: 16, kernelSize: 6, stride: 2, padding: 2),
            Conv2DGeometry(inputChannels: 2, outputChannels: 5, kernelSize: 5, stride: 1, padding: 2),
        ]
        var n = 0
        for g in geometries {
            for (height, width) in [(6, 23), (5, 25), (3, 49), (9, 46)] {
                n += 1
                let x = Tensor(shape: [2, g.inputChannels, height, width],
                               values: testValues(2 * g.inputChannels * height * width, seed: UInt64(300 + n)))
                let w = Tensor(shape: [g.outputChannels, g.inputChannels, g.kernelSize, g.kernelSize],
                               values: testValues(g.outputChannels * g.patchSize, seed: UInt64(400 + n)))
                let bias = Tensor(shape: [g.outputChannels], values: testValues(g.outputChannels, seed: UInt64(500 + n)))
                for panelBytes in [saved.1, 1] {
                    PackedConvolution.panelBytes = panelBytes
                    for activation in [ActivationFunction.identity, .leakyReLU(negativeSlope: 0.1)] {
                        let y = inBothTiles { Conv2D.forward(x, weight: w, bias: bias, geometry: g, activation: activation) }
                        XCTAssertEqual(y.c.storage, y.swift.storage, "\(g) on \(height)×\(width), \(activation)")
                    }
                    let residual = testValues(2 * g.outputChannels * g.outputSize(height) * g.outputSize(width), seed: UInt64(600 + n))
                    let added = inBothTiles { () -> [Float] in
                        var sums = residual
                        x.storage.withUnsafeBufferPointer { input in
                            sums.withUnsafeMutableBufferPointer { output in
                                Conv2D.forward(input: FeatureBlock(input.baseAddress!, batch: 2, channels: g.inputChannels,
                                                                   height: height, width: width),
                                               weight: w, bias: bias, geometry: g, output: output.baseAddress!,
                                               outputImageStride: residual.count / 2, addingToOutput: true)
                            }
                        }
                        return sums
                    }
                    XCTAssertEqual(added.c, added.swift, "residual, \(g) on \(height)×\(width)")
                }
            }
        }
    }

    /// A run of whole tiles in one call (`yolo_f32_tiles_packed`) writes what the tiles write one
    /// by one, with each activation, stored or added, and leaves the columns past the run alone.
    func testARunOfTilesEqualsItsTilesOneByOne() {
        let (steps, tiles) = (13, 3)
        let rowStride = 24 * tiles + 5
        let a = testValues(4 * steps, seed: 21), b = testValues(24 * steps * tiles, seed: 22)
        let bias: [Float] = [0.1, -0.2, 0.3, 0.05]
        for activation in [YOLO_TILE_IDENTITY, YOLO_TILE_SILU, YOLO_TILE_SIGMOID] {
            for adding: Int32 in [0, 1] {
                let start = testValues(4 * rowStride, seed: 23)
                var (oneByOne, run) = (start, start)
                oneByOne.withUnsafeMutableBufferPointer { out in
                    for t in 0..<tiles {
                        b.withUnsafeBufferPointer { b in
                            yolo_f32_tile_packed(steps, a, b.baseAddress! + 24 * steps * t, bias, Int32(activation),
                                                 out.baseAddress! + 24 * t, rowStride, adding)
                        }
                    }
                }
                yolo_f32_tiles_packed(tiles, steps, a, b, bias, Int32(activation), &run, rowStride, adding)
                XCTAssertEqual(run, oneByOne, "activation \(activation), adding \(adding)")
                for r in 0..<4 {
                    XCTAssertEqual(run[(r * rowStride + 24 * tiles)..<((r + 1) * rowStride)],
                                   start[(r * rowStride + 24 * tiles)..<((r + 1) * rowStride)])
                }
            }
        }
    }

    /// SiLU and sigmoid applied by the C tiles against the definitions on the tiles' sums, over
    /// outputs from −400 to 400, and within 4 ulp of Swift's (which divides) from −80 up.
    func testActivationsInTilesOverTheWholeRange() {
        let (g, x, w) = (TileActivationReference.geometry, TileActivationReference.input, TileActivationReference.weight)
        let plain = Conv2D.forward(x, weight: w, bias: nil, geometry: g)
        for activation in [ActivationFunction.silu, .sigmoid] {
            let activated = inBothTiles { Conv2D.forward(x, weight: w, bias: nil, geometry: g, activation: activation).storage }
            for ((a, swift), b) in zip(zip(activated.c, activated.swift), plain.storage) {
                TileActivationReference.assertActivated(a, from: b, by: activation)
                // below −80 the two clamp exp differently (both under 1e-34)
                if b >= -80 {
                    XCTAssertEqual(a, swift, accuracy: 4 * max(a.magnitude, swift.magnitude).ulp, "\(activation)(\(b))")
                }
            }
        }
    }

    /// SiLU and sigmoid over a buffer in C (the epilogue of Winograd's and im2col's products)
    /// are the tiles' arithmetic: the same values as a tile with an identity weight, within
    /// 2.5e-7 of the definitions, a masked tail included.
    func testBufferActivationIsTheTilesActivation() {
        let values = (0..<803).map { Float($0 - 401) * 0.5 }  // 803: fifty vectors and a tail of three
        let g = Conv2DGeometry(inputChannels: 1, outputChannels: 1, kernelSize: 1)
        let x = Tensor(shape: [1, 1, 1, values.count], values: values)
        let w = Tensor(shape: [1, 1, 1, 1], values: [1])
        PackedConvolution.usesFloat32CTiles = true
        for (activation, code) in [(ActivationFunction.silu, YOLO_TILE_SILU), (.sigmoid, YOLO_TILE_SIGMOID)] {
            var buffer = values
            buffer.withUnsafeMutableBufferPointer { yolo_f32_activate($0.baseAddress!, $0.count, Int32(code)) }
            let tiles = Conv2D.forward(x, weight: w, bias: nil, geometry: g, activation: activation).storage
            // the tiles cover all but the last, partial column (the Swift tile's)
            let whole = values.count / MicroTile.columns * MicroTile.columns
            XCTAssertEqual(Array(buffer[..<whole]), Array(tiles[..<whole]), "\(activation)")
            for (a, b) in zip(buffer, values) { TileActivationReference.assertActivated(a, from: b, by: activation) }
        }
    }
}
