#if canImport(Glibc)
import Glibc
#endif

/// Each thread's own scratch memory, kept from one use to the next instead of allocated each
/// time: for a parallel region's workers, and for the calling thread's whole-layer im2col (one
/// buffer per thread rather than one shared behind a lock). A per-region buffer cost the
/// allocation, and the main thread's came from the heap its feature maps come from, so it could
/// land on lines the other core had just written (a map since freed) and have to fetch them
/// before writing. Kept: yolov5n 0.988 at 320 and 0.992 at 640 (16 and 10 interleaved process
/// pairs), 0.996 and 0.993 in process (300 pairs); the training step 0.991 (8 process pairs).
enum WorkerScratch {
    /// Buffers up to this size are kept by their thread; larger ones are allocated per use.
    static let keptBytes = 16 << 20
    static let alignment = 64

    /// A thread's kept buffer: at most one lender at a time.
    private final class Buffer {
        var base: UnsafeMutableRawPointer?
        var byteCount = 0
        var isLent = false

        deinit { base?.deallocate() }
    }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        // a thread that ends (a data-loading worker) frees its buffer
        pthread_key_create(&key) { raw in
            if let raw { Unmanaged<Buffer>.fromOpaque(raw).release() }
        }
        return key
    }()

    private static var threadBuffer: Buffer {
        if let raw = pthread_getspecific(key) { return Unmanaged<Buffer>.fromOpaque(raw).takeUnretainedValue() }
        let buffer = Buffer()
        pthread_setspecific(key, Unmanaged.passRetained(buffer).toOpaque())
        return buffer
    }

    /// Lends `body` at least `count` floats (contents undefined, 64-byte aligned): the calling
    /// thread's kept buffer, grown if needed, unless that is already lent (a kernel run inside
    /// another's worker) or `count` is over `keptBytes`, in which case a buffer of its own.
    static func withFloats<R>(_ count: Int, _ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
        let byteCount = max(count, 1) * MemoryLayout<Float>.stride
        let buffer = threadBuffer
        guard !buffer.isLent && byteCount <= keptBytes else {
            let own = UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: alignment)
            defer { own.deallocate() }
            return try body(own.bindMemory(to: Float.self, capacity: max(count, 1)))
        }
        if byteCount > buffer.byteCount {
            buffer.base?.deallocate()
            buffer.base = UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: alignment)
            buffer.byteCount = byteCount
        }
        buffer.isLent = true
        defer { buffer.isLent = false }
        return try body(buffer.base!.bindMemory(to: Float.self, capacity: max(count, 1)))
    }
}
