import CKernels

/// The input of one tile of a packed convolution, laid out by the worker that computes the tile,
/// in its own buffer, while it is about to be read from cache.
///
/// Spatial kernels: each channel's zero-padded plane is split into its stride² phases, phase
/// (py, px) holding padded pixels (i·s + py, j·s + px); tap (ky, kx) of output pixel (oy, ox) is
/// then phase (ky mod s, kx mod s) at (oy + ky/s, ox + kx/s). Outputs are indexed by position
/// oy·W' + ox over the phase width W', so a 24-position tile reads 24 contiguous floats per
/// tap, wherever it starts. A tile lays out only the phase rows its positions read (its rows
/// plus the kernel's reach below them).
///
/// 1×1, stride-1, unpadded kernels: the tile's pixels of every channel copied into panels of
/// `MicroTile.columns` (k-major), the layout `MicroTile.accumulate(k:a:packed:)` reads.
struct TileInput {
    let input: FeatureBlock
    /// The input's maps (one, unless a 1×1 kernel reads a concatenation in place).
    let parts: [FeaturePart]
    let geometry: Conv2DGeometry
    /// The 1×1 layout (panels) rather than phase rows.
    let isPacked: Bool
    /// Output positions per image: pixels (1×1) or output rows × phase width.
    let positions: Int
    let phaseHeight: Int, phaseWidth: Int
    /// Positions per tile at most, a multiple of `MicroTile.columns`.
    let tileLength: Int
    /// Tiles per image; `tileRange` gives each one's positions.
    let tilesPerImage: Int
    /// Phase rows one tile's reads span at most, and the scratch strides that follow from it.
    let rowsPerTile: Int, phaseStride: Int, channelStride: Int
    /// Floats a worker's scratch buffer needs.
    let scratchCount: Int
    /// How far past a position's own phase row/column a tap reads: ((k − 1)/s)·(W' + 1).
    private let reach: Int

    /// `sharedOut`: the tiles will be shared out among `Parallel.width` workers, so when there are
    /// few of them there are at least four per worker (`tiling`), their count is made a multiple
    /// of the workers' and their lengths equal to within one `MicroTile.columns` (otherwise the
    /// last one, often short, leaves a worker idle through most of a tile).
    init(input: FeatureBlock, geometry g: Conv2DGeometry, outputHeight: Int, outputWidth: Int, panelBytes: Int,
         sharedOut: Bool = false) {
        self.input = input
        parts = input.asParts
        geometry = g
        isPacked = g.isPointwise
        precondition(input.parts == nil || isPacked, "only 1×1 convolutions read a concatenation in place")
        let columns = MicroTile.columns
        let s = g.stride
        if isPacked {
            (phaseHeight, phaseWidth) = (outputHeight, outputWidth)
            positions = outputHeight * outputWidth
            (tileLength, tilesPerImage) = Self.tiling(
                positions: positions, budget: max(columns, panelBytes / (4 * max(g.patchSize, 1)) / columns * columns),
                images: input.batch, sharedOut: sharedOut)
            (rowsPerTile, phaseStride, channelStride, reach) = (0, 0, 0, 0)
            // at least two rows: the bfloat16 layout expands a pair of upsampled channels there
            scratchCount = max(g.patchSize, 2) * tileLength
            return
        }
        phaseHeight = (input.height + 2 * g.padding + s - 1) / s
        phaseWidth = (input.width + 2 * g.padding + s - 1) / s
        positions = outputHeight * phaseWidth
        reach = (g.kernelSize - 1) / s * (phaseWidth + 1)
        // at least three rows per tile, so the rows laid out twice (a tile's reach into the
        // next one's) stay a small share
        let bytesPerPosition = 4 * input.channels * s * s
        let budget = max(columns, panelBytes / max(bytesPerPosition, 1) / columns * columns)
        let shortest = roundUp(3 * phaseWidth, to: columns)
        (tileLength, tilesPerImage) = Self.tiling(positions: positions, budget: max(budget, shortest),
                                                  mostTiles: max(1, positions / shortest), images: input.batch,
                                                  sharedOut: sharedOut)
        rowsPerTile = (tileLength - 1 + reach) / phaseWidth + 2
        phaseStride = rowsPerTile * phaseWidth
        channelStride = s * s * phaseStride
        // at least four phase rows: the bfloat16 layout splits a channel pair's rows there
        scratchCount = max(input.channels * channelStride, 4 * phaseWidth)
    }

