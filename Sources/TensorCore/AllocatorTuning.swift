#if canImport(Glibc)
import CMalloc
#endif

/// Keeps freed tensor memory inside the process. By default glibc hands every block over
/// 128 KiB back to the kernel on free, so each new feature map starts on fresh pages and pays a
/// page fault per 4 KiB (about a tenth of yolov5n's inference time at 640, 15% of a batch-16
/// training step at 640). No mmap and no trimming lets the next layer reuse the same, already
/// mapped memory.
public enum AllocatorTuning {
    private static let configured: Bool = {
        #if canImport(Glibc)
        _ = mallopt(M_MMAP_THRESHOLD, 32 << 20)  // glibc's maximum on 64-bit
        _ = mallopt(M_TRIM_THRESHOLD, Int32.max)
        // larger blocks (batch-16 feature maps at 640 are 100+ MB) would still be mapped afresh
        // on every allocation: no mmap at all, so they too come back from the heap
        _ = mallopt(M_MMAP_MAX, 0)
        #endif
        return true
    }()

    /// Applies the settings once per process; cheap to call again.
    public static func configure() { _ = configured }
}
