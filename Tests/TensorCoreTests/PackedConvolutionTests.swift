import XCTest
import Foundation
@testable import TensorCore

/// The micro-kernel convolution against the Float64 definition on the shapes that exercise its
/// edges: output channels that leave a partial block of four, rows shorter and longer than a
/// 24-pixel tile, strides whose phase planes have odd sizes, kernels with and without padding
/// (stride 2 with paddings 0 to 3), tiles of one panel; and its epilogue (SiLU, residual) and
/// thread count. Stride-2 convolutions are held on the packed tiles' phase rows here
/// (`DirectConvolutionTests` compares the direct kernel with them).
final class PackedConvolutionTests: XCTestCase {
    private var savedDirect = DirectConvolution.isEnabled

    override func setUp() {
        savedDirect = DirectConvolution.isEnabled
        DirectConvolution.isEnabled = false
    }

    override func tearDown() { DirectConvolution.isEnabled = savedDirect }

    private let geometries: [Conv2DGeometry] = [
        Conv2DGeometry(inputChannels: 3, outputChannels: 5, kernelSize: 3, stride: 1, padding: 1),
        Conv2DGeometry(inputChannels: 4, outputChannels: 7, kernelSize: 1),
        Conv2DGeometry(inputChannels: 5, outputChannels: 8, kernelSize: 3, stride: 2, padding: 1),
        Conv2DGeometry(inputChannels: 2, outputChannels: 4, kernelSize: 5, stride: 1, padding: 2),
        Conv2DGeometry(inputChannels: 3, outputChannels: 6, kernelSize: 3, stride: 1, padding: 0),
        Conv2DGeometry(inputChannels: 4, outputChannels: 3, kernelSize: 1, stride: 2, padding: 0),
        Conv2DGeometry(inputChannels: 2, outputChannels: 9, kernelSize: 3, stride: 2, padding: 0),
        // stride 2 with even and odd paddings past one (the first layer has 6×6, stride 2, padding 2)
        Conv2DGeometry(inputChannels: 3, outputChannels: 4, kernelSize: 6, stride: 2, padding: 2),
        Conv2DGeometry(inputChannels: 2, outputChannels: 5, kernelSize: 5, stride: 2, padding: 3),
    ]
    private let shapes = [(7, 5), (6, 23), (5, 25), (3, 49), (11, 1)]

    private func run(_ x: Tensor, _ w: Tensor, _ bias: Tensor?, _ g: Conv2DGeometry,
                     activation: ActivationFunction = .identity) -> Tensor {
        let saved = Conv2D.usesPackedKernel
        defer { Conv2D.usesPackedKernel = saved }
        Conv2D.usesPackedKernel = true
        return Conv2D.forward(x, weight: w, bias: bias, geometry: g, activation: activation)
    }

    func testMatchesTheDefinitionInLargeAndSmallTiles() {
        let saved = PackedConvolution.panelBytes
        defer { PackedConvolution.panelBytes = saved }
        var n = 0
        for g in geometries {
            for (height, width) in shapes where g.outputSize(height) > 0 && g.outputSize(width) > 0 {
                n += 1
                let batch = 3
                let x = Tensor(shape: [batch, g.inputChannels, height, width],
                               values: testValues(batch * g.inputChannels * height * width, seed: UInt64(n)))
                let w = Tensor(shape: [g.outputChannels, g.inputChannels, g.kernelSize, g.kernelSize],
                               values: testValues(g.outputChannels * g.patchSize, seed: UInt64(1000 + n)))
                let bias = testValues(g.outputChannels, seed: UInt64(2000 + n))
                let expected = referenceConvolution(x, w, bias, g)
                // default tiles; the smallest tiles (one panel for 1×1 kernels, three phase rows for
                // spatial ones: several per image, a partial last one)
                for panelBytes in [saved, 1] {
                    PackedConvolution.panelBytes = panelBytes
                    let y = run(x, w, Tensor(shape: [g.outputChannels], values: bias), g)
                    XCTAssertEqual(y.shape, [batch, g.outputChannels, g.outputSize(height), g.outputSize(width)])
                    for (a, b) in zip(y.storage, expected) {
                        XCTAssertEqual(Double(a), b, accuracy: 1e-5 * max(1, abs(b)), "\(g) on \(height)×\(width)")
                    }
                }
            }
        }
    }

