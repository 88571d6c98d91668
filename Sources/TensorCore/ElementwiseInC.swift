import CKernels

/// Which elementwise passes run on the C kernels: where the float32 C tiles run, SiLU and
/// sigmoid everywhere (convolution epilogues, standalone activations and their gradients,
/// batch norm's training passes) are the tiles' sixteen-lane functions, so a value computed in a
/// fused pass and the same value computed in separate passes agree bit for bit.
extension ActivationFunction {
    /// True where the C tiles run (`PackedConvolution.usesFloat32CTiles` on a CPU that has them).
    static var elementwiseInC: Bool { PackedConvolution.usesFloat32CTiles && PackedConvolution.float32CTilesSupported }

    /// The activation as the C kernels' YOLO_TILE_ code (identity, SiLU, sigmoid); nil for the
    /// others, which Swift applies.
    var codeInC: Int32? {
        switch self {
        case .identity: return Int32(YOLO_TILE_IDENTITY)
        case .silu: return Int32(YOLO_TILE_SILU)
        case .sigmoid: return Int32(YOLO_TILE_SIGMOID)
        default: return nil
        }
    }
}
