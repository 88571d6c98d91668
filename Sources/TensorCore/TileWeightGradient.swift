import CKernels

/// The weight gradient of a convolution (groups 1, dilation 1) without im2col or sgemm's
/// packing: dW[o, k] = Σ_p dY[o, p]·X_k[p] over output positions p, where X_k is tap k's input,
/// read in place from the tile layout the packed forward uses (`TileInput`: stride-phase rows
/// over the phase width, or the channel planes themselves for 1×1 kernels). The positions are
/// the products' inner dimension: dY is transposed, a pass of positions at a time, so that a
/// position's channels lie side by side, and a register tile of 24 channels × 4 taps (twelve
/// SIMD8 accumulators) takes per position three vectors of dY and four broadcast inputs, the
/// forward micro-kernel's proportions. The sums [tap, channel] add up pass by pass in a fixed
/// order, so results do not depend on the thread count.
struct TileWeightGradient {
    let geometry: Conv2DGeometry
    let layout: TileInput
    let outputHeight: Int, outputWidth: Int
    let offsets: [Int]
    /// dY's channels in groups the kernels run over: 24 wide (three vectors), the remainder in
    /// groups of 16 or 8; (first channel, width).
    let channelGroups: [(first: Int, width: Int)]
    /// Budget for one tile's input layout, kept in L2 while every pass reads it.
    static let tileBytes = 512 * 1024

    static func applies(to g: Conv2DGeometry) -> Bool { g.groups == 1 && g.dilation == 1 }

    /// Nil where an image has few positions (deep layers: many channels, small maps), where
    /// sgemm over the whole batch is faster: those stay on im2col + sgemm.
    init?(input: FeatureBlock, geometry g: Conv2DGeometry, outputHeight: Int, outputWidth: Int) {
        guard Self.applies(to: g) else { return nil }
        geometry = g
        self.outputHeight = outputHeight
        self.outputWidth = outputWidth
        let inputFloats = g.isPointwise ? g.inputChannels : input.channels * g.stride * g.stride
        let positionsPerTile = min(Self.tileBytes / (4 * inputFloats), Self.maximumTileLength)
        layout = TileInput(input: input, geometry: g, outputHeight: outputHeight, outputWidth: outputWidth,
                           panelBytes: positionsPerTile * 4 * inputFloats)
        guard layout.positions >= Self.minimumPositions else { return nil }
        offsets = g.isPointwise ? (0..<g.inputChannels).map { $0 * input.height * input.width } : layout.stepOffsets()
        channelGroups = Self.channelGroups(outputs: g.outputChannels)
    }

    /// Positions per tile at most (longer tiles lay out fewer rows twice; measured against 1024).
    static let maximumTileLength = 4096

    /// Positions per image below which the kernel is not used (measured on yolov5n's layers at
    /// batch 16: faster than sgemm at 20×20 maps, slower at 10×10).
    static let minimumPositions = 384

    /// Positions one pass of the products runs over: a channel group's transposed dY (at most
    /// 24 channels × 128 positions, 12 KiB) stays in L1 while every group of taps reads it.
    static let passLength = 128

    private static func channelGroups(outputs: Int) -> [(first: Int, width: Int)] {
        var groups: [(first: Int, width: Int)] = []
        var first = 0
        while first < outputs {
            let remaining = outputs - first
            // 32 goes as 16 + 16: the 8-wide kernel is bound by its twelve broadcasts
            let width = remaining > 32 || (remaining > 16 && remaining <= 24) ? widestGroup : remaining > 8 ? 16 : 8
            groups.append((first, width))
            first += width
        }
        return groups
    }

    /// The widest channel group (three vectors), the one the products are shaped for.
    static let widestGroup = 24

    /// Channels once padded to whole groups.
    var paddedOutputs: Int { channelGroups.last.map { $0.first + $0.width } ?? 0 }

