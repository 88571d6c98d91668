/// One level's box and class gradient entries: a row of `rowLength` values for every distinct
/// assigned cell (anchor and grid position of an image), accumulated in the order the assigned
/// rows come, of which the `setColumns` are entries (the box's four always, the classes when
/// there are several; never objectness, whose gradient is dense). Rows of a cell assigned
/// twice add up in the same row, as a flat-index dictionary did, without a hash update per entry.
struct RowGradients: Sendable, Equatable {
    let rowLength: Int
    let setColumns: [Int]
    /// The cells in the order they were first assigned, and their rows.
    private(set) var cells: [Int] = []
    private(set) var values: [Double] = []
    private var slots: [Int: Int] = [:]

    init(rowLength: Int, setColumns: [Int]) {
        self.rowLength = rowLength
        self.setColumns = setColumns
    }

    /// The slot of `cell`'s row, a row of zeros if it has none yet.
    mutating func slot(for cell: Int) -> Int {
        if let slot = slots[cell] { return slot }
        let slot = cells.count
        slots[cell] = slot
        cells.append(cell)
        values.append(contentsOf: repeatElement(0, count: rowLength))
        return slot
    }

    mutating func add(_ value: Double, slot: Int, column: Int) {
        values[slot * rowLength + column] += value
    }

    /// Every entry as (flat index cell·rowLength + column, value), cells in assignment order.
    func forEachEntry(_ body: (Int, Double) -> Void) {
        for (slot, cell) in cells.enumerated() {
            for column in setColumns { body(cell * rowLength + column, values[slot * rowLength + column]) }
        }
    }

    /// The entries in flat-index order.
    var sortedEntries: [(index: Int, value: Double)] {
        var entries: [(index: Int, value: Double)] = []
        entries.reserveCapacity(cells.count * setColumns.count)
        for slot in cells.indices.sorted(by: { cells[$0] < cells[$1] }) {
            for column in setColumns {
                entries.append((cells[slot] * rowLength + column, values[slot * rowLength + column]))
            }
        }
        return entries
    }
}
