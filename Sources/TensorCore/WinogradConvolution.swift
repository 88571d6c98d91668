import CKernels

/// 3×3, stride-1, "same" convolutions by Winograd's minimal filtering F(m×m, 3×3) (Lavin & Gray,
/// 2015; `WinogradTile`: m = 2 or 4): each m×m block of outputs is computed from the
/// (m + 2)×(m + 2) input patch around it as Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A, so a block costs (m + 2)²
/// multiplications per (output, input) channel pair instead of 9m², and the multiplications of
/// all blocks become (m + 2)² matrix products M_ξ = U_ξ·V_ξ ([O × C]·[C × blocks], one per
/// element ξ of the transformed patch).
///
/// The output is computed in bands of block rows sized so that a band's transformed inputs V and
/// products M stay in L2; each band is one work item (image, band), so every output is computed
/// by one worker in a fixed order and the result does not depend on the thread count. F(2×2,
/// 3×3)'s transforms add and subtract, so its results differ from the direct sum by a few units
/// in the last place; F(4×4, 3×3)'s scale by up to 25 and 64 and round more (`WinogradTile`;
/// both tested against the definition).
struct WinogradConvolution {
    let geometry: Conv2DGeometry
    let input: FeatureBlock
    let tile: WinogradTile
    /// Blocks of m×m outputs per block row, block rows per image, bands per image and block rows
    /// in the largest band (`bandRange` gives each band's rows).
    let blocksAcross: Int, blockRows: Int, bandCount: Int, bandRows: Int

    /// Target size of one band's transformed inputs and products, per tile. F(4×4, 3×3)'s bands
    /// of 2 MiB (past L2, into L3) against 640 KiB, in-process A/B over 300 pairs (yolov5s 100):
    /// yolov5n 1.002 at 320, 1.000 at 640; yolov5s 0.996 and 0.949 (at 640 every one of its
    /// Winograd layers was cut into bands of one block row, 5 to 40 blocks); 3 MiB against 2:
    /// 0.995–1.003.
    nonisolated(unsafe) static var bandBytes: [WinogradTile: Int] = [.f2x2: 640 * 1024, .f4x4: 2 << 20]

    /// Fewer channels than this on either side leave the products too small for sgemm to be
    /// efficient (the direct kernel is then faster). yolov5's 6×6 stride-2 stem is a 3×3
    /// convolution of its input's 12 stride phases, but as that, F(4×4, 3×3) on 12 and 16
    /// channels took 1.01 ms where the packed convolution takes 0.74 (yolov5n at 320): the
    /// transforms of 12 input and 16 output planes and the phase split cost more than the
    /// products save.
    static let minimumChannels = 32

    /// Maps narrower or shorter than this have too few blocks per band for the products.
    static let minimumSide = 20

    /// The convolutions F(2×2, 3×3) computes: 3×3, stride 1, padding 1, no dilation or groups.
    static func hasKernelShape(_ g: Conv2DGeometry) -> Bool {
        g.kernelSize == 3 && g.stride == 1 && g.padding == 1 && g.dilation == 1 && g.groups == 1
    }

    static func applies(to g: Conv2DGeometry) -> Bool {
        hasKernelShape(g) && g.inputChannels >= minimumChannels && g.outputChannels >= minimumChannels
    }

    /// Smaller maps qualify in batches of at least this many images (enough bands for the workers).
    static let minimumBatchForSmallMaps = 4

    static func applies(to g: Conv2DGeometry, input: FeatureBlock) -> Bool {
        applies(to: g) && input.parts == nil && input.height >= 8 && input.width >= 8
            && ((input.height >= minimumSide && input.width >= minimumSide) || input.batch >= minimumBatchForSmallMaps)
    }

    init(geometry g: Conv2DGeometry, input: FeatureBlock, tile: WinogradTile = .f2x2) {
        precondition(Self.hasKernelShape(g) && input.parts == nil, "Winograd does not apply to \(g)")
        geometry = g
        self.input = input
        self.tile = tile
        let side = tile.outputSide
        blocksAcross = (input.width + side - 1) / side
        blockRows = (input.height + side - 1) / side
        let bytesPerBlockRow = tile.elements * 4 * blocksAcross * (g.inputChannels + g.outputChannels)
        // a few images keep the workers busy with one band each; a single image is cut into
        // bands where its rows allow (a shape-only rule: the bands never depend on the thread count)
        let rowsForWorkers = input.batch >= Self.minimumBatchForSmallMaps ? blockRows : tile.rowsForWorkers(blockRows)
        let rowsInBudget = Self.bandBytes[tile]! / bytesPerBlockRow
        let rows = max(1, min(rowsForWorkers, rowsInBudget))
        bandCount = Self.evenBandCount(rows, blockRows: blockRows, budget: rowsInBudget)
        bandRows = (blockRows + bandCount - 1) / bandCount
    }