    /// The SiLU applied in Swift's tile registers is the same arithmetic as SiLU over a buffer,
    /// bit for bit, and within 1e-6 of x / (1 + expf(−x)). (The C tiles' own SiLU is checked
    /// against it in Float32CTileTests.)
    func testSiLUEpilogueEqualsTheBufferActivation() {
        let saved = PackedConvolution.usesFloat32CTiles
        defer { PackedConvolution.usesFloat32CTiles = saved }
        PackedConvolution.usesFloat32CTiles = false
        let g = Conv2DGeometry(inputChannels: 6, outputChannels: 10, kernelSize: 3, stride: 1, padding: 1)
        let x = Tensor(shape: [2, 6, 9, 30], values: testValues(2 * 6 * 9 * 30, seed: 7).map { $0 * 4 })
        let w = Tensor(shape: [10, 6, 3, 3], values: testValues(540, seed: 8))
        let bias = Tensor(shape: [10], values: testValues(10, seed: 9))
        let fused = run(x, w, bias, g, activation: .silu)
        var separate = run(x, w, bias, g)
        let preActivation = separate
        ActivationFunction.silu.apply(to: &separate)
        XCTAssertEqual(fused.storage, separate.storage)
        for (a, b) in zip(fused.storage, preActivation.storage) {
            XCTAssertEqual(a, b / (1 + expf(-b)), accuracy: 1e-6 * max(1, abs(b)))
        }
    }

    /// Work is shared by tile and by block of output channels; no split changes a sum.
    func testResultsDoNotDependOnTheThreadCount() {
        let g = Conv2DGeometry(inputChannels: 8, outputChannels: 12, kernelSize: 3, stride: 2, padding: 1)
        let x = Tensor(shape: [1, 8, 14, 50], values: testValues(8 * 14 * 50, seed: 10))
        let w = Tensor(shape: [12, 8, 3, 3], values: testValues(12 * 72, seed: 11))
        func output(width: Int) -> [Float] {
            let saved = Parallel.width
            defer { Parallel.width = saved }
            Parallel.width = width
            return run(x, w, nil, g, activation: .silu).storage
        }
        let two = output(width: 2)
        XCTAssertEqual(output(width: 1), two)
        XCTAssertEqual(output(width: 3), two)
    }

    /// Weights packed once and passed in give the same output as packing per call.
    func testPrepackedWeightsEqualPackingPerCall() {
        let g = Conv2DGeometry(inputChannels: 5, outputChannels: 6, kernelSize: 3, stride: 1, padding: 1)
        let x = Tensor(shape: [1, 5, 8, 26], values: testValues(5 * 8 * 26, seed: 12))
        let w = Tensor(shape: [6, 5, 3, 3], values: testValues(270, seed: 13))
        let perCall = run(x, w, nil, g)
        var prepacked = Tensor(uninitializedShape: perCall.shape)
        let packed = PackedConvolutionWeights(w, geometry: g)
        x.storage.withUnsafeBufferPointer { input in
            prepacked.storage.withUnsafeMutableBufferPointer { output in
                Conv2D.forward(input: FeatureBlock(input.baseAddress!, batch: 1, channels: 5, height: 8, width: 26),
                               weight: w, bias: nil, geometry: g, output: output.baseAddress!,
                               outputImageStride: 6 * 8 * 26, packedWeights: packed)
            }
        }
        XCTAssertEqual(prepacked.storage, perCall.storage)
    }

    /// Sigmoid in Swift's tile registers (Detect's heads) is the buffer sigmoid's arithmetic, bit
    /// for bit.
    func testSigmoidEpilogueEqualsTheBufferActivation() {
        let saved = PackedConvolution.usesFloat32CTiles
        defer { PackedConvolution.usesFloat32CTiles = saved }
        PackedConvolution.usesFloat32CTiles = false
        let g = Conv2DGeometry(inputChannels: 7, outputChannels: 9, kernelSize: 1)
        let x = Tensor(shape: [2, 7, 5, 11], values: testValues(2 * 7 * 55, seed: 14).map { $0 * 6 })
        let w = Tensor(shape: [9, 7, 1, 1], values: testValues(63, seed: 15))
        let bias = Tensor(shape: [9], values: testValues(9, seed: 16))
        var separate = run(x, w, bias, g)
        ActivationFunction.sigmoid.apply(to: &separate)
        XCTAssertEqual(run(x, w, bias, g, activation: .sigmoid).storage, separate.storage)
    }

