/// The weight gradient of a convolution (groups 1, dilation 1) without im2col or sgemm's
/// packing: dW[o, k] = Σ_p dY[o, p]·X_k[p] over output positions p, where X_k is tap k's input,
/// read in place from the tile layout the packed forward uses (`TileInput`: stride-phase rows
/// over the phase width, or the channel planes themselves for 1×1 kernels). Four output
/// channels × two taps are held in eight SIMD8 accumulators, the eight lanes being eight
/// positions: each step loads four dY and two X vectors for eight fused multiply-adds, and the
/// lanes are summed once per tile. dY is first copied into the phase-width layout with
/// zeros in the border columns, so those columns add nothing.
struct TileWeightGradient {
    let geometry: Conv2DGeometry
    let layout: TileInput
    let outputHeight: Int, outputWidth: Int
    let offsets: [Int]
    /// Budget for one tile's inputs and output gradients, kept in L2 while every block of
    /// channels × taps passes over them.
    static let tileBytes = 256 * 1024

    static func applies(to g: Conv2DGeometry) -> Bool { g.groups == 1 && g.dilation == 1 }

    /// Nil where tiles would be short (deep layers: many channels, few positions), so that the
    /// per-tile lane sums would cost more than sgemm's packing: those stay on im2col + sgemm.
    init?(input: FeatureBlock, geometry g: Conv2DGeometry, outputHeight: Int, outputWidth: Int) {
        guard Self.applies(to: g) else { return nil }
        geometry = g
        self.outputHeight = outputHeight
        self.outputWidth = outputWidth
        // TileInput sizes tiles by its own floats per position; scale the budget so that the
        // tile's dY rows fit in it too
        let inputFloats = g.isPointwise ? g.inputChannels : input.channels * g.stride * g.stride
        let positionsPerTile = min(Self.tileBytes / (4 * (g.outputChannels + inputFloats)), Self.maximumTileLength)
        layout = TileInput(input: input, geometry: g, outputHeight: outputHeight, outputWidth: outputWidth,
                           panelBytes: positionsPerTile * 4 * inputFloats)
        guard layout.tileLength >= Self.minimumTileLength else { return nil }
        offsets = g.isPointwise ? (0..<g.inputChannels).map { $0 * input.height * input.width } : layout.stepOffsets()
    }

    /// Positions per tile at most: the four dY rows one pass reads for every tap (16 KiB) stay
    /// in L1 while the taps' inputs stream through from L2.
    static let maximumTileLength = 1024

    /// Positions per tile below which the kernel is not used (measured on yolov5n's layers:
    /// faster from about 500 positions, slower at 100–400).
    static let minimumTileLength = 480

    /// Floats of scratch a worker needs: the tile's input layout and its output gradients.
    var scratchCount: Int { (geometry.isPointwise ? 0 : layout.scratchCount) + geometry.outputChannels * (layout.tileLength + 8) }

    /// slot[o, k] = Σ over image `image`'s positions of dY[o, p]·X_k[p] (overwrites the slot).
    func compute(image: Int, outputGradient dy: UnsafePointer<Float>, into slot: UnsafeMutablePointer<Float>,
                 scratch: UnsafeMutablePointer<Float>) {
        let g = geometry
        let (outputs, depth) = (g.outputChannels, g.patchSize)
        let pixels = outputHeight * outputWidth
        let imageGradient = dy + image * outputs * pixels
        slot.update(repeating: 0, count: outputs * depth)
        let gradientTile = scratch + (g.isPointwise ? 0 : layout.scratchCount)
        let tileLength = layout.tileLength
        var first = 0
        while first < layout.positions {
            let count = min(layout.positions, first + tileLength) - first
            let span = roundUp(count, to: 8)
            // X_k of position first + j at base + offsets[k] + j
            let base: UnsafePointer<Float>
            let gradientRows: UnsafePointer<Float>, gradientStride: Int
            if g.isPointwise {
                base = layout.input.base + image * layout.input.imageStride + first
                (gradientRows, gradientStride) = (imageGradient + first, pixels)
            } else {
                base = layout.prepare(image: image, positions: first..<(first + count), scratch: scratch)
                spreadGradient(imageGradient, positions: first..<(first + count), span: span, into: gradientTile, stride: span)
                (gradientRows, gradientStride) = (UnsafePointer(gradientTile), span)
            }
            // 1×1 tiles read the planes in place: no lanes past the last pixel
            let vectorCount = g.isPointwise ? count / 8 * 8 : span
            accumulateTile(gradientRows, gradientStride: gradientStride, base: base, vectorCount: vectorCount,
                           scalarCount: g.isPointwise ? count : span, into: slot)
            first += tileLength
        }
    }

