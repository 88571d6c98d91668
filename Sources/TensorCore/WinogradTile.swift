/// The Winograd minimal filtering a 3×3, stride-1 convolution runs as (Lavin & Gray, 2015):
/// F(m×m, 3×3) computes an m×m block of outputs from the (m + 2)×(m + 2) input patch around it
/// with (m + 2)² multiplications per (output, input) channel pair instead of 9m².
///
/// - F(2×2, 3×3): 16 products per 4 outputs (4 per output). Its transforms only add and
///   subtract, so it stays within a few units in the last place of the direct sum; training
///   runs on it (forward, and the weight gradient through its transposed transforms).
/// - F(4×4, 3×3): 36 products per 16 outputs (2.25 per output), for the points 0, ±1, ±2.
///   Its transforms scale by 2, 4, 5 and 8 and its weight transform by sixths and
///   twenty-fourths, so it rounds a few times more than F(2×2, 3×3); inference runs on it, its
///   weights transformed once (`PackedConvolutionWeights`).
public enum WinogradTile: Sendable {
    case f2x2
    case f4x4

    /// Outputs per block side (m).
    var outputSide: Int {
        switch self {
        case .f2x2: 2
        case .f4x4: 4
        }
    }

    /// Input patch side, m + 2.
    var patchSide: Int { outputSide + 2 }

    /// Elements ξ of a transformed patch: the number of products M_ξ = U_ξ·V_ξ.
    var elements: Int { patchSide * patchSide }

    /// Block rows per band for a single image of `blockRows`, so that the workers have bands to
    /// share: F(2×2, 3×3) at least four bands where its rows allow; F(4×4, 3×3), whose block rows
    /// are twice as tall and whose bands would otherwise hold too few blocks for the products'
    /// tiles (a 20×20 map has 5 × 5 blocks), two.
    ///
    /// A 20×20 map's five block rows make bands of 3 and 2: the worker with two waits through a
    /// row's transforms (18–20 µs of a 130 µs layer, yolov5n at 320); their products cost the
    /// same, one 16-column step per block of outputs either way. Evening them cost more than
    /// the wait, at 320 and 640: the middle row in both bands, each computing half of its output
    /// channels, 1.000 and 1.004 (interleaved processes); one band in two parallel regions (the
    /// input transforms shared out by channel, then the products and output transforms by output
    /// channel), 1.012 and 1.008 (in-process A/B, 300 pairs).
    func rowsForWorkers(_ blockRows: Int) -> Int {
        switch self {
        case .f2x2: blockRows / 4
        case .f4x4: (blockRows + 1) / 2
        }
    }

    /// The tile for weights transformed once for inference (`PackedConvolutionWeights`).
    nonisolated(unsafe) public static var forPackedWeights = WinogradTile.f4x4
}