    /// The longest tile and the tile count: tiles of `budget` positions, or when shared out
    /// among few workers, at least four tiles per worker where the positions make that many
    /// (`mostTiles`: one column each unless given), in a count that divides evenly among them.
    /// With two or three tiles per worker (yolov5n's 1×1 layers at 320, its heads) a worker the
    /// machine slows holds up the region by up to a whole tile. With a real-time spinner taking
    /// 60 of every 150 µs of either CPU, four per worker made yolov5n 0.971–0.975 of the time at
    /// 320 and 0.990–1.002 at 640 in-process (A/B over 200 pairs), 0.981 and 1.007 at 320 in
    /// interleaved processes (20 pairs); calm, 0.996 and 1.000 in-process (300 pairs), 1.000 and
    /// 1.004 in processes. Eight per worker, calm: 1.007 and 1.004. The panels are laid out per
    /// tile either way, so shorter tiles cost little.
    private static func tiling(positions: Int, budget: Int, mostTiles: Int? = nil, images: Int,
                               sharedOut: Bool) -> (length: Int, count: Int) {
        let columns = MicroTile.columns
        let length = min(roundUp(positions, to: columns), budget)
        var count = (positions + length - 1) / length
        let workers = Parallel.width
        guard sharedOut, workers > 1, images * count < 8 * workers else { return (length, count) }
        let columnCount = (positions + columns - 1) / columns
        count = max(count, min(mostTiles ?? columnCount, (4 * workers + images - 1) / images))
        while (images * count) % workers != 0 && count < columnCount { count += 1 }
        return ((columnCount + count - 1) / count * columns, count)
    }

    /// Positions of tile `tile` (< `tilesPerImage`): the 24-position columns split as evenly as
    /// they go, in order, the tiles with one column more first. Workers take the tiles in
    /// order, so the longer ones are shared out before the shorter ones even the workers up
    /// (18 columns in 4 tiles as 5, 5, 4, 4 end together on two workers; as 4, 5, 4, 5 one
    /// worker runs 10 while the other runs 8).
    func tileRange(_ tile: Int) -> Range<Int> {
        let columns = MicroTile.columns
        let columnCount = (positions + columns - 1) / columns
        let (base, longer) = (columnCount / tilesPerImage, columnCount % tilesPerImage)
        let start = (tile * base + min(tile, longer)) * columns
        let end = min(positions, ((tile + 1) * base + min(tile + 1, longer)) * columns)
        return start..<end
    }

    /// For each k = (c, ky, kx) of a spatial kernel, where its input for a tile's first position
    /// is relative to what `prepare` returns (position first + j reads j floats further on).
    func stepOffsets() -> [Int] {
        guard !isPacked else { return [] }
        let taps = tapOffsets()
        return (0..<geometry.inputChannels).flatMap { channel in taps.map { channel * channelStride + $0 } }
    }

    /// Where tap (ky, kx) of a spatial kernel reads channel 0 of a position's phase rows, taps in
    /// row-major order.
    private func tapOffsets() -> [Int] {
        let (kernel, s) = (geometry.kernelSize, geometry.stride)
        return (0..<(kernel * kernel)).map { tap in
            let (ky, kx) = (tap / kernel, tap % kernel)
            return ((ky % s) * s + kx % s) * phaseStride + (ky / s) * phaseWidth + kx / s
        }
    }

    /// The phase rows a spatial tile's positions read: its rows and the kernel's reach below
    /// them, every 24-position column computed whole.
    private func phaseRows(_ range: Range<Int>) -> (first: Int, count: Int) {
        let firstRow = range.lowerBound / phaseWidth
        let lastRead = range.lowerBound + roundUp(range.count, to: MicroTile.columns) - 1 + reach
        return (firstRow, lastRead / phaseWidth - firstRow + 1)
    }

