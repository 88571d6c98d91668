#if canImport(Glibc)
import CMalloc
#endif

/// Keeps freed tensor memory inside the process. By default glibc hands every block over
/// 128 KiB back to the kernel on free, so each new feature map starts on fresh pages and pays a
/// page fault per 4 KiB (about a tenth of yolov5n's inference time at 640). Raising the mmap and
/// trim thresholds lets the next layer reuse the same, already mapped memory.
public enum AllocatorTuning {
    private static let configured: Bool = {
        #if canImport(Glibc)
        _ = mallopt(M_MMAP_THRESHOLD, 32 << 20)  // glibc's maximum on 64-bit
        _ = mallopt(M_TRIM_THRESHOLD, Int32.max)
        #endif
        return true
    }()

    /// Applies the settings once per process; cheap to call again.
    public static func configure() { _ = configured }
}
