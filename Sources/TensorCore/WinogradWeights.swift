/// The Winograd-domain weights U_ξ (`WinogradConvolution.transformedWeights`) in the layout its
/// products read: for the float32 C tiles, each U_ξ in blocks of `MicroTile.rows` output
/// channels holding, for every input channel, the block's four weights side by side (outputs
/// past the last full block are zero); for sgemm, each U_ξ row-major [O × C].
struct WinogradWeights: Sendable {
    let values: [Float]
    /// The minimal filtering they were transformed for.
    let tile: WinogradTile
    /// Whether `values` is in the tiles' layout.
    let tiled: Bool

    /// Output channels rounded up to whole tile blocks (in the tiles' layout).
    static func paddedOutputs(_ outputs: Int) -> Int { roundUp(outputs, to: MicroTile.rows) }

    /// `rowMajor` (`tile.elements` matrices [O × C]) in the tiles' layout where they run, else as it is.
    init(rowMajor: [Float], tile: WinogradTile, outputs: Int, inputs: Int) {
        self.tile = tile
        guard PackedConvolution.usesFloat32CTiles && PackedConvolution.float32CTilesSupported else {
            (values, tiled) = (rowMajor, false)
            return
        }
        let matrix = outputs * inputs
        let blocked = rowMajor.withUnsafeBufferPointer { source in
            (0..<tile.elements).flatMap { xi in
                rowBlocks(source.baseAddress! + xi * matrix, rows: outputs, depth: inputs, blockRows: MicroTile.rows)
            }
        }
        (values, tiled) = (blocked, true)
    }
}
