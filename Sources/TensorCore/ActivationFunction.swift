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

    /// The function of every element into a new tensor, leaving `tensor` as it is (what training
    /// needs, as the backward reads the input): each piece is copied and transformed while it is
    /// in L1, instead of copying the whole tensor and then passing over it again.
    public func applied(_ tensor: Tensor) -> Tensor {
        if self == .identity { return tensor }
        var output = Tensor(uninitializedShape: tensor.shape)
        tensor.storage.withUnsafeBufferPointer { source in
            output.storage.withUnsafeMutableBufferPointer { destination in
                Parallel.forEach(source.count, minimumChunk: 65_536) { range in
                    var start = range.lowerBound
                    while start < range.upperBound {
                        let end = min(range.upperBound, start + 4096)
                        (destination.baseAddress! + start).update(from: source.baseAddress! + start, count: end - start)
                        apply(UnsafeMutableBufferPointer(rebasing: destination[start..<end]))
                        start = end
                    }
                }
            }
        }
        return output
    }

    public func apply(_ buffer: UnsafeMutableBufferPointer<Float>) {
        if self == .identity || applyVectorised(buffer) { return }
        for i in buffer.indices { buffer[i] = apply(buffer[i]) }
    }
}

/// The logistic function, PyTorch's `sigmoid`.
@inline(__always)
public func sigmoid(_ x: Float) -> Float { 1 / (1 + expf(-x)) }
