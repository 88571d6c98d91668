import Foundation

/// One reusable scratch buffer (im2col columns and the like), grown to the largest request and
/// kept, so a forward pass allocates no large temporary per layer. Calls are serialised.
public final class Scratch: @unchecked Sendable {
    public static let shared = Scratch()

    private var buffer: UnsafeMutablePointer<Float>? = nil
    private var capacity = 0
    private let lock = NSLock()

    /// Lends a buffer of at least `count` floats (contents undefined) for the duration of `body`.
    public func withBuffer<R>(count: Int, _ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        if count > capacity {
            buffer?.deallocate()
            buffer = UnsafeMutablePointer<Float>.allocate(capacity: count)
            capacity = count
        }
        return try body(UnsafeMutableBufferPointer(start: buffer, count: count))
    }
}