    /// How many bands of at most `rows` block rows (or the budget's) cut `blockRows`, an even
    /// number where there is more than one, so that two workers end together: an odd count
    /// leaves one worker alone through the last band (yolov5n at 640 cut its 20 and 10 block
    /// rows into 7 and 5 bands). First choice, as many equal bands of more rows within the
    /// budget (fewer, larger products: yolov5n's 20×20 maps at 320 go from 5 bands of 2 rows to 2
    /// of 5, 2–3% off the whole pass); else one band more, the rows shared out as evenly as they
    /// go (`bandRange`).
    static func evenBandCount(_ rows: Int, blockRows: Int, budget: Int) -> Int {
        let bands = (blockRows + rows - 1) / rows
        guard bands > 1 && bands % 2 == 1 else { return bands }
        if rows < budget,
           let equal = ((rows + 1)...min(budget, blockRows)).first(where: {
               blockRows % $0 == 0 && (blockRows / $0) % 2 == 0 }) {
            return blockRows / equal
        }
        return min(bands + 1, blockRows)
    }

    /// The block rows of band `band` (< `bandCount`): shared out as evenly as they go, the bands
    /// with one row more first (workers take them in order, so the shorter ones even them up).
    func bandRange(_ band: Int) -> Range<Int> {
        let (base, longer) = (blockRows / bandCount, blockRows % bandCount)
        let start = band * base + min(band, longer)
        return start..<(start + base + (band < longer ? 1 : 0))
    }

    /// U_ξ[o][c] = (G·w[o][c]·Gᵀ)_ξ, ξ = (m + 2)i + j: for F(2×2, 3×3),
    /// G = [[1, 0, 0], [½, ½, ½], [½, −½, ½], [0, 0, 1]]; for F(4×4, 3×3), `f4x4Kernel`'s.
    /// The (o, c) pairs go in pieces through a small buffer, so the matrices are written row
    /// piece by row piece: written directly, the sixteen or 36 streams (often multiples of 4 KiB
    /// apart) evict one another from L1 at every pair. The pieces are shared across cores:
    /// training transforms every layer's weights anew at each step.
    static func transformedWeights(_ weight: UnsafePointer<Float>, outputs: Int, inputs: Int,
                                   tile: WinogradTile = .f2x2) -> WinogradWeights {
        WinogradWeights(rowMajor: rowMajorTransformedWeights(weight, outputs: outputs, inputs: inputs, tile: tile),
                        tile: tile, outputs: outputs, inputs: inputs)
    }

    /// The U_ξ, each row-major [O × C].
    static func rowMajorTransformedWeights(_ weight: UnsafePointer<Float>, outputs: Int, inputs: Int,
                                           tile: WinogradTile = .f2x2) -> [Float] {
        let planeCount = outputs * inputs
        let piece = 256
        let elements = tile.elements
        return [Float](unsafeUninitializedCapacity: elements * planeCount) { target, initialized in
            Parallel.forEach((planeCount + piece - 1) / piece, minimumChunk: 8) { pieces in
                withUnsafeTemporaryAllocation(of: Float.self, capacity: elements * piece) { buffer in
                    let local = buffer.baseAddress!
                    for index in pieces {
                        let first = index * piece
                        let count = min(piece, planeCount - first)
                        for j in 0..<count {
                            let w = weight + (first + j) * 9
                            if tile == .f4x4 {
                                f4x4Kernel(w) { xi, value in local[xi * piece + j] = value }
                                continue
                            }
                            // G·w (4×3), one column of w at a time
                            func rows(_ column: Int) -> (Float, Float, Float, Float) {
                                let (w0, w1, w2) = (w[column], w[3 + column], w[6 + column])
                                return (w0, (w0 + w1 + w2) * 0.5, (w0 - w1 + w2) * 0.5, w2)
                            }
                            let (c0, c1, c2) = (rows(0), rows(1), rows(2))
                            // (G·w)·Gᵀ row by row
                            func put(_ i: Int, _ r0: Float, _ r1: Float, _ r2: Float) {
                                local[(4 * i) * piece + j] = r0
                                local[(4 * i + 1) * piece + j] = (r0 + r1 + r2) * 0.5
                                local[(4 * i + 2) * piece + j] = (r0 - r1 + r2) * 0.5
                                local[(4 * i + 3) * piece + j] = r2
                            }
                            put(0, c0.0, c1.0, c2.0)
                            put(1, c0.1, c1.1, c2.1)
                            put(2, c0.2, c1.2, c2.2)
                            put(3, c0.3, c1.3, c2.3)
                        }
                        for xi in 0..<elements {
                            (target.baseAddress! + xi * planeCount + first).initialize(from: local + xi * piece, count: count)
                        }
                    }
                }
            }
            initialized = elements * planeCount
        }
    }

