import Foundation

/// Ultralytics' `bbox_iou(box1, box2, xywh=True, CIoU=True)` (eps 1e-7, alpha = v / (1 − iou + v + eps)
/// computed without gradient) for one predicted and one target box, with the gradient of the CIoU
/// w.r.t. the predicted box's (x, y, w, h).
public struct CompleteIoU: Sendable, Equatable {
    public static let eps = 1e-7

    public var value: Double
    /// The aspect-ratio weight, detached in PyTorch (treated as a constant in `gradient`).
    public var alpha: Double
    /// d CIoU / d (x, y, w, h) of the predicted box.
    public var gradient: (x: Double, y: Double, w: Double, h: Double)

    public static func == (a: CompleteIoU, b: CompleteIoU) -> Bool {
        a.value == b.value && a.alpha == b.alpha && a.gradient == b.gradient
    }

    /// `frozenAlpha` replaces the computed alpha (to evaluate the function PyTorch differentiates).
    public init(predicted p: (x: Double, y: Double, w: Double, h: Double),
                target t: (x: Double, y: Double, w: Double, h: Double), frozenAlpha: Double? = nil) {
        let eps = Self.eps
        let p1x = p.x - p.w / 2, p2x = p.x + p.w / 2, p1y = p.y - p.h / 2, p2y = p.y + p.h / 2
        let t1x = t.x - t.w / 2, t2x = t.x + t.w / 2, t1y = t.y - t.h / 2, t2y = t.y + t.h / 2
        let iw = Swift.min(p2x, t2x) - Swift.max(p1x, t1x)
        let ih = Swift.min(p2y, t2y) - Swift.max(p1y, t1y)
        let iwc = Swift.max(iw, 0), ihc = Swift.max(ih, 0)
        let inter = iwc * ihc
        let union = p.w * p.h + t.w * t.h - inter + eps
        let iou = inter / union
        let cw = Swift.max(p2x, t2x) - Swift.min(p1x, t1x)
        let ch = Swift.max(p2y, t2y) - Swift.min(p1y, t1y)
        let c2 = cw * cw + ch * ch + eps
        let dx = t1x + t2x - p1x - p2x, dy = t1y + t2y - p1y - p2y
        let rho2 = (dx * dx + dy * dy) / 4
        let k = 4 / (Double.pi * Double.pi)
        let angle = atan(t.w / t.h) - atan(p.w / p.h)
        let v = k * angle * angle
        let alpha = frozenAlpha ?? v / (1 - iou + v + eps)
        value = iou - (rho2 / c2 + v * alpha)
        self.alpha = alpha

        // Reverse pass. torch.minimum/maximum send the gradient to the selected input, half each on a tie.
        func share(_ a: Double, over b: Double) -> Double { a > b ? 1 : (a == b ? 0.5 : 0) }
        var gP1x = 0.0, gP2x = 0.0, gP1y = 0.0, gP2y = 0.0, gW = 0.0, gH = 0.0
        let gIou = 1.0, gRho2 = -1 / c2, gC2 = rho2 / (c2 * c2), gV = -alpha
        var gInter = gIou / union
        let gUnion = -gIou * inter / (union * union)
        gW += gUnion * p.h
        gH += gUnion * p.w
        gInter -= gUnion
        let gIw = iw >= 0 ? gInter * ihc : 0  // clamp(min: 0) passes the gradient where x >= 0
        let gIh = ih >= 0 ? gInter * iwc : 0
        gP2x += gIw * share(t2x, over: p2x)
        gP1x -= gIw * share(p1x, over: t1x)
        gP2y += gIh * share(t2y, over: p2y)
        gP1y -= gIh * share(p1y, over: t1y)
        let gCw = gC2 * 2 * cw, gCh = gC2 * 2 * ch
        gP2x += gCw * share(p2x, over: t2x)
        gP1x -= gCw * share(t1x, over: p1x)
        gP2y += gCh * share(p2y, over: t2y)
        gP1y -= gCh * share(t1y, over: p1y)
        let gDx = gRho2 * dx / 2, gDy = gRho2 * dy / 2
        gP1x -= gDx; gP2x -= gDx; gP1y -= gDy; gP2y -= gDy
        // v = k (atan(tw/th) − atan(pw/ph))²
        let r = p.w / p.h
        let gAtan = gV * k * 2 * angle * -1
        let dAtan = 1 / (1 + r * r)
        gW += gAtan * dAtan / p.h
        gH -= gAtan * dAtan * p.w / (p.h * p.h)
        gradient = (x: gP1x + gP2x, y: gP1y + gP2y, w: gW + (gP2x - gP1x) / 2, h: gH + (gP2y - gP1y) / 2)
    }
}
