import ArgumentParser
import YOLOConfig
import YOLOModel

/// `--bf16` (alias `--half`, the flag Ultralytics users know for reduced-precision inference):
/// convolutions in bfloat16 with float32 sums, on CPUs with AVX512-BF16.
struct PrecisionOption: ParsableArguments {
    @Flag(name: [.customLong("bf16"), .customLong("half")],
          help: "bfloat16 inference (products of bfloat16-rounded weights and inputs summed in float32; needs AVX512-BF16).")
    var bf16 = false

    /// Selects the precision before any model is used; a clear error where the CPU lacks it.
    func select() throws {
        guard bf16 else { return }
        guard InferencePrecision.isBFloat16Supported else {
            throw ConfigError("--bf16 needs a CPU with AVX512-BF16, which this one lacks; run without it for float32", file: nil)
        }
        InferencePrecision.selected = .bfloat16
    }

    var label: String { bf16 ? "bfloat16" : "float32" }
}