    /// Tiles cover every position once, in order, none longer than `tileLength`; when few, their
    /// count divides among the workers and their lengths differ by at most one 24-pixel column,
    /// and 1×1 layers get at least four tiles per worker where they have that many columns.
    func testSharedOutTilesCoverThePositionsEvenly() {
        let saved = Parallel.width
        defer { Parallel.width = saved }
        let storage = [Float](repeating: 0, count: 1)
        storage.withUnsafeBufferPointer { pointer in
            for workers in [1, 2, 3] {
                Parallel.width = workers
                for (channels, side, kernel, batch) in [(256, 20, 1, 1), (64, 80, 1, 1), (32, 40, 3, 1), (16, 7, 3, 2), (8, 160, 3, 1)] {
                    let g = Conv2DGeometry(inputChannels: channels, outputChannels: 4, kernelSize: kernel, padding: kernel / 2)
                    let block = FeatureBlock(pointer.baseAddress!, batch: batch, channels: channels, height: side, width: side)
                    let layout = TileInput(input: block, geometry: g, outputHeight: side, outputWidth: side,
                                           panelBytes: PackedConvolution.panelBytes, sharedOut: true)
                    let ranges = (0..<layout.tilesPerImage).map(layout.tileRange)
                    XCTAssertEqual(ranges.first?.lowerBound, 0)
                    XCTAssertEqual(ranges.last?.upperBound, layout.positions)
                    for (a, b) in zip(ranges, ranges.dropFirst()) { XCTAssertEqual(a.upperBound, b.lowerBound) }
                    XCTAssertTrue(ranges.allSatisfy { !$0.isEmpty && $0.count <= layout.tileLength })
                    let total = batch * layout.tilesPerImage
                    let columns = (layout.positions + 23) / 24
                    if total < 8 * workers && layout.tilesPerImage < columns {
                        XCTAssertEqual(total % workers, 0, "\(channels)×\(side)² with \(workers) workers: \(total) tiles")
                    }
                    if kernel == 1 && workers > 1 {
                        XCTAssertGreaterThanOrEqual(total, min(batch * columns, 4 * workers), "\(channels)×\(side)², \(workers) workers")
                    }
                    let fullLengths = ranges.dropLast().map(\.count)
                    XCTAssertLessThanOrEqual((fullLengths.max() ?? 0) - (fullLengths.min() ?? 0), MicroTile.columns)
                }
            }
        }
    }

    /// 1×1 convolutions handed out tile by tile, several levels in one region (as Detect's
    /// heads), hold in every tile exactly the values each convolution writes to its output map,
    /// for every position once, under their own level's index (an empty level in between too).
    func testPointwiseTilesHoldTheConvolutionsOutput() {
        let saved = PackedConvolution.panelBytes
        defer { PackedConvolution.panelBytes = saved }
        let batch = 2
        // (input channels, output channels, height, width) per level
        let shapes = [(6, 11, 9, 13), (3, 4, 0, 5), (5, 7, 4, 7)]
        let levels = shapes.enumerated().map { level, shape in
            let (c, o, h, w) = shape
            let seed = UInt64(17 + 3 * level)
            return (x: Tensor(shape: [batch, c, h, w], values: testValues(batch * c * h * w, seed: seed)),
                    w: Tensor(shape: [o, c, 1, 1], values: testValues(o * c, seed: seed + 1)),
                    bias: Tensor(shape: [o], values: testValues(o, seed: seed + 2)),
                    g: Conv2DGeometry(inputChannels: c, outputChannels: o, kernelSize: 1))
        }
        let expected = levels.map { run($0.x, $0.w, $0.bias, $0.g, activation: .sigmoid) }
        for panelBytes in [saved, 1] {
            PackedConvolution.panelBytes = panelBytes
            var collected = expected.map { [Float](repeating: .nan, count: $0.elementCount) }
            var visits = levels.map { [Int](repeating: 0, count: batch * $0.x.shape[2] * $0.x.shape[3]) }
            let lock = NSLock()
            Tensor.withBasePointers(levels.map(\.x)[...]) { bases in
                let blocks = zip(levels, bases).map { level, base in
                    (input: FeatureBlock(base, batch: batch, channels: level.g.inputChannels, height: level.x.shape[2],
                                         width: level.x.shape[3]),
                     weights: PackedConvolutionWeights(level.w, geometry: level.g), bias: Optional(level.bias.storage))
                }
                PackedConvolution.pointwiseTiles(levels: blocks, activation: .sigmoid) { level, image, positions, tile, stride in
                    lock.lock()
                    defer { lock.unlock() }
                    let (outputs, pixels) = (levels[level].g.outputChannels, levels[level].x.shape[2] * levels[level].x.shape[3])
                    for (j, p) in positions.enumerated() {
                        visits[level][image * pixels + p] += 1
                        for o in 0..<outputs { collected[level][(image * outputs + o) * pixels + p] = tile[o * stride + j] }
                    }
                }
            }
            for level in levels.indices {
                XCTAssertEqual(visits[level], [Int](repeating: 1, count: visits[level].count), "level \(level)")
                XCTAssertEqual(collected[level], expected[level].storage, "level \(level)")
            }
        }
    }

