/// numpy's default `argsort` (kind "quicksort") as its portable scalar code runs it: an introsort that
/// partitions around a median of three, insertion-sorts ranges of at most 16 elements and falls back to
/// heapsort once the depth budget (2·⌊log₂ n⌋) is spent.
///
/// Equal keys come out in whatever order this algorithm leaves them, which is what matters for
/// Ultralytics' metrics (matches with equal IoU, detections with equal confidence). numpy builds for
/// AVX2/AVX-512 x86 CPUs dispatch float sorts to x86-simd-sort instead, which orders ties differently
/// (and differently between AVX2 and AVX-512); the scalar order is the one numpy gives everywhere with
/// `NPY_DISABLE_CPU_FEATURES="X86_V3 X86_V4 AVX512_ICL AVX512_SPR"` and on non-x86 CPUs without a SIMD sort.
public enum NumpyArgsort {
    /// Indices that sort `keys` ascending.
    public static func ascending<T: BinaryFloatingPoint>(_ keys: [T]) -> [Int] {
        var order = Array(0..<keys.count)
        guard keys.count > 1 else { return order }
        keys.withUnsafeBufferPointer { v in
            order.withUnsafeMutableBufferPointer { a in introsort(v, a) }
        }
        return order
    }

    /// `np.argsort(keys)[::-1]`: the ascending order reversed, so ties appear in the reverse of the
    /// order the ascending sort left them in.
    public static func descendingByReversal<T: BinaryFloatingPoint>(_ keys: [T]) -> [Int] {
        Array(ascending(keys).reversed())
    }

    /// numpy's float comparison: NaN sorts after every number.
    @inline(__always)
    static func less<T: BinaryFloatingPoint>(_ a: T, _ b: T) -> Bool {
        a < b || (b != b && a == a)
    }

    private static func introsort<T: BinaryFloatingPoint>(_ v: UnsafeBufferPointer<T>, _ a: UnsafeMutableBufferPointer<Int>) {
        let smallRange = 15  // ranges with pr − pl ≤ 15 are insertion-sorted
        var pl = 0, pr = a.count - 1
        var stack: [(Int, Int, Int)] = []  // (left, right, depth budget) of postponed partitions
        var budget = 2 * (Int.bitWidth - 1 - a.count.leadingZeroBitCount)

        while true {
            if budget < 0 {
                heapsort(v, a, from: pl, count: pr - pl + 1)
            } else {
                while pr - pl > smallRange {
                    // median of three moved to pl, pm, pr; the pivot parks at pr − 1
                    let pm = pl + ((pr - pl) >> 1)
                    if less(v[a[pm]], v[a[pl]]) { a.swapAt(pm, pl) }
                    if less(v[a[pr]], v[a[pm]]) { a.swapAt(pr, pm) }
                    if less(v[a[pm]], v[a[pl]]) { a.swapAt(pm, pl) }
                    let pivot = v[a[pm]]
                    var pi = pl, pj = pr - 1
                    a.swapAt(pm, pj)
                    while true {
                        repeat { pi += 1 } while less(v[a[pi]], pivot)
                        repeat { pj -= 1 } while less(pivot, v[a[pj]])
                        if pi >= pj { break }
                        a.swapAt(pi, pj)
                    }
                    a.swapAt(pi, pr - 1)
                    // continue with the smaller side, postpone the larger one
                    budget -= 1
                    if pi - pl < pr - pi {
                        stack.append((pi + 1, pr, budget))
                        pr = pi - 1
                    } else {
                        stack.append((pl, pi - 1, budget))
                        pl = pi + 1
                    }
                }
                if pl < pr {
                    for pi in (pl + 1)...pr {
                        let item = a[pi]
                        let key = v[item]
                        var pj = pi
                        while pj > pl && less(key, v[a[pj - 1]]) {
                            a[pj] = a[pj - 1]
                            pj -= 1
                        }
                        a[pj] = item
                    }
                }
            }
            guard let next = stack.popLast() else { break }
            (pl, pr, budget) = next
        }
    }

    /// numpy's indirect heapsort of `a[from ..< from + count]` (1-based heap arithmetic).
    private static func heapsort<T: BinaryFloatingPoint>(_ v: UnsafeBufferPointer<T>, _ a: UnsafeMutableBufferPointer<Int>,
                                                         from start: Int, count: Int) {
        var n = count
        @inline(__always) func at(_ i: Int) -> Int { a[start + i - 1] }
        @inline(__always) func set(_ i: Int, _ x: Int) { a[start + i - 1] = x }

        var l = n >> 1
        while l > 0 {
            let item = at(l)
            var i = l, j = l << 1
            while j <= n {
                if j < n && less(v[at(j)], v[at(j + 1)]) { j += 1 }
                if less(v[item], v[at(j)]) {
                    set(i, at(j)); i = j; j += j
                } else { break }
            }
            set(i, item)
            l -= 1
        }
        while n > 1 {
            let item = at(n)
            set(n, at(1))
            n -= 1
            var i = 1, j = 2
            while j <= n {
                if j < n && less(v[at(j)], v[at(j + 1)]) { j += 1 }
                if less(v[item], v[at(j)]) {
                    set(i, at(j)); i = j; j += j
                } else { break }
            }
            set(i, item)
        }
    }
}