    /// F(4×4, 3×3)'s G·w·Gᵀ for one 3×3 kernel, element ξ = 6i + j given to `put`, for
    /// G = [[¼, 0, 0], [−⅙, −⅙, −⅙], [−⅙, ⅙, −⅙], [1/24, 1/12, ⅙], [1/24, −1/12, ⅙], [0, 0, 1]].
    /// In Float64, rounded once: sixths and twenty-fourths are not exact in binary.
    @inline(__always)
    static func f4x4Kernel(_ w: UnsafePointer<Float>, put: (Int, Float) -> Void) {
        // G applied to three values (a column or a row of the kernel)
        func g(_ a: Double, _ b: Double, _ c: Double) -> (Double, Double, Double, Double, Double, Double) {
            (a / 4, -(a + b + c) / 6, -(a - b + c) / 6, (a + 2 * b + 4 * c) / 24, (a - 2 * b + 4 * c) / 24, c)
        }
        // G·w, one column of w at a time; then G applied to each of its six rows
        let (c0, c1, c2) = (g(Double(w[0]), Double(w[3]), Double(w[6])), g(Double(w[1]), Double(w[4]), Double(w[7])),
                            g(Double(w[2]), Double(w[5]), Double(w[8])))
        func row(_ i: Int, _ a: Double, _ b: Double, _ c: Double) {
            let r = g(a, b, c)
            put(6 * i, Float(r.0)); put(6 * i + 1, Float(r.1)); put(6 * i + 2, Float(r.2))
            put(6 * i + 3, Float(r.3)); put(6 * i + 4, Float(r.4)); put(6 * i + 5, Float(r.5))
        }
        row(0, c0.0, c1.0, c2.0)
        row(1, c0.1, c1.1, c2.1)
        row(2, c0.2, c1.2, c2.2)
        row(3, c0.3, c1.3, c2.3)
        row(4, c0.4, c1.4, c2.4)
        row(5, c0.5, c1.5, c2.5)
    }

    /// Blocks across rounded up to whole vectors: the row transforms run over whole vectors.
    var paddedAcross: Int { roundUp(blocksAcross, to: 8) }
    /// An input row with a zero before it and zeros after it, as the row transform reads it
    /// (F(2×2, 3×3) reads sixteen floats from 2b + 2, F(4×4, 3×3) 32 from 4b + 4).
    var paddedRowLength: Int { tile.outputSide * paddedAcross + (tile == .f2x2 ? 24 : 40) }

    /// Input rows a band of `blockRows` reads: its own and the halo row above and below.
    private func inputRows(_ blockRows: Int) -> Int { tile.outputSide * blockRows + 2 }

    /// The row stride of V_ξ and M_ξ: a band's blocks, rounded up to whole tiles for the C
    /// tiles (which read and write 24 columns; the columns past the band's blocks are ignored).
    private func matrixStride(tiled: Bool) -> Int {
        tiled ? roundUp(bandRows * blocksAcross, to: MicroTile.columns) : bandRows * blocksAcross
    }

    /// M_ξ's rows: the outputs, rounded up to whole tile blocks for the C tiles.
    private func productRows(tiled: Bool) -> Int {
        tiled ? WinogradWeights.paddedOutputs(geometry.outputChannels) : geometry.outputChannels
    }