    /// A 1×1 convolution over maps read side by side, some upsampled (a network's Upsample →
    /// Concat → conv), equals the convolution of the concatenated tensor, bit for bit.
    func testConcatenatedInputEqualsTheConcatenatedTensor() {
        let saved = PackedConvolution.panelBytes
        defer { PackedConvolution.panelBytes = saved }
        let (batch, height, width) = (2, 6, 15)
        let parts: [(map: Tensor, scale: Int)] = [
            (Tensor(shape: [batch, 3, 2, 5], values: testValues(batch * 30, seed: 20)), 3),
            (Tensor(shape: [batch, 4, height, width], values: testValues(batch * 4 * 90, seed: 21)), 1),
            (Tensor(shape: [batch, 2, 2, 5], values: testValues(batch * 20, seed: 22)), 3),
        ]
        let g = Conv2DGeometry(inputChannels: 9, outputChannels: 6, kernelSize: 1)
        let w = Tensor(shape: [6, 9, 1, 1], values: testValues(54, seed: 23))
        let bias = Tensor(shape: [6], values: testValues(6, seed: 24))
        let concatenated = ChannelOps.concatenate(parts.map { NearestUpsample.forward($0.map, factor: $0.scale) })
        for panelBytes in [saved, 1] {
            PackedConvolution.panelBytes = panelBytes
            let expected = run(concatenated, w, bias, g, activation: .silu)
            let y = Conv2D.pointwiseForward(concatenating: parts, weight: w, bias: bias, activation: .silu)
            XCTAssertEqual(y.shape, expected.shape)
            XCTAssertEqual(y.storage, expected.storage)
        }
        // scale 2 takes the vector path on even columns
        let halves: [(map: Tensor, scale: Int)] = [
            (Tensor(shape: [1, 2, 4, 13], values: testValues(104, seed: 25)), 2),
            (Tensor(shape: [1, 1, 8, 26], values: testValues(208, seed: 26)), 1),
        ]
        let g2 = Conv2DGeometry(inputChannels: 3, outputChannels: 5, kernelSize: 1)
        let w2 = Tensor(shape: [5, 3, 1, 1], values: testValues(15, seed: 27))
        let expected = run(ChannelOps.concatenate(halves.map { NearestUpsample.forward($0.map, factor: $0.scale) }), w2, nil, g2)
        XCTAssertEqual(Conv2D.pointwiseForward(concatenating: halves, weight: w2, bias: nil).storage, expected.storage)
    }

    /// A 1×1 convolution computed only at some channels everywhere and some cells' channels
    /// equals the whole convolution there (to rounding: other summation order).
    func testSparsePointwiseForwardEqualsTheConvolution() {
        let g = Conv2DGeometry(inputChannels: 37, outputChannels: 10, kernelSize: 1)
        let (batch, height, width) = (2, 3, 5)
        let pixels = height * width
        let x = Tensor(shape: [batch, 37, height, width], values: testValues(batch * 37 * pixels, seed: 28))
        let w = Tensor(shape: [10, 37, 1, 1], values: testValues(370, seed: 29))
        let bias = Tensor(shape: [10], values: testValues(10, seed: 30))
        let full = run(x, w, bias, g)
        let cells = [Conv2D.SparseCell(image: 1, pixel: 7, channels: 0..<5), Conv2D.SparseCell(image: 0, pixel: 14, channels: 5..<10)]
        let (dense, cellValues) = Conv2D.sparsePointwiseForward(x, weight: w, bias: bias, denseChannels: [4, 9], cells: cells)
        for b in 0..<batch {
            for (i, channel) in [4, 9].enumerated() {
                for p in 0..<pixels {
                    XCTAssertEqual(dense[(b * 2 + i) * pixels + p], full.storage[(b * 10 + channel) * pixels + p], accuracy: 1e-5)
                }
            }
        }
        for (cell, values) in zip(cells, cellValues) {
            for (j, channel) in cell.channels.enumerated() {
                XCTAssertEqual(values[j], full.storage[(cell.image * 10 + channel) * pixels + cell.pixel], accuracy: 1e-5)
            }
        }
    }
}