    /// Lays out `positions` of `image` in `scratch` and returns where the micro-kernel reads
    /// them: panels for 1×1 kernels, the base of the step offsets for spatial ones.
    func prepare(image: Int, positions range: Range<Int>, scratch: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> {
        if isPacked {
            packPanels(image: image, pixels: range, into: scratch)
            return UnsafePointer(scratch)
        }
        let source = input.base + image * input.imageStride
        let (firstRow, rowCount) = phaseRows(range)
        let s = geometry.stride
        // the input rows the tile reads (clamped to the plane), as a span of each channel's plane
        let firstInputRow = max(0, firstRow * s - geometry.padding)
        let endInputRow = min(input.height, (firstRow + rowCount) * s - geometry.padding)
        let span = max(0, endInputRow - firstInputRow) * input.width
        for channel in 0..<input.channels {
            let plane = source + channel * input.height * input.width
            if s == 2 && Self.splitsRowsInC {
                // the next channel's rows on their way while this one is split: in training they
                // come from memory (weight gradients of stride-2 layers 2.4% faster)
                if channel + 1 < input.channels {
                    let next = plane + input.height * input.width + firstInputRow * input.width
                    for offset in stride(from: 0, to: span, by: 16) { yolo_prefetch(next + offset) }
                }
                fillPhaseRowPairs(plane, firstRow: firstRow, rowCount: rowCount, into: scratch + channel * channelStride)
                continue
            }
            for phase in 0..<(s * s) {
                let target = scratch + channel * channelStride + phase * phaseStride
                for row in 0..<rowCount {
                    fillPhaseRow(plane, phaseY: phase / s, phaseX: phase % s, row: firstRow + row,
                                 into: target + row * phaseWidth)
                }
            }
        }
        return UnsafePointer(scratch + range.lowerBound - firstRow * phaseWidth)
    }

    /// Halves the bfloat16 copy of a tile's layout needs (`prepareBFloat16`).
    var pairScratchCount: Int {
        isPacked ? (geometry.patchSize + 1) / 2 * 2 * tileLength : (input.channels + 1) / 2 * 2 * channelStride
    }

    /// For each pair step (channel pair q, ky, kx) of a spatial kernel, where its pixel pairs
    /// for a tile's first position are, in halves, relative to what `prepareBFloat16` returns.
    func pairStepOffsets() -> [Int] {
        guard !isPacked else { return [] }
        let taps = tapOffsets()
        return (0..<((geometry.inputChannels + 1) / 2)).flatMap { pair in taps.map { 2 * (pair * channelStride + $0) } }
    }

    /// The tile's layout rounded to bfloat16 with channels in pairs: the two values of a pair
    /// step for one position side by side (packed panels: pair q of panel p at
    /// 48·(p·⌈depth/2⌉ + q); spatial: channel pair q's phase planes at 2·q·channelStride), the
    /// layout the BF16 tiles read, written from the maps in one pass. `scratch` holds rows on
    /// their way (`scratchCount` floats). Returns where the tiles read the tile's first position.
    func prepareBFloat16(image: Int, positions range: Range<Int>, scratch: UnsafeMutablePointer<Float>,
                         pairScratch: UnsafeMutablePointer<UInt16>) -> UnsafePointer<UInt16> {
        if isPacked {
            packPanelsBFloat16(image: image, pixels: range, into: pairScratch, rows: scratch)
            return UnsafePointer(pairScratch)
        }
        let source = input.base + image * input.imageStride
        let (firstRow, rowCount) = phaseRows(range)
        let (s, plane) = (geometry.stride, input.height * input.width)
        let (even, odd) = (scratch, scratch + phaseWidth)
        for pair in 0..<((input.channels + 1) / 2) {
            let hasOdd = 2 * pair + 1 < input.channels
            if s == 2 && Self.splitsRowsInC {
                pairPhaseRows(source + 2 * pair * plane, hasOdd ? source + (2 * pair + 1) * plane : nil, firstRow: firstRow,
                              rowCount: rowCount, rows: scratch, into: pairScratch + 2 * pair * channelStride)
                continue
            }
            for phase in 0..<(s * s) {
                let target = pairScratch + 2 * (pair * channelStride + phase * phaseStride)
                for row in 0..<rowCount {
                    if s == 1 {
                        // the padded row is the input row between zeros: interleaved straight from it
                        pairRow(source + 2 * pair * plane, hasOdd ? source + (2 * pair + 1) * plane : nil, row: firstRow + row,
                                into: target + 2 * row * phaseWidth)
                        continue
                    }
                    fillPhaseRow(source + 2 * pair * plane, phaseY: phase / s, phaseX: phase % s, row: firstRow + row, into: even)
                    if hasOdd {
                        fillPhaseRow(source + (2 * pair + 1) * plane, phaseY: phase / s, phaseX: phase % s, row: firstRow + row,
                                     into: odd)
                    }
                    yolo_bf16_interleave(even, hasOdd ? odd : nil, phaseWidth, target + 2 * row * phaseWidth)
                }
            }
        }
        return UnsafePointer(pairScratch + 2 * (range.lowerBound - firstRow * phaseWidth))
    }

    /// Stride 2: a channel pair's phase rows firstRow ..< firstRow + rowCount, all four phases, as
    /// bfloat16 pairs at `target` (phase (py, px) at 2·(2·py + px)·phaseStride halves): each input
    /// row of each channel split into its two column phases at once (in C), in `rows` (four phase
    /// rows), then the channels interleaved.
    private func pairPhaseRows(_ even: UnsafePointer<Float>, _ odd: UnsafePointer<Float>?, firstRow: Int, rowCount: Int,
                               rows: UnsafeMutablePointer<Float>, into target: UnsafeMutablePointer<UInt16>) {
        let (padding, width) = (geometry.padding, input.width)
        let (even0, even1, odd0, odd1) = (rows, rows + phaseWidth, rows + 2 * phaseWidth, rows + 3 * phaseWidth)
        for py in 0..<2 {
            for row in 0..<rowCount {
                let inputRow = (firstRow + row) * 2 + py - padding
                let phase0 = target + 2 * (2 * py * phaseStride + row * phaseWidth)
                let phase1 = phase0 + 2 * phaseStride
                guard inputRow >= 0 && inputRow < input.height else {
                    phase0.update(repeating: 0, count: 2 * phaseWidth)
                    phase1.update(repeating: 0, count: 2 * phaseWidth)
                    continue
                }
                yolo_phase_rows_s2(even + inputRow * width, width, padding, phaseWidth, even0, even1)
                if let odd { yolo_phase_rows_s2(odd + inputRow * width, width, padding, phaseWidth, odd0, odd1) }
                yolo_bf16_interleave(even0, odd == nil ? nil : odd0, phaseWidth, phase0)
                yolo_bf16_interleave(even1, odd == nil ? nil : odd1, phaseWidth, phase1)
            }
        }
    }

    /// Stride 1: padded row `row` of two channels (odd nil: zero) as bfloat16 pairs.
    private func pairRow(_ even: UnsafePointer<Float>, _ odd: UnsafePointer<Float>?, row: Int,
                         into target: UnsafeMutablePointer<UInt16>) {
        let (padding, width) = (geometry.padding, input.width)
        let inputRow = row - padding
        guard inputRow >= 0 && inputRow < input.height else {
            target.update(repeating: 0, count: 2 * phaseWidth)
            return
        }
        let end = min(phaseWidth, width + padding)
        target.update(repeating: 0, count: 2 * padding)
        yolo_bf16_interleave(even + inputRow * width, odd.map { $0 + inputRow * width }, end - padding, target + 2 * padding)
        (target + 2 * end).update(repeating: 0, count: 2 * (phaseWidth - end))
    }

    /// The 1×1 bfloat16 layout (see `prepareBFloat16`): each channel pair's pixels interleaved
    /// straight from the maps; an upsampled channel's pixels are first expanded into `rows`.
    private func packPanelsBFloat16(image: Int, pixels: Range<Int>, into pairs: UnsafeMutablePointer<UInt16>,
                                    rows: UnsafeMutablePointer<Float>) {
        let panelStride = (geometry.patchSize + 1) / 2 * 2 * MicroTile.columns
        var (pairIndex, pendingEven): (Int, UnsafePointer<Float>?) = (0, nil)
        func add(_ row: UnsafePointer<Float>?) {
            guard let even = pendingEven else { pendingEven = row; return }
            yolo_bf16_interleave_panels(even, row, pixels.count, pairs + 2 * MicroTile.columns * pairIndex, panelStride)
            (pairIndex, pendingEven) = (pairIndex + 1, nil)
        }
        for part in parts {
            let source = part.base + image * part.imageStride
            let plane = input.height * input.width / (part.scale * part.scale)
            for channel in 0..<part.channels {
                if part.scale == 1 {
                    add(source + channel * plane + pixels.lowerBound)
                } else {
                    // the odd channel of a pair must not overwrite its even partner's expansion
                    let slot = rows + (pendingEven == nil ? 0 : pixels.count)
                    copyUpsampled(source + channel * plane, scale: part.scale, positions: pixels, to: slot)
                    add(UnsafePointer(slot))
                }
            }
        }
        if pendingEven != nil { add(nil) }
    }

    /// Stride 2: phase rows are filled two at a time, both column phases from one read of the
    /// input row, in C with masked loads and permutes (no scalar edges; AVX-512 or AVX2); off, or
    /// on a CPU with neither, one `fillPhaseRow` per phase. The same floats either way.
    nonisolated(unsafe) static var splitsRowsInC = yolo_phase_rows_supported() != 0

    /// A stride-2 channel's phase rows firstRow ..< firstRow + rowCount, all four phases, at
    /// `target` (phase (py, px) at (2·py + px)·phaseStride, as `prepare` lays them out).
    private func fillPhaseRowPairs(_ plane: UnsafePointer<Float>, firstRow: Int, rowCount: Int,
                                   into target: UnsafeMutablePointer<Float>) {
        let (padding, width) = (geometry.padding, input.width)
        for py in 0..<2 {
            for row in 0..<rowCount {
                let inputRow = (firstRow + row) * 2 + py - padding
                let even = target + 2 * py * phaseStride + row * phaseWidth
                let odd = even + phaseStride
                guard inputRow >= 0 && inputRow < input.height else {
                    even.update(repeating: 0, count: phaseWidth)
                    odd.update(repeating: 0, count: phaseWidth)
                    continue
                }
                yolo_phase_rows_s2(plane + inputRow * width, width, padding, phaseWidth, even, odd)
            }
        }
    }

    /// Phase (py, px) row `row` of a channel: padded pixels (row·s + py, j·s + px), zero outside
    /// the input.
    private func fillPhaseRow(_ plane: UnsafePointer<Float>, phaseY py: Int, phaseX px: Int, row: Int,
                              into target: UnsafeMutablePointer<Float>) {
        let (s, padding, width) = (geometry.stride, geometry.padding, input.width)
        let inputRow = row * s + py - padding
        guard inputRow >= 0 && inputRow < input.height else {
            target.update(repeating: 0, count: phaseWidth)
            return
        }
        // phase column j reads input column j·s + px − padding when inside the row
        let firstColumn = min(phaseWidth, max(0, (padding - px + s - 1) / s))
        let endColumn = max(firstColumn, min(phaseWidth, (width + padding - px + s - 1) / s))
        let line = plane + inputRow * width + px - padding
        for j in 0..<firstColumn { target[j] = 0 }
        if s == 1 {
            (target + firstColumn).update(from: line + firstColumn, count: endColumn - firstColumn)
        } else {
            var j = firstColumn
            if s == 2 {
                // eight outputs from sixteen inputs (the even lanes) while the sixteen lie inside the row
                let rowEnd = plane + inputRow * width + width
                while j + 8 <= endColumn && line + j * 2 + 16 <= rowEnd {
                    let pair = UnsafeRawPointer(line + j * 2).loadUnaligned(as: SIMD16<Float>.self)
                    UnsafeMutableRawPointer(target + j).storeBytes(of: pair.evenHalf, as: SIMD8<Float>.self)
                    j += 8
                }
            }
            while j < endColumn {
                target[j] = line[j * s]
                j += 1
            }
        }
        for j in endColumn..<phaseWidth { target[j] = 0 }
    }

    /// 1×1 kernels: panel p holds, for every input channel, the panel's pixels side by side;
    /// lanes past the last pixel are zero. Channels of an upsampled part repeat their source
    /// pixels.
    private func packPanels(image: Int, pixels: Range<Int>, into packed: UnsafeMutablePointer<Float>) {
        let columns = MicroTile.columns
        parts.withUnsafeBufferPointer { parts in
            var (panel, start) = (packed, pixels.lowerBound)
            while start < pixels.upperBound {
                let filled = min(columns, pixels.upperBound - start)
                var target = panel
                for part in parts {
                    let source = part.base + image * part.imageStride
                    let plane = input.height * input.width / (part.scale * part.scale)
                    for channel in 0..<part.channels {
                        let from = source + channel * plane
                        if part.scale == 1 {
                            // the pixels two panels on: the hardware's prefetcher does not follow
                            // a stream per channel (yolov5n 640, one thread: 32-channel 1×1
                            // layers at 160×160 1.31 → 1.20 ms). A panel's 96 bytes span two
                            // cache lines: with one prefetch, a third of the lines came late
                            // (yolov5n 0.976–0.980 at 640, 0.987–0.999 at 320, in-process A/B;
                            // four panels on instead: 1.006)
                            yolo_prefetch(from + start + 2 * columns)
                            yolo_prefetch(from + start + 2 * columns + 16)
                            copy(from + start, count: filled, to: target)
                        } else {
                            copyUpsampled(from, scale: part.scale, positions: start..<(start + filled), to: target)
                        }
                        if filled < columns { (target + filled).update(repeating: 0, count: columns - filled) }
                        target += columns
                    }
                }
                (panel, start) = (target, start + filled)
            }
        }
    }

    @inline(__always)
    private func copy(_ from: UnsafePointer<Float>, count: Int, to target: UnsafeMutablePointer<Float>) {
        var i = 0
        while i + 8 <= count {
            UnsafeMutableRawPointer(target + i).storeBytes(of: MicroTile.load(from + i), as: SIMD8<Float>.self)
            i += 8
        }
        while i < count {
            target[i] = from[i]
            i += 1
        }
    }

    /// Positions of the block's plane from a plane `scale` times smaller each way: (y, x) reads
    /// (y / scale, x / scale).
    private func copyUpsampled(_ plane: UnsafePointer<Float>, scale: Int, positions: Range<Int>,
                               to target: UnsafeMutablePointer<Float>) {
        let width = input.width
        forEachRowRun(positions, rowLength: width) { y, x, offset, run in
            let row = plane + (y / scale) * (width / scale)
            let out = target + offset
            var (j, sourceX, repeated) = (0, x / scale, x % scale)
            if scale == 2 && repeated == 0 {
                while j + 8 <= run {
                    let s = UnsafeRawPointer(row + sourceX).loadUnaligned(as: SIMD4<Float>.self)
                    let pairs = SIMD8<Float>(s[0], s[0], s[1], s[1], s[2], s[2], s[3], s[3])
                    UnsafeMutableRawPointer(out + j).storeBytes(of: pairs, as: SIMD8<Float>.self)
                    (j, sourceX) = (j + 8, sourceX + 4)
                }
            }
            while j < run {
                let value = row[sourceX]
                while repeated < scale && j < run {
                    out[j] = value
                    (j, repeated) = (j + 1, repeated + 1)
                }
                (sourceX, repeated) = (sourceX + 1, 0)
            }
        }
    }
}
