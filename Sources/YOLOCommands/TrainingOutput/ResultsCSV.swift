import Foundation

/// A run's `results.csv`, one row per epoch, in the exact text Ultralytics' CSV logger writes:
/// each header cell `'%20s,'`, each value (the epoch too) `'%20.5g,'`, the last comma stripped.
///
/// Ultralytics appends to the file; here every append rewrites the whole (small) file through
/// a temporary file and a rename, so a run killed mid-write never leaves a torn last row.
public struct ResultsCSV: Sendable {
    /// The 13 value columns after `epoch` (Ultralytics' `Loggers.keys`).
    public static let keys = [
        "train/box_loss", "train/obj_loss", "train/cls_loss",
        "metrics/precision", "metrics/recall", "metrics/mAP_0.5", "metrics/mAP_0.5:0.95",
        "val/box_loss", "val/obj_loss", "val/cls_loss",
        "x/lr0", "x/lr1", "x/lr2",
    ]

    /// All 14 columns.
    public static var columns: [String] { ["epoch"] + keys }

    /// The header line (without the newline).
    public static var header: String { cells(columns.map { PythonFormat.s($0, width: 20) }) }

    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// One row (without the newline): `'%20.5g,' * 14 % (epoch, *values)` with the last comma stripped.
    public static func line(_ row: EpochResults) -> String {
        cells(([Double(row.epoch)] + row.values).map { PythonFormat.g($0, precision: 5, width: 20) })
    }

    /// Adds an epoch's row, writing the header first when the file does not exist yet.
    public func append(_ row: EpochResults) throws {
        var text: String
        if FileManager.default.fileExists(atPath: path) {
            text = try readText()
            // Validates what is there, so a foreign file is refused rather than extended.
            _ = try Self.parse(text, file: path)
            if !text.isEmpty, !text.hasSuffix("\n") { text += "\n" }
        } else {
            text = Self.header + "\n"
        }
        try AtomicTextFile.write(text + Self.line(row) + "\n", to: path)
    }

    /// The rows in the file (none when it does not exist).
    public func read() throws -> [EpochResults] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        return try Self.parse(try readText(), file: path)
    }

    /// For a resumed run: keeps the rows up to and including `epoch` (the last epoch whose
    /// checkpoint was saved) and drops later ones, which a crash between logging and saving
    /// would otherwise leave duplicated.
    public func keepRows(throughEpoch epoch: Int) throws {
        guard FileManager.default.fileExists(atPath: path) else { return }
        let rows = try read().filter { $0.epoch <= epoch }
        try AtomicTextFile.write(([Self.header] + rows.map(Self.line)).joined(separator: "\n") + "\n", to: path)
    }

    /// Parses results.csv text: the 14-column header (cells trimmed of spaces), then rows of
    /// 14 numbers.
    public static func parse(_ text: String, file: String) throws -> [EpochResults] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        guard let first = lines.first else { return [] }
        let names = first.split(separator: ",", omittingEmptySubsequences: false).map(trimmed)
        guard names == columns else {
            throw TrainingOutputError("line 1: the header is \(names.joined(separator: ",")); expected the 14 columns "
                                      + columns.joined(separator: ","), file: file)
        }
        var rows: [EpochResults] = []
        for (offset, line) in lines.enumerated().dropFirst() {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(trimmed)
            guard cells.count == columns.count else {
                throw TrainingOutputError("line \(offset + 1): \(cells.count) values, expected \(columns.count)", file: file)
            }
            var numbers: [Double] = []
            for (column, cell) in zip(columns, cells) {
                guard let value = Double(cell) else {
                    throw TrainingOutputError("line \(offset + 1): '\(cell)' in column \(column) is not a number", file: file)
                }
                numbers.append(value)
            }
            guard let epoch = Int(exactly: numbers[0]), epoch >= 0 else {
                throw TrainingOutputError("line \(offset + 1): epoch '\(cells[0])' is not a whole number >= 0", file: file)
            }
            rows.append(EpochResults(epoch: epoch, values: Array(numbers.dropFirst())))
        }
        return rows
    }

    private func readText() throws -> String {
        do { return try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw TrainingOutputError("cannot read the file: \(error.localizedDescription)", file: path)
        }
    }

    private static func cells(_ padded: [String]) -> String {
        padded.joined(separator: ",")
    }

    private static func trimmed(_ cell: Substring) -> String {
        String(cell.drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}
