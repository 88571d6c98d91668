/// Text progress bars in tqdm's style, for `yolo val` and `yolo train`.
enum ProgressBar {
    /// The compact bar `yolo val` draws: `100%|██████████| 4/4` (whole blocks, percentage
    /// rounded down).
    static func render(done: Int, total: Int, width: Int = 10) -> String {
        let fraction = total > 0 ? Double(done) / Double(total) : 1
        let filled = Int((fraction * Double(width)).rounded(.down))
        let percent = PythonFormat.d(Int((fraction * 100).rounded(.down)), width: 3) + "%"
        return "\(percent)|" + String(repeating: "█", count: filled) + String(repeating: " ", count: width - filled) + "| \(done)/\(total)"
    }

    /// tqdm's `format_meter` with Ultralytics' `{l_bar}{bar:10}{r_bar}`, without the description:
    /// ` 50%|█████     | 4/8 [00:02<00:02,  2.00it/s]`.
    ///
    /// As tqdm: the percentage is `'{:3.0f}'` (rounded), the bar has eighth-block steps, the
    /// rate reads `s/it` when an iteration takes longer than a second, the time left is `?` until
    /// there is a rate. The rate here is the average since the start, where tqdm smooths it
    /// exponentially; the two agree at the end of a steady epoch.
    static func meter(done: Int, total: Int, elapsed: Double, width: Int = 10) -> String {
        let fraction = total > 0 ? min(max(Double(done) / Double(total), 0), 1) : 1
        let percent = PythonFormat.f(fraction * 100, precision: 0, width: 3) + "%"
        let rate: Double? = elapsed > 0 && done > 0 ? Double(done) / elapsed : nil
        let rateText: String
        if let rate, 1 / rate > 1 {
            rateText = PythonFormat.f(1 / rate, precision: 2, width: 5) + "s/it"
        } else {
            rateText = (rate.map { PythonFormat.f($0, precision: 2, width: 5) } ?? "?") + "it/s"
        }
        let remaining = rate.map { interval(Double(max(total - done, 0)) / $0) } ?? "?"
        return percent + "|" + blocks(fraction, width: width) + "| \(done)/\(total) [\(interval(elapsed))<\(remaining), \(rateText)]"
    }

    /// tqdm's unicode bar: whole blocks, one partial block in eighths, spaces.
    static func blocks(_ fraction: Double, width: Int) -> String {
        let eighths: [Character] = [" ", "▏", "▎", "▍", "▌", "▋", "▊", "▉", "█"]
        let steps = Int(fraction * Double(width) * 8)
        let whole = steps / 8, part = steps % 8
        var bar = String(repeating: "█", count: whole)
        if whole < width {
            bar.append(eighths[part])
            bar += String(repeating: " ", count: width - whole - 1)
        }
        return bar
    }

    /// tqdm's `format_interval`: `MM:SS`, or `H:MM:SS` from an hour on.
    static func interval(_ seconds: Double) -> String {
        let total = seconds.isFinite ? max(Int(seconds), 0) : 0
        let (minutes, s) = total.quotientAndRemainder(dividingBy: 60)
        let (h, m) = minutes.quotientAndRemainder(dividingBy: 60)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return h > 0 ? "\(h):\(two(m)):\(two(s))" : "\(two(m)):\(two(s))"
    }
}
