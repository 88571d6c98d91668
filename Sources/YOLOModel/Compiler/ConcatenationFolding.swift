import TensorCore

/// A module whose first step reads its whole input through one 1×1 convolution, so that it can
/// take the maps of a concatenation (some nearest-upsampled) where they are, instead of the
/// concatenated tensor.
public protocol ReadsConcatenationInPlace: Module {
    /// Whether it can now (C3: once its convolutions are fused with their batch norms).
    var readsConcatenationInPlace: Bool { get }
    func forward(concatenating parts: [(map: Tensor, scale: Int)]) throws -> Tensor
}

/// The inference memory plan's one rewrite, decided when the network is compiled: a Concat
/// whose only reader takes its input in place (`ReadsConcatenationInPlace`) is not run, and
/// neither is a nearest Upsample whose only reader is such a Concat. The reader gets the
/// Concat's inputs as parts (an upsampled one with its scale) and reads each channel from the
/// map that holds it, so neither the upsampled map nor the concatenation is written out.
struct ConcatenationFolding {
    /// Rows that may be left unrun, each with the row that will read its parts.
    let readers: [Int: Int]

    init(rows: [CompiledRow]) {
        var readers: [Int: Int] = [:]
        for row in rows where row.module is Concat && row.consumers.count == 1 {
            let reader = rows[row.consumers[0]]
            guard reader.module is ReadsConcatenationInPlace, reader.inputRows == [row.index],
                  row.inputRows.allSatisfy({ $0 >= 0 }) else { continue }
            readers[row.index] = reader.index
            for input in row.inputRows where rows[input].module is Upsample && rows[input].consumers == [row.index]
                && rows[input].inputRows.count == 1 {
                readers[input] = reader.index
            }
        }
        self.readers = readers
    }

    /// The rows to leave unrun in this pass, those whose reader can read in place now, each
    /// with its reader.
    func foldedRows(_ rows: [CompiledRow]) -> [Int: Int] {
        readers.filter { (rows[$0.value].module as? ReadsConcatenationInPlace)?.readsConcatenationInPlace == true }
    }
}
