/// The register-blocked inner product every packed convolution runs: a tile of
/// `MicroTile.rows` output channels × `MicroTile.columns` pixels is held in twelve SIMD8
/// accumulators while each k step loads three vectors of inputs, broadcasts four weights and
/// issues twelve fused multiply-adds (seven loads per twelve FMAs, so the FMA units, not the
/// loads, set the pace). The accumulators start at the bias, and the activation and the
/// residual addition are applied while they are still in registers: each output is written
/// once, with no zeroing or bias pass before the product and no activation pass after it.
struct MicroTile {
    /// Output channels per tile.
    static let rows = 4
    /// Pixels per tile.
    static let columns = 24

    var c00, c01, c02, c10, c11, c12, c20, c21, c22, c30, c31, c32: SIMD8<Float>

    @inline(__always)
    init(bias: SIMD4<Float>) {
        c00 = SIMD8(repeating: bias[0]); c01 = c00; c02 = c00
        c10 = SIMD8(repeating: bias[1]); c11 = c10; c12 = c10
        c20 = SIMD8(repeating: bias[2]); c21 = c20; c22 = c20
        c30 = SIMD8(repeating: bias[3]); c31 = c30; c32 = c30
    }

    /// The tile stored row by row, `columns` floats per row.
    @inline(__always)
    init(loading tile: UnsafePointer<Float>) {
        c00 = Self.load(tile); c01 = Self.load(tile + 8); c02 = Self.load(tile + 16)
        c10 = Self.load(tile + 24); c11 = Self.load(tile + 32); c12 = Self.load(tile + 40)
        c20 = Self.load(tile + 48); c21 = Self.load(tile + 56); c22 = Self.load(tile + 64)
        c30 = Self.load(tile + 72); c31 = Self.load(tile + 80); c32 = Self.load(tile + 88)
    }

    /// One k step: `a` points at the step's four weights, `b` at its 24 pixels.
    @inline(__always)
    mutating func step(a: UnsafePointer<Float>, b: UnsafePointer<Float>) {
        let b0 = Self.load(b), b1 = Self.load(b + 8), b2 = Self.load(b + 16)
        var w = SIMD8<Float>(repeating: a[0])
        c00.addProduct(b0, w); c01.addProduct(b1, w); c02.addProduct(b2, w)
        w = SIMD8<Float>(repeating: a[1])
        c10.addProduct(b0, w); c11.addProduct(b1, w); c12.addProduct(b2, w)
        w = SIMD8<Float>(repeating: a[2])
        c20.addProduct(b0, w); c21.addProduct(b1, w); c22.addProduct(b2, w)
        w = SIMD8<Float>(repeating: a[3])
        c30.addProduct(b0, w); c31.addProduct(b1, w); c32.addProduct(b2, w)
    }

    /// One k step over the first eight pixels only.
    @inline(__always)
    mutating func step8(a: UnsafePointer<Float>, b: UnsafePointer<Float>) {
        let b0 = Self.load(b)
        c00.addProduct(b0, SIMD8<Float>(repeating: a[0])); c10.addProduct(b0, SIMD8<Float>(repeating: a[1]))
        c20.addProduct(b0, SIMD8<Float>(repeating: a[2])); c30.addProduct(b0, SIMD8<Float>(repeating: a[3]))
    }

    /// One k step over the first sixteen pixels only.
    @inline(__always)
    mutating func step16(a: UnsafePointer<Float>, b: UnsafePointer<Float>) {
        let b0 = Self.load(b), b1 = Self.load(b + 8)
        var w = SIMD8<Float>(repeating: a[0])
        c00.addProduct(b0, w); c01.addProduct(b1, w)
        w = SIMD8<Float>(repeating: a[1])
        c10.addProduct(b0, w); c11.addProduct(b1, w)
        w = SIMD8<Float>(repeating: a[2])
        c20.addProduct(b0, w); c21.addProduct(b1, w)
        w = SIMD8<Float>(repeating: a[3])
        c30.addProduct(b0, w); c31.addProduct(b1, w)
    }