/// Stride-2 phase rows filled in C (both column phases from one read of each input row) hold
/// the same floats as one phase at a time in Swift: the convolutions are identical, in float32
/// and in the bfloat16 layout (channel pairs; 3 channels leave the last pair half empty).
final class PhaseRowTests: KernelTierTestCase {
    func testStrideTwoRowsSplitInCEqualTheSwiftSplit() throws {
        try XCTSkipUnless(TileInput.splitsRowsInC, "this CPU has neither AVX2 nor AVX-512")
        let savedBFloat16 = PackedConvolution.usesBFloat16
        defer { TileInput.splitsRowsInC = true; PackedConvolution.usesBFloat16 = savedBFloat16 }
        for bfloat16 in PackedConvolution.bfloat16Supported ? [false, true] : [false] {
            PackedConvolution.usesBFloat16 = bfloat16
            for (n, (kernel, padding)) in [(3, 1), (3, 0), (6, 2), (5, 3), (1, 0), (2, 0)].enumerated() {
                // rows shorter than one vector, across two, and odd widths
                for (height, width) in [(7, 5), (9, 33), (6, 40), (11, 70)] {
                    let g = Conv2DGeometry(inputChannels: 3, outputChannels: 6, kernelSize: kernel, stride: 2, padding: padding)
                    guard g.outputSize(height) > 0 && g.outputSize(width) > 0 else { continue }
                    let x = Tensor(shape: [2, 3, height, width], values: testValues(6 * height * width, seed: UInt64(40 + n)))
                    let w = Tensor(shape: [6, 3, kernel, kernel], values: testValues(6 * g.patchSize, seed: UInt64(50 + n)))
                    let packed = PackedConvolutionWeights(w, geometry: g)
                    let outputs = [true, false].map { inC -> [Float] in
                        TileInput.splitsRowsInC = inC
                        return Conv2D.forward(x, weight: w, bias: nil, geometry: g, packedWeights: packed).storage
                    }
                    XCTAssertEqual(outputs[0], outputs[1], "\(g) on \(height)×\(width), bfloat16 \(bfloat16)")
                }
            }
        }
    }
}

/// Work items: few tiles get their blocks shared out, and a count that would leave one of two
/// workers a tile more is made to divide where one more cut of the blocks does it.
final class PackedScheduleTests: XCTestCase {
    func testFewItemsDivideAmongTheWorkers() {
        let saved = Parallel.width
        defer { Parallel.width = saved }
        Parallel.width = 2
        typealias Schedule = PackedConvolution.Schedule
        XCTAssertEqual(Schedule(tiles: 5, blocks: 128).itemCount, 10)  // 5 → 10: five each
        XCTAssertEqual(Schedule(tiles: 4, blocks: 128).itemCount, 4)
        XCTAssertEqual(Schedule(tiles: 1, blocks: 128).itemCount, 4)  // blocks shared out, as before
        XCTAssertEqual(Schedule(tiles: 3, blocks: 128).itemCount, 6)
        XCTAssertEqual(Schedule(tiles: 5, blocks: 1).itemCount, 5)  // no block to cut
        XCTAssertEqual(Schedule(tiles: 5, blocks: 128, splitsBlocks: false).itemCount, 5)  // a consumer's tiles stay whole
        XCTAssertEqual(Schedule(tiles: 17, blocks: 128).itemCount, 17)  // many items: the last one matters little
        // every block of every tile exactly once
        let schedule = Schedule(tiles: 5, blocks: 7)
        var seen = [[Int]](repeating: [], count: 5)
        for item in 0..<schedule.itemCount {
            let (tile, blocks) = schedule.item(item)
            seen[tile] += Array(blocks)
        }
        XCTAssertEqual(seen, [[Int]](repeating: Array(0..<7), count: 5))
    }
}
