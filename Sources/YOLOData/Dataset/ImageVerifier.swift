import Foundation

/// Checks one image and its label file, as Ultralytics' `verify_image_label` does.
///
/// The image must decode (here: JPEG or PNG, recognised by their bytes) and both sides must be
/// at least 10 pixels; otherwise it is skipped with an image-level issue. Ultralytics only
/// opens the header with PIL and re-saves JPEGs that lack their end marker ("corrupt JPEG
/// restored"); this decodes every image fully, never writes into the dataset, and skips a
/// truncated JPEG. A missing label file makes a background image ("missing"), so does a file
/// without content ("empty"); the lines are checked by `LabelFileParser`.
enum ImageVerifier {
    /// The entry for the dataset (nil when the image is skipped) and the issues found.
    struct Outcome {
        var image: VerifiedImage?
        var issues: [DatasetIssue]
    }

    /// Ultralytics' minimum: `assert (shape[0] > 9) & (shape[1] > 9)`.
    static let minimumSide = 10

    static func verify(imagePath: String, labelPath: String, classCount: Int) -> Outcome {
        func skip(_ kind: DatasetIssue.Kind, _ message: String, file: String = imagePath) -> Outcome {
            Outcome(image: nil, issues: [DatasetIssue(kind, file: file, message + "; image skipped")])
        }
        let bytes: [UInt8]
        do {
            bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: imagePath)))
        } catch {
            return skip(.unreadableImage, "cannot read the image (\(describe(error)))")
        }
        if !bytes.isEmpty, ImageFormat.sniff(bytes) == nil {
            let format = ImageFormat.describeUnsupported(bytes).map { "\($0) image" } ?? "not a JPEG or PNG image"
            return skip(.unsupportedImage, "unsupported image format: \(format) (only JPEG and PNG are decoded)")
        }
        let decoded: RGBImage
        do {
            decoded = try RGBImage.decode(bytes, source: imagePath)
        } catch let error as ImageError {
            return skip(.unreadableImage, "corrupt image: \(error.problem)")
        } catch {
            return skip(.unreadableImage, "corrupt image: \(error)")
        }
        let size = ImageSize(width: decoded.width, height: decoded.height)
        guard size.width >= minimumSide, size.height >= minimumSide else {
            return skip(.imageTooSmall, "image size \(size) is under \(minimumSide) pixels")
        }

        guard let status = FileStatus.of(labelPath), !status.isDirectory else {
            return Outcome(image: VerifiedImage(imagePath: imagePath, labelPath: labelPath, size: size, labels: [],
                                                labelStatus: .missing), issues: [])
        }
        let text: String
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: labelPath))
            guard let decodedText = String(data: data, encoding: .utf8) else {
                return skip(.unreadableLabels, "the label file is not UTF-8 text", file: labelPath)
            }
            text = decodedText
        } catch {
            return skip(.unreadableLabels, "cannot read the label file (\(describe(error)))", file: labelPath)
        }
        let parsed = LabelFileParser.parse(text, file: labelPath, classCount: classCount)
        let image = VerifiedImage(imagePath: imagePath, labelPath: labelPath, size: size, labels: parsed.labels,
                                  segments: parsed.segments, labelStatus: parsed.contentLines > 0 ? .found : .empty)
        return Outcome(image: image, issues: parsed.issues)
    }
}