    /// `accumulate` for a tile of which only the first `validColumns` pixels will be stored (the
    /// last one of a map): the vectors past them are not computed and keep the bias. Each
    /// computed pixel gets the same sum as in a full tile.
    @inline(__always)
    mutating func accumulate(k: Int, a: UnsafePointer<Float>, packed b: UnsafePointer<Float>, validColumns: Int) {
        if validColumns > 16 { accumulate(k: k, a: a, packed: b); return }
        var (pa, pb) = (a, b)
        if validColumns > 8 {
            for _ in 0..<k { step16(a: pa, b: pb); pa += Self.rows; pb += Self.columns }
        } else {
            for _ in 0..<k { step8(a: pa, b: pb); pa += Self.rows; pb += Self.columns }
        }
    }

    /// `accumulate(k:a:b:offsets:)` for a tile of which only the first `validColumns` pixels
    /// will be stored.
    @inline(__always)
    mutating func accumulate(k: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, offsets: UnsafePointer<Int>,
                             validColumns: Int) {
        if validColumns > 16 { accumulate(k: k, a: a, b: b, offsets: offsets); return }
        var pa = a
        if validColumns > 8 {
            for index in 0..<k { step16(a: pa, b: b + offsets[index]); pa += Self.rows }
        } else {
            for index in 0..<k { step8(a: pa, b: b + offsets[index]); pa += Self.rows }
        }
    }

    /// Σₖ over packed inputs: `a` holds k groups of `rows` weights, `b` k groups of `columns`
    /// pixels.
    @inline(__always)
    mutating func accumulate(k: Int, a: UnsafePointer<Float>, packed b: UnsafePointer<Float>) {
        var (pa, pb) = (a, b)
        for _ in 0..<k {
            step(a: pa, b: pb)
            pa += Self.rows
            pb += Self.columns
        }
    }

    /// Σₖ over inputs read in place: step k's pixels start at `b + offsets[k]`.
    @inline(__always)
    mutating func accumulate(k: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, offsets: UnsafePointer<Int>) {
        var pa = a
        for index in 0..<k {
            step(a: pa, b: b + offsets[index])
            pa += Self.rows
        }
    }

    /// The tile with the activation applied to every accumulator. SiLU, the one nearly every
    /// convolution uses, is inlined at the call site, in registers; the other activations are
    /// one out-of-line call on a copy. (A switch over all of them is too large for the compiler
    /// to inline, and a call taking the accumulating tile's address makes the compiler keep it
    /// in memory through the whole k loop, storing twelve vectors per step.)
    @_transparent
    func activated(_ activation: ActivationFunction) -> MicroTile {
        switch activation {
        case .silu:
            var tile = self
            tile.applySiLU()
            return tile
        case .identity: return self
        default: return activatedOutOfLine(activation)
        }
    }

    @_transparent
    mutating func applySiLU() {
        // spelt out so the exp polynomial is inlined into the tile, not called per vector
        c00 = ActivationFunction.silu(c00); c01 = ActivationFunction.silu(c01); c02 = ActivationFunction.silu(c02)
        c10 = ActivationFunction.silu(c10); c11 = ActivationFunction.silu(c11); c12 = ActivationFunction.silu(c12)
        c20 = ActivationFunction.silu(c20); c21 = ActivationFunction.silu(c21); c22 = ActivationFunction.silu(c22)
        c30 = ActivationFunction.silu(c30); c31 = ActivationFunction.silu(c31); c32 = ActivationFunction.silu(c32)
    }

