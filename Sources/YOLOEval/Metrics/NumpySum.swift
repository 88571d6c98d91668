/// numpy's float64 summation, so sums and means agree to the last bit.
public enum NumpySum {
    /// `np.sum` / `np.add.reduce` of a 1-D array (also a strided column, and each row of a row-wise
    /// reduction such as `a.mean(1)`): pairwise summation, with eight running partial sums for blocks of at
    /// most 128 values and halving above that.
    public static func pairwise(_ values: [Double]) -> Double {
        values.withUnsafeBufferPointer { $0.isEmpty ? 0 : pairwise($0.baseAddress!, $0.count) }
    }

    public static func pairwise(_ a: UnsafePointer<Double>, _ n: Int) -> Double {
        if n < 8 {
            var sum = 0.0
            for i in 0..<n { sum += a[i] }
            return sum
        }
        if n <= 128 {
            var r0 = a[0], r1 = a[1], r2 = a[2], r3 = a[3], r4 = a[4], r5 = a[5], r6 = a[6], r7 = a[7]
            var i = 8
            while i < n - n % 8 {
                r0 += a[i]; r1 += a[i + 1]; r2 += a[i + 2]; r3 += a[i + 3]
                r4 += a[i + 4]; r5 += a[i + 5]; r6 += a[i + 6]; r7 += a[i + 7]
                i += 8
            }
            var sum = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
            while i < n { sum += a[i]; i += 1 }
            return sum
        }
        var half = n / 2
        half -= half % 8
        return pairwise(a, half) + pairwise(a + half, n - half)
    }

    /// `np.mean` of a 1-D array: the pairwise sum divided by the count (NaN when empty).
    public static func mean(_ values: [Double]) -> Double {
        pairwise(values) / Double(values.count)
    }

    /// `m.mean(0)` of a C-ordered matrix: numpy walks the rows in order, adding each row into the
    /// running result, so every column is summed strictly left to right.
    public static func columnMeans(_ rows: [[Double]]) -> [Double] {
        guard var sums = rows.first else { return [] }
        for row in rows.dropFirst() {
            for j in sums.indices { sums[j] += row[j] }
        }
        let n = Double(rows.count)
        return sums.map { $0 / n }
    }
}
