import CKernels

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
    let winograd: WinogradWeights?
    /// The minimal filtering asked for when packing (whether or not it applies to this geometry).
    public let winogradTile: WinogradTile
    /// With `PackedConvolution.usesBFloat16` set when packing: the weights rounded to bfloat16,
    /// input channels in pairs (2q, 2q + 1) at each tap, one UInt32 per pair (the even channel
    /// in the low half), blocks of `MicroTile.rows` outputs as in `values`. Nil otherwise.
    let bfloat16Pairs: [UInt32]?
    /// Pair steps per block: ⌈C/2⌉·k·k.
    let pairDepth: Int
    /// For convolutions `DirectConvolution` may compute: the weights in its blocks of 16
    /// outputs, made on first use.
    let direct: DirectBlocks?

    /// `winogradTile`: F(4×4, 3×3) for inference (`WinogradTile.forPackedWeights`); training,
    /// which packs its weights anew after every step, asks for F(2×2, 3×3).
    public init(_ weight: Tensor, geometry: Conv2DGeometry, winogradTile: WinogradTile = WinogradTile.forPackedWeights) {
        precondition(geometry.groups == 1 && weight.elementCount == geometry.outputChannels * geometry.patchSize,
                     "weight \(weight.shape) does not fit \(geometry)")
        let (outputs, depth) = (geometry.outputChannels, geometry.patchSize)
        values = weight.storage.withUnsafeBufferPointer {
            rowBlocks($0.baseAddress!, rows: outputs, depth: depth, blockRows: MicroTile.rows)
        }
        self.outputChannels = outputs
        self.depth = depth
        self.winogradTile = winogradTile
        let taps = geometry.kernelSize * geometry.kernelSize
        pairDepth = (geometry.inputChannels + 1) / 2 * taps
        bfloat16Pairs = PackedConvolution.usesBFloat16
            ? weight.storage.withUnsafeBufferPointer {
                Self.bfloat16Pairs($0.baseAddress!, outputs: outputs, inputs: geometry.inputChannels, taps: taps)
            }
            : nil
        direct = DirectConvolution.packsWeights(for: geometry) && !PackedConvolution.usesBFloat16
            ? DirectBlocks(weight, outputs: outputs) : nil
        winograd = WinogradConvolution.applies(to: geometry) && !PackedConvolution.usesBFloat16
            ? weight.storage.withUnsafeBufferPointer {
                WinogradConvolution.transformedWeights($0.baseAddress!, outputs: outputs, inputs: geometry.inputChannels,
                                                       tile: winogradTile)
            }
            : nil
    }

    private static func bfloat16Pairs(_ weight: UnsafePointer<Float>, outputs: Int, inputs: Int, taps: Int) -> [UInt32] {
        let rows = MicroTile.rows
        let depth = inputs * taps
        let pairDepth = (inputs + 1) / 2 * taps
        var rounded = [UInt16](repeating: 0, count: outputs * depth)
        var pairs = [UInt32](repeating: 0, count: (outputs + rows - 1) / rows * pairDepth * rows)
        rounded.withUnsafeMutableBufferPointer { rounded in
            let halves = rounded.baseAddress!
            yolo_bf16_round(weight, halves, outputs * depth)
            pairs.withUnsafeMutableBufferPointer { pairs in
                for output in 0..<outputs {
                    let (block, lane) = (output / rows, output % rows)
                    let row = halves + output * depth
                    let target = pairs.baseAddress! + block * pairDepth * rows + lane
                    for channelPair in 0..<((inputs + 1) / 2) {
                        let hasOdd = 2 * channelPair + 1 < inputs
                        for tap in 0..<taps {
                            let even = UInt32(row[2 * channelPair * taps + tap])
                            let odd = hasOdd ? UInt32(row[(2 * channelPair + 1) * taps + tap]) : 0
                            target[(channelPair * taps + tap) * rows] = even | odd << 16
                        }
                    }
                }
            }
        }
        return pairs
    }

    var blockCount: Int { (outputChannels + MicroTile.rows - 1) / MicroTile.rows }
}
