import CVectorScan

/// The exact int8 dot-product scan (C, compiled per ISA and dispatched at load time).
enum VectorScan {
    /// Dot products of `query` with each of `count` rows of `data` (row-major, `dimension` wide).
    static func dot(query: [Int8], data: UnsafeBufferPointer<Int8>, dimension: Int, count: Int) -> [Int32] {
        var out = [Int32](repeating: 0, count: count)
        guard let base = data.baseAddress, count > 0, query.count == dimension, data.count >= count * dimension else { return out }
        query.withUnsafeBufferPointer { q in
            out.withUnsafeMutableBufferPointer { o in
                guard let qb = q.baseAddress, let ob = o.baseAddress else { return }
                kb_dot_i8(qb, base, dimension, count, ob)
            }
        }
        return out
    }
}
