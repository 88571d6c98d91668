/// The Winograd-domain weights U_ξ (`WinogradConvolution.transformedWeights`) in the layout its
/// products read: for the float32 C tiles, each U_ξ in blocks of `MicroTile.rows` output
/// channels holding, for every input channel, the block's four weights side by side (outputs
/// past the last full block are zero); for sgemm, each U_ξ row-major [O × C].
struct WinogradWeights: Sendable {
    let values: [Float]
    /// Whether `values` is in the tiles' layout.
    let tiled: Bool

    /// Output channels rounded up to whole tile blocks (in the tiles' layout).
    static func paddedOutputs(_ outputs: Int) -> Int { roundUp(outputs, to: MicroTile.rows) }

    /// `rowMajor` (16 matrices [O × C]) in the tiles' layout where they run, else as it is.
    init(rowMajor: [Float], outputs: Int, inputs: Int) {
        guard PackedConvolution.usesFloat32CTiles && PackedConvolution.float32CTilesSupported else {
            (values, tiled) = (rowMajor, false)
            return
        }
        let matrix = outputs * inputs
        let blocked = rowMajor.withUnsafeBufferPointer { source in
            (0..<16).flatMap { xi in
                rowBlocks(source.baseAddress! + xi * matrix, rows: outputs, depth: inputs, blockRows: MicroTile.rows)
            }
        }
        (values, tiled) = (blocked, true)
    }
}
