/// Box conversions and overlaps in float32, evaluated in the same order as Ultralytics and torchvision.
public enum BoxGeometry {
    /// Centre/size to corners: x1 = x − w/2, y1 = y − h/2, x2 = x + w/2, y2 = y + h/2.
    @inline(__always)
    public static func corners(centerX x: Float, centerY y: Float, width w: Float, height h: Float)
        -> (x1: Float, y1: Float, x2: Float, y2: Float) {
        (x - w / 2, y - h / 2, x + w / 2, y + h / 2)
    }

    /// IoU as torchvision's NMS computes it: inter / (area1 + area2 − inter), no epsilon.
    @inline(__always)
    public static func nmsIoU(_ a: (Float, Float, Float, Float), areaA: Float,
                              _ b: (Float, Float, Float, Float), areaB: Float) -> Float {
        let w = max(0, min(a.2, b.2) - max(a.0, b.0))
        let h = max(0, min(a.3, b.3) - max(a.1, b.1))
        let inter = w * h
        return inter / (areaA + areaB - inter)
    }

    /// IoU as Ultralytics' metrics compute it: inter / (area1 + area2 − inter + 1e-7).
    @inline(__always)
    public static func metricIoU(_ a: Detection, _ b: Detection) -> Float {
        let inter = max(0, min(a.x2, b.x2) - max(a.x1, b.x1)) * max(0, min(a.y2, b.y2) - max(a.y1, b.y1))
        return inter / ((a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter + 1e-7)
    }
}
