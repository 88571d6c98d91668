import CKernels

/// Channel planes as rows: the layout change between a convolution's output (channels apart)
/// and per-position records such as Detect's rows.
public enum RowGather {
    /// rows[p·channels + k] = planes[k·channelStride + p] for p < count, k < channels, eight by
    /// eight in registers.
    public static func gather(planes: UnsafePointer<Float>, channelStride: Int, channels: Int, count: Int,
                              into rows: UnsafeMutablePointer<Float>) {
        precondition(count <= channelStride || channels <= 1, "planes of \(channelStride) hold no \(count) positions")
        yolo_gather_rows(planes, channelStride, channels, count, rows)
    }
}
