/// A row-major matrix [rows × depth] in blocks of `blockRows` rows, each block holding, for every
/// k < depth, its rows' values side by side (the layout the tiles broadcast or load one k step
/// at a time from). Rows past the last full block are zero.
func rowBlocks(_ matrix: UnsafePointer<Float>, rows: Int, depth: Int, blockRows: Int) -> [Float] {
    var blocked = [Float](repeating: 0, count: roundUp(rows, to: blockRows) * depth)
    blocked.withUnsafeMutableBufferPointer { target in
        for row in 0..<rows {
            let source = matrix + row * depth
            let column = target.baseAddress! + (row / blockRows) * depth * blockRows + row % blockRows
            for k in 0..<depth { column[k * blockRows] = source[k] }
        }
    }
    return blocked
}
