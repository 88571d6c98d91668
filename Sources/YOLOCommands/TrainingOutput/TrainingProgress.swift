/// The lines train.py prints per batch, as pure functions of their values.
///
/// The header is Ultralytics' `('%11s' * 7)` row with `GPU_mem` replaced by `Mem` (resident
/// memory, since this runs on the CPU); the progress description is `('%11s' * 2 + '%11.4g' * 5)`
/// of (`epoch/epochs-1`, memory, mean box/obj/cls losses, instances, image size), followed by a
/// tqdm meter.
public enum TrainingProgress {
    public static let columns = ["Epoch", "Mem", "box_loss", "obj_loss", "cls_loss", "Instances", "Size"]

    /// The column header (train.py logs it after an empty line; `TrainingConsole` does too).
    public static var header: String { columns.map { PythonFormat.s($0, width: 11) }.joined() }

    /// The batch description: `epoch` counts from 0 and is shown out of `epochs - 1`, memory in
    /// bytes is shown as `f"{GB:.3g}G"`, the losses are running means over the epoch's batches,
    /// instances the targets of the batch and size the side of its images.
    public static func description(epoch: Int, epochs: Int, memoryBytes: Int, meanLosses: [Double],
                                   instances: Int, imageSize: Int) -> String {
        precondition(meanLosses.count == 3, "three mean losses (box, obj, cls), got \(meanLosses.count)")
        return PythonFormat.s("\(epoch)/\(epochs - 1)", width: 11)
            + PythonFormat.s(ResidentMemory.gigabytes(memoryBytes), width: 11)
            + (meanLosses + [Double(instances), Double(imageSize)]).map { PythonFormat.g($0, precision: 4, width: 11) }.joined()
    }

    /// The whole progress line: the description, `: ` and the tqdm meter.
    public static func line(description: String, batch done: Int, of total: Int, elapsed: Double) -> String {
        description + ": " + ProgressBar.meter(done: done, total: total, elapsed: elapsed)
    }
}
