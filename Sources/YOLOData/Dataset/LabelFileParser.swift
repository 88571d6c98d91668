/// The labels of one label file, checked line by line.
public struct ParsedLabels: Sendable, Equatable {
    /// The valid rows, in file order (sorted when duplicates were removed, see `LabelFileParser`).
    public var labels: [ObjectLabel]
    /// For a polygon file, each label's polygon `x1 y1 x2 y2 ...` (normalised), parallel to
    /// `labels`; empty for a box file.
    public var segments: [[Float]]
    /// One issue per dropped line.
    public var issues: [DatasetIssue]
    /// The number of lines with at least one field (0: an empty label file, a background image).
    public var contentLines: Int
}

/// Reads YOLO label text as Ultralytics' `verify_image_label` does, with one difference: a bad
/// line is dropped and reported with its `file:line`, and the image keeps its other labels.
/// Ultralytics instead rejects the whole image as corrupt when any line is malformed, has a
/// negative value or a coordinate above 1.
///
/// * Each line is `class x y w h`, whitespace-separated, centre and size normalised to [0, 1].
/// * If any line has more than 6 fields the file holds polygons (segmentation labels): every line
///   is then `class x1 y1 x2 y2 ...`, and its box is the polygon's bounding box, computed in
///   float32 like Ultralytics' `segments2boxes` (min/max corners, then centre `(x1+x2)/2` and
///   size `x2-x1`). As in Ultralytics, a 5-field line in such a file is read as a 2-point polygon.
/// * Checks, each dropping the line: field count; every field a number; the class an integer in
///   `0 ..< classCount` (Ultralytics only rejects negative classes here and leaves `>= nc` to
///   train.py); x, y, w, h in [0, 1]; w and h above 0 (Ultralytics accepts empty boxes).
/// * Rows equal in all five float32 values are duplicates: the later lines are dropped with a
///   warning. When that happens the remaining rows come out in ascending (class, x, y, w, h)
///   order, because Ultralytics keeps `np.unique(rows, axis=0)`'s sorted rows; without
///   duplicates the file order is kept.
public enum LabelFileParser {
    public static func parse(_ text: String, file: String, classCount: Int) -> ParsedLabels {
        var rows: [(line: Int, fields: [Substring])] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let fields = raw.split(whereSeparator: { $0.isWhitespace })
            if !fields.isEmpty { rows.append((index + 1, fields)) }
        }
        let polygons = rows.contains { $0.fields.count > 6 }
        var issues: [DatasetIssue] = []
        var kept: [(line: Int, label: ObjectLabel, segment: [Float])] = []

        rowLoop: for (line, fields) in rows {
            func drop(_ kind: DatasetIssue.Kind, _ message: String) {
                issues.append(DatasetIssue(kind, file: file, line: line, message))
            }
            if polygons {
                guard fields.count >= 3, fields.count % 2 == 1 else {
                    drop(.wrongFieldCount, "\(fields.count) fields; a polygon line is the class and x y pairs "
                         + "(this file holds polygons because a line has more than 6 fields)")
                    continue
                }
            } else if fields.count != 5 {
                drop(.wrongFieldCount, "\(fields.count) fields, expected 5 (class x y w h)")
                continue
            }
            var values: [Float] = []
            values.reserveCapacity(fields.count)
            for field in fields {
                // Python parses the text to a double and numpy rounds that to float32.
                guard let value = Double(field) else {
                    drop(.notANumber, "'\(field)' is not a number")
                    continue rowLoop
                }
                values.append(Float(value))
            }
            let classValue = values[0]
            guard classValue.rounded() == classValue, classValue >= 0, classValue < Float(classCount) else {
                let shown = classValue.rounded() == classValue && abs(classValue) < 1e9 ? String(Int(classValue)) : String(fields[0])
                drop(.classOutOfRange, "class \(shown) is not an integer in 0...\(classCount - 1) (nc = \(classCount))")
                continue
            }
            var segment: [Float] = []
            let box: [Float]
            if polygons {
                segment = Array(values.dropFirst())
                box = boundingBox(ofPolygon: segment)
            } else {
                box = Array(values[1...4])
            }
            let names = ["x", "y", "w", "h"]
            let outside = (0..<4).filter { !(box[$0] >= 0 && box[$0] <= 1) }
            guard outside.isEmpty else {
                let list = outside.map { "\(names[$0]) = \(box[$0])" }.joined(separator: ", ")
                drop(.coordinateOutOfRange, "\(list) outside [0, 1]: coordinates must be normalised to the image size")
                continue
            }
            guard box[2] > 0, box[3] > 0 else {
                drop(.emptyBox, "empty box (w = \(box[2]), h = \(box[3]))")
                continue
            }
            let label = ObjectLabel(classIndex: Int(classValue), x: box[0], y: box[1], width: box[2], height: box[3])
            kept.append((line, label, segment))
        }

        // Duplicates: the same five float32 values (+0 turns -0 into 0, which numpy treats as equal).
        var firstLine: [[UInt32]: Int] = [:]
        var unique: [(line: Int, label: ObjectLabel, segment: [Float])] = []
        for entry in kept {
            let key = entry.label.row.map { ($0 + 0).bitPattern }
            if let first = firstLine[key] {
                issues.append(DatasetIssue(.duplicateLabel, file: file, line: entry.line, "duplicate of line \(first), removed"))
            } else {
                firstLine[key] = entry.line
                unique.append(entry)
            }
        }
        if unique.count < kept.count {
            unique.sort { $0.label.row.lexicographicallyPrecedes($1.label.row) }
        }
        issues.sort { ($0.line ?? 0) < ($1.line ?? 0) }
        return ParsedLabels(labels: unique.map(\.label), segments: polygons ? unique.map(\.segment) : [],
                            issues: issues, contentLines: rows.count)
    }

    /// `segments2boxes` for one polygon: its bounding box as centre and size, in float32.
    static func boundingBox(ofPolygon points: [Float]) -> [Float] {
        var minX = Float.infinity, minY = Float.infinity, maxX = -Float.infinity, maxY = -Float.infinity
        var index = 0
        while index + 1 < points.count {
            // numpy's min/max propagate NaN; so does this, and the range check then drops the line.
            let x = points[index], y = points[index + 1]
            if x.isNaN || y.isNaN { return [.nan, .nan, .nan, .nan] }
            minX = min(minX, x); maxX = max(maxX, x)
            minY = min(minY, y); maxY = max(maxY, y)
            index += 2
        }
        return [(minX + maxX) / 2, (minY + maxY) / 2, maxX - minX, maxY - minY]
    }
}