    /// Floats of scratch one worker needs.
    private func scratchCount(tiled: Bool) -> Int {
        return tile.elements * matrixStride(tiled: tiled) * (geometry.inputChannels + productRows(tiled: tiled))
            + inputRows(bandRows) * tile.patchSide * paddedAcross + paddedRowLength
            + tile.outputSide * bandRows * input.width
    }

    func run(weights: WinogradWeights, output: UnsafeMutablePointer<Float>, outputImageStride: Int, epilogue: Epilogue) {
        let stride = matrixStride(tiled: weights.tiled)
        // where each input channel's row of V_ξ starts, for the C tiles
        let rowOffsets = (0..<geometry.inputChannels).map { $0 * stride }
        weights.values.withUnsafeBufferPointer { u in
            rowOffsets.withUnsafeBufferPointer { rowOffsets in
                Parallel.distribute(input.batch * bandCount) { next in
                    WorkerScratch.withFloats(scratchCount(tiled: weights.tiled)) { scratch in
                        while let item = next() {
                            let (image, band) = (item / bandCount, item % bandCount)
                            computeBand(image: image, blockRows: bandRange(band), u: u.baseAddress!, tiled: weights.tiled,
                                        rowOffsets: rowOffsets.baseAddress!, scratch: scratch,
                                        output: output + image * outputImageStride, epilogue: epilogue)
                        }
                    }
                }
            }
        }
    }

    private func computeBand(image: Int, blockRows rows: Range<Int>, u: UnsafePointer<Float>, tiled: Bool,
                             rowOffsets: UnsafePointer<Int>, scratch: UnsafeMutablePointer<Float>,
                             output: UnsafeMutablePointer<Float>, epilogue: Epilogue) {
        let (inputs, outputs) = (geometry.inputChannels, geometry.outputChannels)
        let stride = matrixStride(tiled: tiled)
        let productRows = productRows(tiled: tiled)
        let blocks = rows.count * blocksAcross
        let v = scratch
        let elements = tile.elements
        let m = v + elements * inputs * stride
        let columnTransforms = m + elements * productRows * stride
        let paddedRow = columnTransforms + inputRows(bandRows) * tile.patchSide * paddedAcross
        let aside = paddedRow + paddedRowLength
        paddedRow.update(repeating: 0, count: paddedRowLength)
        let imageBase = input.base + image * input.imageStride
        for c in 0..<inputs {
            let plane = imageBase + c * input.height * input.width
            if tile == .f4x4 {
                yolo_winograd_input_f4(plane, input.height, input.width, rows.lowerBound, rows.count, blocksAcross,
                                       paddedAcross, columnTransforms, paddedRow, v + c * stride, inputs * stride)
            } else {
                transformInput(plane: plane, blockRows: rows, columnTransforms: columnTransforms, paddedRow: paddedRow,
                               into: v + c * stride, matrixStride: inputs * stride)
            }
        }
        if tiled {
            // the tiles read V_ξ's rows up to a whole tile past the band's blocks, into columns no
            // output takes: zeros there, not whatever the scratch held
            let tail = roundUp(blocks, to: MicroTile.columns) - blocks
            if tail > 0 {
                for row in 0..<(elements * inputs) { (v + row * stride + blocks).update(repeating: 0, count: tail) }
            }
            multiplyInTiles(u: u, v: v, m: m, blocks: blocks, stride: stride, rowOffsets: rowOffsets)
        } else {
            for xi in 0..<elements {
                GEMM.multiply(m: outputs, n: blocks, k: inputs, a: u + xi * outputs * inputs,
                              b: v + xi * inputs * stride, ldb: stride, c: m + xi * outputs * stride, ldc: stride)
            }
        }
        let planeSize = input.height * input.width
        let firstRow = tile.outputSide * rows.lowerBound
        let rowCount = min(input.height, tile.outputSide * rows.upperBound) - firstRow
        let span = rowCount * input.width
        for o in 0..<outputs {
            let destination = output + o * planeSize + firstRow * input.width
            let target = epilogue.addsToOutput ? aside : destination
            transformOutput(m + o * stride, matrixStride: productRows * stride, blockRows: rows, bias: epilogue.bias?[o] ?? 0,
                            into: target - firstRow * input.width)
            epilogue.finish(target, rows: 0..<1, stride: span, count: span, destination: destination, rowStride: span)
        }
    }

