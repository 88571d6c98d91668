/// OpenCV's CLAHE on an 8-bit single-channel plane
/// (`cv2.createCLAHE(clipLimit, tileGridSize).apply(plane)`), reproduced byte for byte.
///
/// The plane is cut into a grid of tiles; each tile gets a histogram, clipped at
/// `clipLimit · tileArea / 256` with the excess spread evenly (the remainder one count at a
/// time at a regular stride from bin 0), and its cumulative sum scaled to 0...255 becomes
/// that tile's lookup table. Each pixel is then mapped through the four nearest tiles'
/// tables and blended bilinearly by its distance to their centres (in float, as OpenCV does).
///
/// When the plane's size is not a multiple of the grid, OpenCV computes the tables on a copy
/// padded at the right and bottom with BORDER_REFLECT_101 by `grid − size % grid` — a full
/// extra tile row or column's worth even along a side that did divide evenly — so the tiles
/// are that padded size / grid; the blend still runs over the unpadded plane.
public struct ContrastLimitedEqualization: Sendable {
    public var clipLimit: Double
    public var tilesX: Int
    public var tilesY: Int

    public init(clipLimit: Double, tilesX: Int = 8, tilesY: Int = 8) {
        precondition(tilesX > 0 && tilesY > 0, "CLAHE tile grid \(tilesX)x\(tilesY)")
        self.clipLimit = clipLimit
        self.tilesX = tilesX
        self.tilesY = tilesY
    }

    public func apply(_ plane: [UInt8], width: Int, height: Int) -> [UInt8] {
        precondition(plane.count == width * height, "plane of \(plane.count) bytes is not \(width)x\(height)")
        guard width > 0, height > 0 else { return plane }
        let padded = width % tilesX != 0 || height % tilesY != 0
        let lutWidth = padded ? width + tilesX - width % tilesX : width
        let lutHeight = padded ? height + tilesY - height % tilesY : height
        let source = padded ? Self.reflect101(plane, width: width, height: height, toWidth: lutWidth, toHeight: lutHeight) : plane
        let tileWidth = lutWidth / tilesX, tileHeight = lutHeight / tilesY
        let luts = tableForEachTile(source, rowLength: lutWidth, tileWidth: tileWidth, tileHeight: tileHeight)
        return blend(plane, width: width, height: height, luts: luts, tileWidth: tileWidth, tileHeight: tileHeight)
    }

    /// 256 entries per tile, tiles in row-major order.
    func tableForEachTile(_ source: [UInt8], rowLength: Int, tileWidth: Int, tileHeight: Int) -> [UInt8] {
        let area = tileWidth * tileHeight
        let lutScale = Float(255) / Float(area)
        let limit = clipLimit > 0 ? max(Int(clipLimit * Double(area) / 256), 1) : 0
        var luts = [UInt8](repeating: 0, count: tilesX * tilesY * 256)
        var histogram = [Int](repeating: 0, count: 256)
        source.withUnsafeBufferPointer { src in
            luts.withUnsafeMutableBufferPointer { lut in
                histogram.withUnsafeMutableBufferPointer { hist in
                    for ty in 0..<tilesY {
                        for tx in 0..<tilesX {
                            for i in 0..<256 { hist[i] = 0 }
                            for y in (ty * tileHeight)..<((ty + 1) * tileHeight) {
                                let row = y * rowLength + tx * tileWidth
                                for x in row..<(row + tileWidth) { hist[Int(src[x])] += 1 }
                            }
                            if limit > 0 { Self.clip(hist, at: limit) }
                            let offset = (ty * tilesX + tx) * 256
                            var sum = 0
                            for i in 0..<256 {
                                sum += hist[i]
                                lut[offset + i] = UInt8(min(max((Float(sum) * lutScale).rounded(.toNearestOrEven), 0), 255))
                            }
                        }
                    }
                }
            }
        }
        return luts
    }

    /// Caps every bin at `limit` and hands the clipped counts back: an equal share to every bin,
    /// then the remainder one count each to bins 0, step, 2·step, ... (step = 256 / remainder).
    static func clip(_ hist: UnsafeMutableBufferPointer<Int>, at limit: Int) {
        var clipped = 0
        for i in 0..<256 where hist[i] > limit {
            clipped += hist[i] - limit
            hist[i] = limit
        }
        let share = clipped / 256
        var residual = clipped - share * 256
        for i in 0..<256 { hist[i] += share }
        if residual > 0 {
            let step = max(256 / residual, 1)
            var i = 0
            while i < 256 && residual > 0 {
                hist[i] += 1
                i += step
                residual -= 1
            }
        }
    }

    /// Bilinear blend of the tables of the four tiles whose centres surround each pixel
    /// (clamped to the grid at the borders), with OpenCV's float weights and rounding.
    func blend(_ plane: [UInt8], width: Int, height: Int, luts: [UInt8], tileWidth: Int, tileHeight: Int) -> [UInt8] {
        let inverseTileWidth = Float(1) / Float(tileWidth)
        let inverseTileHeight = Float(1) / Float(tileHeight)
        var left = [Int](repeating: 0, count: width), right = [Int](repeating: 0, count: width)
        var rightWeight = [Float](repeating: 0, count: width), leftWeight = [Float](repeating: 0, count: width)
        for x in 0..<width {
            let position = Float(x) * inverseTileWidth - 0.5
            let tx = Int(position.rounded(.down))
            rightWeight[x] = position - Float(tx)
            leftWeight[x] = 1 - rightWeight[x]
            left[x] = max(tx, 0) * 256
            right[x] = min(tx + 1, tilesX - 1) * 256
        }
        var out = [UInt8](repeating: 0, count: plane.count)
        plane.withUnsafeBufferPointer { src in
            luts.withUnsafeBufferPointer { lut in
                out.withUnsafeMutableBufferPointer { dst in
                    for y in 0..<height {
                        let position = Float(y) * inverseTileHeight - 0.5
                        let ty = Int(position.rounded(.down))
                        let lowerWeight = position - Float(ty)
                        let upperWeight = 1 - lowerWeight
                        let upper = max(ty, 0) * tilesX * 256
                        let lower = min(ty + 1, tilesY - 1) * tilesX * 256
                        let row = y * width
                        for x in 0..<width {
                            let v = Int(src[row + x])
                            let i1 = left[x] + v, i2 = right[x] + v
                            let top = Float(lut[upper + i1]) * leftWeight[x] + Float(lut[upper + i2]) * rightWeight[x]
                            let bottom = Float(lut[lower + i1]) * leftWeight[x] + Float(lut[lower + i2]) * rightWeight[x]
                            let value = top * upperWeight + bottom * lowerWeight
                            dst[row + x] = UInt8(min(max(value.rounded(.toNearestOrEven), 0), 255))
                        }
                    }
                }
            }
        }
        return out
    }

    /// The plane extended to the right and bottom with BORDER_REFLECT_101 (…, 2, 1 | 0, 1, 2, …).
    static func reflect101(_ plane: [UInt8], width: Int, height: Int, toWidth: Int, toHeight: Int) -> [UInt8] {
        func reflected(_ v: Int, _ n: Int) -> Int {
            if n == 1 { return 0 }
            var v = v
            while v < 0 || v >= n { v = v < 0 ? -v : 2 * n - 2 - v }
            return v
        }
        var out = [UInt8](repeating: 0, count: toWidth * toHeight)
        let columns = (0..<toWidth).map { reflected($0, width) }
        for y in 0..<toHeight {
            let from = reflected(y, height) * width, to = y * toWidth
            for x in 0..<toWidth { out[to + x] = plane[from + columns[x]] }
        }
        return out
    }
}