    /// dY of output positions `positions` (phase-width rows) as rows of `stride` floats, zero in
    /// the border columns and past the last position.
    private func spreadGradient(_ dy: UnsafePointer<Float>, positions: Range<Int>, span: Int,
                                into target: UnsafeMutablePointer<Float>, stride: Int) {
        let rowLength = layout.phaseWidth
        let pixels = outputHeight * outputWidth
        for o in 0..<geometry.outputChannels {
            let row = target + o * stride
            row.update(repeating: 0, count: span)
            let plane = dy + o * pixels
            forEachRowRun(positions, rowLength: rowLength) { y, x, offset, length in
                let inside = min(length, outputWidth - x)
                guard y < outputHeight && inside > 0 else { return }
                (row + offset).update(from: plane + y * outputWidth + x, count: inside)
            }
        }
    }

    /// slot[o, k] += Σ_j dY[o][j]·X_k[j] for one tile: `vectorCount` positions eight at a time,
    /// the rest up to `scalarCount` one by one.
    private func accumulateTile(_ dy: UnsafePointer<Float>, gradientStride: Int, base: UnsafePointer<Float>,
                                vectorCount: Int, scalarCount: Int, into slot: UnsafeMutablePointer<Float>) {
        let (outputs, depth) = (geometry.outputChannels, geometry.patchSize)
        offsets.withUnsafeBufferPointer { offsets in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: max(scalarCount, 8) + 8) { buffer in
                buffer.initialize(repeating: 0)
                let sums = buffer.baseAddress!
                let zero = UnsafePointer(sums + 8)
                for firstOutput in stride(from: 0, to: outputs, by: 4) {
                    // rows past the last output channel (and taps past the last) read zeros and are not stored
                    func row(_ r: Int) -> UnsafePointer<Float> { firstOutput + r < outputs ? dy + (firstOutput + r) * gradientStride : zero }
                    let (d0, d1, d2, d3) = (row(0), row(1), row(2), row(3))
                    for firstTap in stride(from: 0, to: depth, by: 2) {
                        let x0 = base + offsets[firstTap]
                        let x1 = firstTap + 1 < depth ? base + offsets[firstTap + 1] : zero
                        Self.products(d0, d1, d2, d3, x0, x1, vectorCount: vectorCount, scalarCount: scalarCount, into: sums)
                        for r in 0..<min(4, outputs - firstOutput) {
                            for t in 0..<min(2, depth - firstTap) {
                                slot[(firstOutput + r) * depth + firstTap + t] += sums[r * 2 + t]
                            }
                        }
                    }
                }
            }
        }
    }

    /// sums[2r + t] = the dot product of dY row r with X row t (four dY rows, two X rows: eight
    /// accumulators, enough to cover the FMA latency, and registers to spare so none is spilled).
    @inline(__always)
    private static func products(_ d0: UnsafePointer<Float>, _ d1: UnsafePointer<Float>, _ d2: UnsafePointer<Float>,
                                 _ d3: UnsafePointer<Float>, _ x0: UnsafePointer<Float>, _ x1: UnsafePointer<Float>,
                                 vectorCount: Int, scalarCount: Int, into sums: UnsafeMutablePointer<Float>) {
        var (a00, a01, a10, a11) = (SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>())
        var (a20, a21, a30, a31) = (SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>())
        var j = 0
        while j < vectorCount {
            let (v0, v1) = (MicroTile.load(x0 + j), MicroTile.load(x1 + j))
            var g = MicroTile.load(d0 + j)
            a00.addProduct(g, v0); a01.addProduct(g, v1)
            g = MicroTile.load(d1 + j)
            a10.addProduct(g, v0); a11.addProduct(g, v1)
            g = MicroTile.load(d2 + j)
            a20.addProduct(g, v0); a21.addProduct(g, v1)
            g = MicroTile.load(d3 + j)
            a30.addProduct(g, v0); a31.addProduct(g, v1)
            j += 8
        }
        sums[0] = a00.sum(); sums[1] = a01.sum(); sums[2] = a10.sum(); sums[3] = a11.sum()
        sums[4] = a20.sum(); sums[5] = a21.sum(); sums[6] = a30.sum(); sums[7] = a31.sum()
        while j < scalarCount {
            let (v0, v1) = (x0[j], x1[j])
            let (g0, g1, g2, g3) = (d0[j], d1[j], d2[j], d3[j])
            sums[0] += g0 * v0; sums[1] += g0 * v1; sums[2] += g1 * v0; sums[3] += g1 * v1
            sums[4] += g2 * v0; sums[5] += g2 * v1; sums[6] += g3 * v0; sums[7] += g3 * v1
            j += 1
        }
    }
}