    /// M_ξ = U_ξ·V_ξ for every ξ by the float32 C tiles, four outputs × 24 blocks at a
    /// time, each sum in input-channel order. These products are small (yolov5n at 640: 64 × 64
    /// by 40 blocks); through sgemm, OpenBLAS's scaling of C by β = 0 and its packing of both
    /// operands took over a third of their time (perf, Zen 3). Inference in-process A/B over
    /// 300 pairs: yolov5n 0.953 at 640, 0.983 at 320; yolov5s 0.952 and 0.946 (100 pairs); the
    /// training step 1.005 (24 interleaved process pairs).
    private func multiplyInTiles(u: UnsafePointer<Float>, v: UnsafePointer<Float>, m: UnsafeMutablePointer<Float>,
                                 blocks: Int, stride: Int, rowOffsets: UnsafePointer<Int>) {
        let inputs = geometry.inputChannels
        let rows = MicroTile.rows
        let padded = WinogradWeights.paddedOutputs(geometry.outputChannels)
        withUnsafeTemporaryAllocation(of: Float.self, capacity: rows) { zeroBias in
            zeroBias.initialize(repeating: 0)
            for xi in 0..<tile.elements {
                let (uXi, vXi, mXi) = (u + xi * padded * inputs, v + xi * inputs * stride, m + xi * padded * stride)
                for block in 0..<(padded / rows) {
                    let a = uXi + block * inputs * rows
                    let target = mXi + block * rows * stride
                    Self.forEachColumnSpan(of: blocks) { column, valid in
                        if valid > 16 {
                            yolo_f32_tile_offsets(inputs, a, vXi + column, rowOffsets, zeroBias.baseAddress!,
                                                  Int32(YOLO_TILE_IDENTITY), target + column, stride, 0)
                        } else {
                            // a last tile of at most 16 blocks: the Swift tile's 16- or 8-column
                            // steps rather than 24 columns of which a third or more go unused
                            // (yolov5n 0.994 at 640 and 320, in-process A/B over 300 pairs)
                            var sums = MicroTile(bias: SIMD4<Float>())
                            sums.accumulate(k: inputs, a: a, b: vXi + column, offsets: rowOffsets, validColumns: valid)
                            sums.store(to: target + column, rowStride: stride, adding: false, validRows: rows,
                                       validColumns: valid)
                        }
                    }
                }
            }
        }
    }

    /// The spans of at most `MicroTile.columns` blocks a product row of `count` blocks is
    /// computed in, as (first block, blocks): whole tiles, then the rest; where the rest is 8 or
    /// fewer after a whole tile, that tile and the rest go as 16 and 8 + rest. The Swift tile's
    /// 8-column step has four accumulators, too few to keep both FMA pipes busy through their
    /// latency, so it costs about what 16 columns do (yolov5n 320, F(4×4, 3×3): 40×40 maps make
    /// bands of 50 blocks, 24 + 24 + 2).
    @inline(__always)
    static func forEachColumnSpan(of count: Int, _ body: (Int, Int) -> Void) {
        let columns = MicroTile.columns
        var wholeTiles = count / columns
        let rest = count - wholeTiles * columns
        let joinsLastTile = rest > 0 && rest <= 8 && wholeTiles > 0
        if joinsLastTile { wholeTiles -= 1 }
        for tile in 0..<wholeTiles { body(tile * columns, columns) }
        let start = wholeTiles * columns
        if joinsLastTile {
            body(start, 16)
            body(start + 16, columns + rest - 16)
        } else if rest > 0 {
            body(start, rest)
        }
    }

