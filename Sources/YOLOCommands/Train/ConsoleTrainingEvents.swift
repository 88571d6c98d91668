import Foundation
import TensorCore
import YOLOData
import YOLOTrain
#if canImport(Glibc)
import Glibc
#endif

/// The console and files of a training run: the per-epoch header and batch meter, the
/// validation `all` line, one results.csv row per epoch, and the first batches as images.
final class ConsoleTrainingEvents: TrainingEvents {
    private var console: TrainingConsole
    private let classNames: [String]
    private let directory: String
    private let results: ResultsCSV
    private let interactive = isatty(STDOUT_FILENO) != 0

    init(epochs: Int, classNames: [String], directory: String, results: ResultsCSV) {
        console = TrainingConsole(epochs: epochs, batchesPerEpoch: 1)
        self.classNames = classNames
        self.directory = directory
        self.results = results
    }

    func message(_ text: String) { print(text) }

    func epochStarted(_ epoch: Int, batches: Int) {
        console = TrainingConsole(epochs: console.epochs, batchesPerEpoch: batches)
        console.startEpoch()
    }

    func batchFinished(epoch: Int, batch: Int, meanLosses: [Double], instances: Int, imageSize: Int) {
        console.batchFinished(index: batch, epoch: epoch, meanLosses: meanLosses, instances: instances, imageSize: imageSize,
                              memoryBytes: ResidentMemory.now()?.current ?? 0)
    }

    func validationProgress(done: Int, total: Int) {
        if done == 1 { console.finishEpoch() }
        if interactive {
            fputs("\r" + ValidationTable.header + ": " + ProgressBar.render(done: done, total: total), stdout)
            if done == total { fputs("\n", stdout) }
            fflush(stdout)
        }
    }

    func epochFinished(_ summary: EpochSummary) {
        if !summary.validated { console.finishEpoch() }
        if summary.validated {
            if !interactive { print(ValidationTable.header) }
            let m = summary.metrics
            print(ValidationTable.row("all", summary.validationImages, summary.validationInstances, m[0], m[1], m[2], m[3]))
        }
        do {
            try results.append(EpochResults(epoch: summary.epoch, trainLosses: summary.trainLosses, metrics: summary.metrics,
                                            valLosses: summary.validationLosses, learningRates: summary.learningRates))
        } catch {
            print("WARNING: could not write results.csv: \(error)")
        }
    }

    func trainingBatch(_ batch: TrainingBatch) {
        let path = directory + "/train_batch\(batch.index).jpg"
        do {
            try BatchPlot.render(batch, names: classNames).writeJPEG(path: path)
        } catch {
            print("WARNING: could not write \(path): \(error)")
        }
    }
}
