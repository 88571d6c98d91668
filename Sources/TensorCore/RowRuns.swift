/// Walks a range of positions over planes laid out in rows of `rowLength`, one run per row it
/// crosses: `body(row, column, offset, length)`, `offset` counted from `positions.lowerBound`.
/// (A tile of positions covers parts of several rows; stores and gathers work row by row.)
@inline(__always)
func forEachRowRun(_ positions: Range<Int>, rowLength: Int,
                   _ body: (_ row: Int, _ column: Int, _ offset: Int, _ length: Int) -> Void) {
    var position = positions.lowerBound
    while position < positions.upperBound {
        let (row, column) = (position / rowLength, position % rowLength)
        let length = min(positions.upperBound - position, rowLength - column)
        body(row, column, position - positions.lowerBound, length)
        position += length
    }
}