    /// V_ξ[c][block] for the band's blocks of one input plane: the input rows the band reads
    /// (with a row of zero padding above and below the image) are first transformed along x,
    /// each once, sixteen columns at a time; then combined down y per block row.
    func transformInput(plane: UnsafePointer<Float>, blockRows rows: Range<Int>,
                                columnTransforms: UnsafeMutablePointer<Float>, paddedRow: UnsafeMutablePointer<Float>,
                                into v: UnsafeMutablePointer<Float>, matrixStride: Int) {
        let (height, width, across, padded) = (input.height, input.width, blocksAcross, paddedAcross)
        let firstInputRow = 2 * rows.lowerBound - 1
        let inputRowCount = 2 * rows.count + 2
        for r in 0..<inputRowCount {
            let y = firstInputRow + r
            let out = columnTransforms + r * 4 * padded
            guard y >= 0 && y < height else {
                out.update(repeating: 0, count: 4 * padded)
                continue
            }
            // paddedRow[1 + x] = row[x]; zeros at x = −1 and from x = width on
            (paddedRow + 1).update(from: plane + y * width, count: width)
            // d·B along x for the patch from x = 2b − 1: (d0 − d2, d1 + d2, d2 − d1, d1 − d3). Over
            // sixteen columns, (row[x − 1] − row[x + 1]) holds d0 − d2 in its even lanes and d1 − d3
            // in its odd ones; row[x] + row[x + 1] and row[x + 1] − row[x] the others in their even lanes.
            let (t0, t1, t2, t3) = (out, out + padded, out + 2 * padded, out + 3 * padded)
            for b in stride(from: 0, to: across, by: 8) {
                let before = load16(paddedRow + 2 * b), at = load16(paddedRow + 2 * b + 1), after = load16(paddedRow + 2 * b + 2)
                let outer = before - after
                store(outer.evenHalf, t0 + b)
                store((at + after).evenHalf, t1 + b)
                store((after - at).evenHalf, t2 + b)
                store(outer.oddHalf, t3 + b)
            }
        }
        // Bᵀ·(d·B) down y: block row k reads transformed rows 2k … 2k + 3
        for k in 0..<rows.count {
            let row0 = columnTransforms + 2 * k * 4 * padded
            let (row1, row2, row3) = (row0 + 4 * padded, row0 + 8 * padded, row0 + 12 * padded)
            for j in 0..<4 {
                let (a0, a1, a2, a3) = (row0 + j * padded, row1 + j * padded, row2 + j * padded, row3 + j * padded)
                let targets = (v + j * matrixStride + k * across, v + (4 + j) * matrixStride + k * across,
                               v + (8 + j) * matrixStride + k * across, v + (12 + j) * matrixStride + k * across)
                var b = 0
                while b + 8 <= across {
                    let (e0, e1, e2, e3) = (MicroTile.load(a0 + b), MicroTile.load(a1 + b), MicroTile.load(a2 + b),
                                            MicroTile.load(a3 + b))
                    store(e0 - e2, targets.0 + b); store(e1 + e2, targets.1 + b)
                    store(e2 - e1, targets.2 + b); store(e1 - e3, targets.3 + b)
                    b += 8
                }
                while b < across {
                    let (e0, e1, e2, e3) = (a0[b], a1[b], a2[b], a3[b])
                    targets.0[b] = e0 - e2; targets.1[b] = e1 + e2; targets.2[b] = e2 - e1; targets.3[b] = e1 - e3
                    b += 1
                }
            }
        }
    }

    /// One output channel's rows of the band: Aᵀ·M·A per block plus the bias, for
    /// Aᵀ = [[1, 1, 1, 0], [0, 1, −1, −1]], written to the plane at `plane` (the band's rows only;
    /// a last row or column past an odd size is not written). In C, eight blocks at a time with
    /// the row's last, partial group masked (in Swift the blocks past the last whole vector went
    /// one by one, a fifth of them on 20×20 maps): yolov5n 0.997 at 320, 0.994 at 640
    /// (in-process A/B over 300 pairs).
    private func transformOutput(_ m: UnsafePointer<Float>, matrixStride: Int, blockRows rows: Range<Int>, bias: Float,
                                 into plane: UnsafeMutablePointer<Float>) {
        switch tile {
        case .f2x2:
            yolo_winograd_output(m, matrixStride, blocksAcross, rows.count, rows.lowerBound, input.height, input.width,
                                 bias, plane)
        case .f4x4:
            yolo_winograd_output_f4(m, matrixStride, blocksAcross, rows.count, rows.lowerBound, input.height, input.width,
                                    bias, plane)
        }
    }

    @inline(__always)
    func load16(_ pointer: UnsafePointer<Float>) -> SIMD16<Float> {
        UnsafeRawPointer(pointer).loadUnaligned(as: SIMD16<Float>.self)
    }

    @inline(__always)
    func store(_ value: SIMD8<Float>, _ pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD8<Float>.self)
    }
}