    /// Taps rounded up to whole groups of any kernel (4, 6 or 12).
    var paddedDepth: Int { roundUp(geometry.patchSize, to: 12) }

    /// Floats of scratch a worker needs: the tile's input layout, a pass's transposed dY (one
    /// group), the image's sums [tap, channel] and a row of zeros for the taps past the last.
    var scratchCount: Int {
        (geometry.isPointwise ? 0 : layout.scratchCount) + Self.passLength * Self.widestGroup
            + paddedDepth * paddedOutputs + Self.passLength
    }

    /// slot[o, k] = Σ over image `image`'s positions of dY[o, p]·X_k[p] (overwrites the slot).
    func compute(image: Int, outputGradient dy: UnsafePointer<Float>, into slot: UnsafeMutablePointer<Float>,
                 scratch: UnsafeMutablePointer<Float>) {
        let g = geometry
        let (outputs, depth) = (g.outputChannels, g.patchSize)
        let pixels = outputHeight * outputWidth
        let imageGradient = dy + image * outputs * pixels
        let groups = channelGroups
        let width = paddedOutputs
        let transposed = scratch + (g.isPointwise ? 0 : layout.scratchCount)
        let sums = transposed + Self.passLength * Self.widestGroup
        let zeros = sums + paddedDepth * width
        sums.update(repeating: 0, count: paddedDepth * width)
        zeros.update(repeating: 0, count: Self.passLength)
        let tileLength = layout.tileLength
        offsets.withUnsafeBufferPointer { offsets in
            var first = 0
            while first < layout.positions {
                let count = min(layout.positions, first + tileLength) - first
                // X_k of position first + j at base + offsets[k] + j
                let base = g.isPointwise
                    ? layout.input.base + image * layout.input.imageStride + first
                    : layout.prepare(image: image, positions: first..<(first + count), scratch: scratch)
                // group by group through all the tile's passes: a group's sums (taps × 24 floats)
                // stay in cache while the passes add onto them
                for group in groups {
                    for passStart in stride(from: 0, to: count, by: Self.passLength) {
                        let length = min(Self.passLength, count - passStart)
                        transposeGradient(imageGradient, positions: (first + passStart)..<(first + passStart + length),
                                          group: group, into: transposed)
                        let gradient = UnsafePointer(transposed)
                        let tapsPerKernel = group.width == Self.widestGroup ? 4 : group.width == 16 ? 6 : 12
                        for firstTap in stride(from: 0, to: depth, by: tapsPerKernel) {
                            func tap(_ t: Int) -> UnsafePointer<Float> {
                                firstTap + t < depth ? base + offsets[firstTap + t] + passStart : UnsafePointer(zeros)
                            }
                            let target = sums + firstTap * width + group.first
                            switch group.width {
                            case Self.widestGroup:
                                Self.products24(gradient, tap(0), tap(1), tap(2), tap(3), length: length, into: target,
                                                stride: width)
                            case 16:
                                Self.products16(gradient, tap(0), tap(1), tap(2), tap(3), tap(4), tap(5), length: length,
                                                into: target, stride: width)
                            default:
                                Self.products8(gradient, tap, length: length, into: target, stride: width)
                            }
                        }
                    }
                }
                first += tileLength
            }
        }
        yolo_transpose(sums, width, depth, outputs, slot, depth)
    }

