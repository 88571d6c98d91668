import CKernels
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

extension ActivationFunction {
    /// The function on eight lanes (a convolution's accumulators, before they are stored).
    func apply(_ x: SIMD8<Float>) -> SIMD8<Float> {
        switch self {
        case .identity: return x
        case .silu: return Self.silu(x)
        case .sigmoid: return Self.sigmoid(x)
        case .relu: return x.replacing(with: 0, where: .!(x .> 0))
        case .leakyReLU(let slope): return x.replacing(with: x * slope, where: .!(x .> 0))
        case .hardswish:
            var result = x
            for lane in 0..<8 { result[lane] = apply(x[lane]) }
            return result
        }
    }
}

extension ActivationFunction {
    /// x·σ(x) = x / (1 + e⁻ˣ). (A reciprocal estimate with Newton steps instead of the
    /// division measured slower here.)
    @inline(__always)
    static func silu(_ x: SIMD8<Float>) -> SIMD8<Float> { x / (1 + fastExp(-x)) }

    @inline(__always)
    static func sigmoid(_ x: SIMD8<Float>) -> SIMD8<Float> { 1 / (1 + fastExp(-x)) }

    /// SiLU and sigmoid over a buffer with the convolution epilogue's arithmetic: the C tiles'
    /// where those run (`elementwiseInC`), else eight lanes at a time as the Swift tile (the tail
    /// through a padded vector); false for other activations.
    func applyVectorised(_ buffer: UnsafeMutableBufferPointer<Float>) -> Bool {
        guard let base = buffer.baseAddress else { return true }
        if Self.elementwiseInC, let code = codeInC, code != YOLO_TILE_IDENTITY {
            yolo_f32_activate(base, buffer.count, code)
            return true
        }
        switch self {
        case .silu: Self.transform(base, count: buffer.count, Self.silu)
        case .sigmoid: Self.transform(base, count: buffer.count, Self.sigmoid)
        default: return false
        }
        return true
    }

    /// values[i] = function(values[i]), eight lanes at a time (the tail through a padded vector).
    @inline(__always)
    private static func transform(_ values: UnsafeMutablePointer<Float>, count: Int,
                                  _ function: (SIMD8<Float>) -> SIMD8<Float>) {
        var i = 0
        while i + 8 <= count {
            let raw = UnsafeMutableRawPointer(values + i)
            raw.storeBytes(of: function(raw.loadUnaligned(as: SIMD8<Float>.self)), as: SIMD8<Float>.self)
            i += 8
        }
        if i < count {
            var tail = SIMD8<Float>()
            for lane in 0..<(count - i) { tail[lane] = values[i + lane] }
            tail = function(tail)
            for lane in 0..<(count - i) { values[i + lane] = tail[lane] }
        }
    }
}
