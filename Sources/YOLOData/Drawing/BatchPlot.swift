import Foundation

/// Ultralytics' `plot_images` for training batches (train_batch0.jpg …): up to 16 images in a
/// square grid filled column by column (`x = w·(i // ns)`, `y = h·(i % ns)`) on white, shrunk
/// with INTER_LINEAR when the grid is wider than 1920 px, each tile framed in white with its
/// file name, and its labels drawn as boxes coloured by class with the class name.
///
/// The text is this project's bitmap font, not Ultralytics' Arial through PIL, so the glyphs
/// differ; the layout, scaling and box geometry follow `plot_images`.
public enum BatchPlot {
    public static let maxSize = 1920
    public static let maxSubplots = 16

    /// The grid for same-size images and their normalised labels.
    public static func render(images: [RGBImage], labels: [[ObjectLabel]], paths: [String] = [],
                              names: [String]? = nil) -> RGBImage {
        let count = min(images.count, maxSubplots)
        guard count > 0 else { return RGBImage(width: 1, height: 1, fill: (255, 255, 255)) }
        var h = images[0].height, w = images[0].width
        let ns = Int(Double(count).squareRoot().rounded(.up))
        var canvas = RGBImage(width: ns * w, height: ns * h, fill: (255, 255, 255))
        for i in 0..<count {
            precondition(images[i].width == w && images[i].height == h, "batch images differ in size")
            Mosaic.copy(images[i], region: (0, 0, w, h), into: &canvas, at: (w * (i / ns), h * (i % ns), w * (i / ns) + w, h * (i % ns) + h))
        }
        let scale = Double(maxSize) / Double(ns) / Double(max(h, w))
        if scale < 1 {
            h = Int((scale * Double(h)).rounded(.up))
            w = Int((scale * Double(w)).rounded(.up))
            canvas = resize(canvas, width: w * ns, height: h * ns, interpolation: .linear)
        }
        let fontSize = Int(Double(h + w) * Double(ns) * 0.01)
        var annotator = Annotator(image: canvas, lineWidth: max(1, Int((Double(fontSize) / 10).rounded(.toNearestOrEven))))
        let textScale = max(1, fontSize / (2 * 14))
        for i in 0..<count {
            let x = w * (i / ns), y = h * (i % ns)
            // white frame, 2 px
            annotator.fill(x, y, x + w, y + 1, (255, 255, 255))
            annotator.fill(x, y + h - 1, x + w, y + h, (255, 255, 255))
            annotator.fill(x, y, x + 1, y + h, (255, 255, 255))
            annotator.fill(x + w - 1, y, x + w, y + h, (255, 255, 255))
            if i < paths.count {
                let name = String((paths[i] as NSString).lastPathComponent.prefix(40))
                annotator.drawText(name, x: x + 5, y: y + 5, scale: textScale, color: (220, 220, 220))
            }
            guard i < labels.count else { continue }
            for label in labels[i] {
                let x1 = (label.x - label.width / 2) * Float(w) + Float(x)
                let y1 = (label.y - label.height / 2) * Float(h) + Float(y)
                let x2 = (label.x + label.width / 2) * Float(w) + Float(x)
                let y2 = (label.y + label.height / 2) * Float(h) + Float(y)
                let name = names.flatMap { label.classIndex < $0.count ? $0[label.classIndex] : nil } ?? "\(label.classIndex)"
                annotator.drawBox(x1: x1, y1: y1, x2: x2, y2: y2, label: name,
                                  color: Annotator.color(forClass: label.classIndex))
            }
        }
        return annotator.image
    }

    /// The plot of a training batch.
    public static func render(_ batch: TrainingBatch, names: [String]? = nil) -> RGBImage {
        render(images: batch.samples.map(\.image), labels: batch.samples.map(\.labels), paths: batch.paths, names: names)
    }
}
