import TensorCore

/// The arithmetic inference runs in. `.bfloat16` rounds each convolution's weights and inputs to
/// bfloat16 and sums their products in float32 on the AVX512-BF16 dot-product instructions
/// (twice the multiply-adds per instruction; 3×3 layers then skip Winograd); depthwise and
/// dilated convolutions, the other layers and training stay float32. Select it before a network's first forward pass: weights are packed for the
/// kernels on first use, in the precision selected then.
public enum InferencePrecision: String, Sendable {
    case float32, bfloat16

    /// Whether this CPU can run `.bfloat16`.
    public static var isBFloat16Supported: Bool { PackedConvolution.bfloat16Supported }

    /// The precision weights packed from now on run in.
    public static var selected: InferencePrecision {
        get { PackedConvolution.usesBFloat16 ? .bfloat16 : .float32 }
        set {
            precondition(newValue == .float32 || isBFloat16Supported, "bfloat16 inference needs AVX512-BF16")
            PackedConvolution.usesBFloat16 = newValue == .bfloat16
        }
    }
}