    /// The channels of `group` (first, width) of dY at `positions` (phase-width rows for spatial
    /// kernels, pixels for 1×1), transposed: position j's channels at `target + j·width`; zero in
    /// the border columns and the padding channels.
    private func transposeGradient(_ dy: UnsafePointer<Float>, positions: Range<Int>, group: (first: Int, width: Int),
                                   into target: UnsafeMutablePointer<Float>) {
        let outputs = geometry.outputChannels
        let pixels = outputHeight * outputWidth
        // spatial positions run over phase-width rows, 1×1 ones over the plane as one row
        let (rowLength, rowCount, rowWidth) = geometry.isPointwise
            ? (pixels, 1, pixels) : (layout.phaseWidth, outputHeight, outputWidth)
        if group.first + group.width > outputs {
            target.update(repeating: 0, count: group.width * positions.count)
        }
        let lanes = min(group.width, outputs - group.first)
        // eight channels × eight positions at a time through registers
        for lane in stride(from: 0, to: lanes, by: 8) {
            let rows = min(8, lanes - lane)
            let planes = dy + (group.first + lane) * pixels
            let column = target + lane
            forEachRowRun(positions, rowLength: rowLength) { y, x, offset, length in
                let inside = y < rowCount ? max(0, min(length, rowWidth - x)) : 0
                yolo_transpose(planes + y * rowWidth + x, pixels, rows, inside, column + offset * group.width, group.width)
                for j in inside..<length {
                    (column + (offset + j) * group.width).update(repeating: 0, count: rows)
                }
            }
        }
    }

    /// sums[t·stride + c] += Σ_j dY[j][c]·X_t[j] for 24 channels (three vectors) × four taps:
    /// twelve accumulators, each step three vector loads and four broadcasts for twelve fused
    /// multiply-adds, the forward micro-kernel's proportions (and its sixteen registers).
    @inline(__always)
    private static func products24(_ dy: UnsafePointer<Float>, _ x0: UnsafePointer<Float>, _ x1: UnsafePointer<Float>,
                                   _ x2: UnsafePointer<Float>, _ x3: UnsafePointer<Float>, length: Int,
                                   into sums: UnsafeMutablePointer<Float>, stride: Int) {
        var (a00, a01, a02, a10, a11, a12) = (SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>())
        var (a20, a21, a22, a30, a31, a32) = (SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>())
        var row = dy
        for j in 0..<length {
            let (g0, g1, g2) = (MicroTile.load(row), MicroTile.load(row + 8), MicroTile.load(row + 16))
            var x = SIMD8<Float>(repeating: x0[j])
            a00.addProduct(g0, x); a01.addProduct(g1, x); a02.addProduct(g2, x)
            x = SIMD8<Float>(repeating: x1[j])
            a10.addProduct(g0, x); a11.addProduct(g1, x); a12.addProduct(g2, x)
            x = SIMD8<Float>(repeating: x2[j])
            a20.addProduct(g0, x); a21.addProduct(g1, x); a22.addProduct(g2, x)
            x = SIMD8<Float>(repeating: x3[j])
            a30.addProduct(g0, x); a31.addProduct(g1, x); a32.addProduct(g2, x)
            row += 24
        }
        add(a00, a01, a02, to: sums); add(a10, a11, a12, to: sums + stride)
        add(a20, a21, a22, to: sums + 2 * stride); add(a30, a31, a32, to: sums + 3 * stride)
    }

    /// `products24` for 16 channels (two vectors) × six taps.
    @inline(__always)
    private static func products16(_ dy: UnsafePointer<Float>, _ x0: UnsafePointer<Float>, _ x1: UnsafePointer<Float>,
                                   _ x2: UnsafePointer<Float>, _ x3: UnsafePointer<Float>, _ x4: UnsafePointer<Float>,
                                   _ x5: UnsafePointer<Float>, length: Int, into sums: UnsafeMutablePointer<Float>,
                                   stride: Int) {
        var (a00, a01, a10, a11) = (SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>())
        var (a20, a21, a30, a31) = (SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>())
        var (a40, a41, a50, a51) = (SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>())
        var row = dy
        for j in 0..<length {
            let (g0, g1) = (MicroTile.load(row), MicroTile.load(row + 8))
            var x = SIMD8<Float>(repeating: x0[j])
            a00.addProduct(g0, x); a01.addProduct(g1, x)
            x = SIMD8<Float>(repeating: x1[j])
            a10.addProduct(g0, x); a11.addProduct(g1, x)
            x = SIMD8<Float>(repeating: x2[j])
            a20.addProduct(g0, x); a21.addProduct(g1, x)
            x = SIMD8<Float>(repeating: x3[j])
            a30.addProduct(g0, x); a31.addProduct(g1, x)
            x = SIMD8<Float>(repeating: x4[j])
            a40.addProduct(g0, x); a41.addProduct(g1, x)
            x = SIMD8<Float>(repeating: x5[j])
            a50.addProduct(g0, x); a51.addProduct(g1, x)
            row += 16
        }
        add(a00, a01, to: sums); add(a10, a11, to: sums + stride); add(a20, a21, to: sums + 2 * stride)
        add(a30, a31, to: sums + 3 * stride); add(a40, a41, to: sums + 4 * stride); add(a50, a51, to: sums + 5 * stride)
    }