    @inline(never)
    func activatedOutOfLine(_ activation: ActivationFunction) -> MicroTile {
        var tile = self
        switch activation {
        case .identity: break
        case .silu: tile.applySiLU()
        case .sigmoid:
            tile.c00 = ActivationFunction.sigmoid(c00); tile.c01 = ActivationFunction.sigmoid(c01); tile.c02 = ActivationFunction.sigmoid(c02)
            tile.c10 = ActivationFunction.sigmoid(c10); tile.c11 = ActivationFunction.sigmoid(c11); tile.c12 = ActivationFunction.sigmoid(c12)
            tile.c20 = ActivationFunction.sigmoid(c20); tile.c21 = ActivationFunction.sigmoid(c21); tile.c22 = ActivationFunction.sigmoid(c22)
            tile.c30 = ActivationFunction.sigmoid(c30); tile.c31 = ActivationFunction.sigmoid(c31); tile.c32 = ActivationFunction.sigmoid(c32)
        default:
            tile.c00 = activation.apply(c00); tile.c01 = activation.apply(c01); tile.c02 = activation.apply(c02)
            tile.c10 = activation.apply(c10); tile.c11 = activation.apply(c11); tile.c12 = activation.apply(c12)
            tile.c20 = activation.apply(c20); tile.c21 = activation.apply(c21); tile.c22 = activation.apply(c22)
            tile.c30 = activation.apply(c30); tile.c31 = activation.apply(c31); tile.c32 = activation.apply(c32)
        }
        return tile
    }

    /// Writes all four rows of 24 (rows `rowStride` apart), or adds them onto what is there.
    @inline(__always)
    func store(to output: UnsafeMutablePointer<Float>, rowStride: Int, adding: Bool) {
        Self.store(c00, c01, c02, to: output, adding: adding)
        Self.store(c10, c11, c12, to: output + rowStride, adding: adding)
        Self.store(c20, c21, c22, to: output + 2 * rowStride, adding: adding)
        Self.store(c30, c31, c32, to: output + 3 * rowStride, adding: adding)
    }

    /// Lends the tile as a `rows` × `columns` buffer, for edge tiles that write only part of it.
    @inline(__always)
    func withBuffer(_ body: (UnsafePointer<Float>) -> Void) {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: Self.rows * Self.columns) { buffer in
            store(to: buffer.baseAddress!, rowStride: Self.columns, adding: false)
            body(buffer.baseAddress!)
        }
    }

    /// Writes `validRows` × `validColumns` of the tile (an edge tile).
    @inline(__always)
    func store(to output: UnsafeMutablePointer<Float>, rowStride: Int, adding: Bool, validRows: Int, validColumns: Int) {
        if validRows == Self.rows && validColumns == Self.columns {
            store(to: output, rowStride: rowStride, adding: adding)
            return
        }
        withBuffer { tile in
            for row in 0..<validRows {
                Self.write(tile + row * Self.columns, count: validColumns, to: output + row * rowStride, adding: adding)
            }
        }
    }

    @inline(__always)
    static func write(_ source: UnsafePointer<Float>, count: Int, to target: UnsafeMutablePointer<Float>, adding: Bool) {
        if adding {
            for column in 0..<count { target[column] += source[column] }
        } else {
            target.update(from: source, count: count)
        }
    }

    @inline(__always)
    static func load(_ pointer: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always)
    private static func store(_ v0: SIMD8<Float>, _ v1: SIMD8<Float>, _ v2: SIMD8<Float>,
                              to pointer: UnsafeMutablePointer<Float>, adding: Bool) {
        var (v0, v1, v2) = (v0, v1, v2)
        if adding {
            v0 += load(pointer)
            v1 += load(pointer + 8)
            v2 += load(pointer + 16)
        }
        let raw = UnsafeMutableRawPointer(pointer)
        raw.storeBytes(of: v0, as: SIMD8<Float>.self)
        (raw + 32).storeBytes(of: v1, as: SIMD8<Float>.self)
        (raw + 64).storeBytes(of: v2, as: SIMD8<Float>.self)
    }
}
