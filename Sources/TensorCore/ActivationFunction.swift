#if canImport(Glibc)
import Glibc
#endif

/// Elementwise activations, computed in float32 as PyTorch's CPU kernels do.
public enum ActivationFunction: Sendable, Equatable {
    case identity
    case silu
    case leakyReLU(negativeSlope: Float)
    case relu
    case hardswish
    case sigmoid

    @inline(__always)
    public func apply(_ x: Float) -> Float {
        switch self {
        case .identity: return x
        case .silu: return x / (1 + expf(-x))
        case .leakyReLU(let slope): return x > 0 ? x : x * slope
        case .relu: return x > 0 ? x : 0
        case .hardswish: return x * min(max(x + 3, 0), 6) / 6
        case .sigmoid: return 1 / (1 + expf(-x))
        }
    }

    /// Applies the function to every element of a tensor in place, split across cores.
    public func apply(to tensor: inout Tensor) {
        if self == .identity { return }
        tensor.storage.withUnsafeMutableBufferPointer { buffer in
            Parallel.forEach(buffer.count, minimumChunk: 65_536) { range in
                apply(UnsafeMutableBufferPointer(rebasing: buffer[range]))
            }
        }
    }

    public func apply(_ buffer: UnsafeMutableBufferPointer<Float>) {
        if self == .identity || applyVectorised(buffer) { return }
        for i in buffer.indices { buffer[i] = apply(buffer[i]) }
    }

    /// buffer[i] = f(buffer[i] + bias) in one pass (a convolution's epilogue); the same values as
    /// adding the bias first and applying the function after.
    public func apply(_ buffer: UnsafeMutableBufferPointer<Float>, adding bias: Float) {
        if applyVectorised(buffer, adding: bias) { return }
        for i in buffer.indices { buffer[i] = apply(buffer[i] + bias) }
    }
}

/// The logistic function, PyTorch's `sigmoid`.
@inline(__always)
public func sigmoid(_ x: Float) -> Float { 1 / (1 + expf(-x)) }