    /// `products24` for 8 channels (one vector) × twelve taps (`taps(t)`: tap t's inputs).
    @inline(__always)
    private static func products8(_ dy: UnsafePointer<Float>, _ taps: (Int) -> UnsafePointer<Float>, length: Int,
                                  into sums: UnsafeMutablePointer<Float>, stride: Int) {
        var (a0, a1, a2, a3, a4, a5) = (SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>())
        var (a6, a7, a8, a9, a10, a11) = (SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>())
        let (x0, x1, x2, x3, x4, x5) = (taps(0), taps(1), taps(2), taps(3), taps(4), taps(5))
        let (x6, x7, x8, x9, x10, x11) = (taps(6), taps(7), taps(8), taps(9), taps(10), taps(11))
        var row = dy
        for j in 0..<length {
            let g = MicroTile.load(row)
            a0.addProduct(g, SIMD8(repeating: x0[j])); a1.addProduct(g, SIMD8(repeating: x1[j]))
            a2.addProduct(g, SIMD8(repeating: x2[j])); a3.addProduct(g, SIMD8(repeating: x3[j]))
            a4.addProduct(g, SIMD8(repeating: x4[j])); a5.addProduct(g, SIMD8(repeating: x5[j]))
            a6.addProduct(g, SIMD8(repeating: x6[j])); a7.addProduct(g, SIMD8(repeating: x7[j]))
            a8.addProduct(g, SIMD8(repeating: x8[j])); a9.addProduct(g, SIMD8(repeating: x9[j]))
            a10.addProduct(g, SIMD8(repeating: x10[j])); a11.addProduct(g, SIMD8(repeating: x11[j]))
            row += 8
        }
        func add(_ a: SIMD8<Float>, _ t: Int) {
            let raw = UnsafeMutableRawPointer(sums + t * stride)
            raw.storeBytes(of: raw.loadUnaligned(as: SIMD8<Float>.self) + a, as: SIMD8<Float>.self)
        }
        add(a0, 0); add(a1, 1); add(a2, 2); add(a3, 3); add(a4, 4); add(a5, 5)
        add(a6, 6); add(a7, 7); add(a8, 8); add(a9, 9); add(a10, 10); add(a11, 11)
    }

    @inline(__always)
    private static func add(_ v0: SIMD8<Float>, _ v1: SIMD8<Float>, _ v2: SIMD8<Float>, to target: UnsafeMutablePointer<Float>) {
        add(v0, v1, to: target)
        let raw = UnsafeMutableRawPointer(target + 16)
        raw.storeBytes(of: raw.loadUnaligned(as: SIMD8<Float>.self) + v2, as: SIMD8<Float>.self)
    }

    @inline(__always)
    private static func add(_ v0: SIMD8<Float>, _ v1: SIMD8<Float>, to target: UnsafeMutablePointer<Float>) {
        let raw = UnsafeMutableRawPointer(target)
        raw.storeBytes(of: raw.loadUnaligned(as: SIMD8<Float>.self) + v0, as: SIMD8<Float>.self)
        (raw + 32).storeBytes(of: (raw + 32).loadUnaligned(as: SIMD8<Float>.self) + v1, as: SIMD8<Float>.self)
    }
}
