/// `np.unique(keys, return_index=True)[1]`: for every distinct key, the position of its first
/// occurrence, listed in ascending key order (numpy finds them with a stable sort).
public enum NumpyUnique {
    public static func firstOccurrences<K: Hashable & Comparable>(_ keys: [K]) -> [Int] {
        var first: [K: Int] = [:]
        for (position, key) in keys.enumerated() where first[key] == nil { first[key] = position }
        return first.keys.sorted().map { first[$0]! }
    }

    /// `np.unique(values, return_counts=True)`: the distinct values ascending and how often each occurs.
    public static func counts<K: Hashable & Comparable>(_ values: [K]) -> (values: [K], counts: [Int]) {
        var tally: [K: Int] = [:]
        for value in values { tally[value, default: 0] += 1 }
        let sorted = tally.keys.sorted()
        return (sorted, sorted.map { tally[$0]! })
    }
}
