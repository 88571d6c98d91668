/// A convolution's weights [O, C·k·k] rearranged for `MicroTile`: blocks of
/// `MicroTile.rows` output channels, each holding, for every k, its rows' weights side by
/// side (the four values one k step broadcasts). Output channels past the last full block are
/// padded with zero weights. Packing once per weight tensor (not per call) keeps this pass out
/// of inference entirely; callers that own the weights cache it.
public struct PackedConvolutionWeights: Sendable {
    let values: [Float]
    public let outputChannels: Int
    /// The patch size C·k·k: the product's inner dimension.
    public let depth: Int
    /// The Winograd-domain weights, for convolutions `WinogradConvolution` computes.
    let winograd: [Float]?

    public init(_ weight: Tensor, geometry: Conv2DGeometry) {
        precondition(geometry.groups == 1 && weight.elementCount == geometry.outputChannels * geometry.patchSize,
                     "weight \(weight.shape) does not fit \(geometry)")
        let (outputs, depth) = (geometry.outputChannels, geometry.patchSize)
        let rows = MicroTile.rows
        let blocks = (outputs + rows - 1) / rows
        var values = [Float](repeating: 0, count: blocks * depth * rows)
        weight.storage.withUnsafeBufferPointer { source in
            values.withUnsafeMutableBufferPointer { target in
                for output in 0..<outputs {
                    let (block, lane) = (output / rows, output % rows)
                    let row = source.baseAddress! + output * depth
                    let column = target.baseAddress! + block * depth * rows + lane
                    for k in 0..<depth { column[k * rows] = row[k] }
                }
            }
        }
        self.values = values
        self.outputChannels = outputs
        self.depth = depth
        winograd = WinogradConvolution.applies(to: geometry)
            ? weight.storage.withUnsafeBufferPointer {
                WinogradConvolution.transformedWeights($0.baseAddress!, outputs: outputs, inputs: geometry.inputChannels)
            }
            : nil
    }

    var blockCount: Int { (outputChannels + MicroTile.rows - 1) / MicroTile.rows }
}
