// Work buffers of the kernels that never leave them.

/// Runs `body` on an uninitialised buffer of `count` elements of a trivial type, freed on
/// return. For work arrays inside a kernel: an Array's allocation goes through the standard
/// library's unspecialised path, which looks up the storage type's generic metadata on
/// every call.
@inline(__always)
func withScratch<T, R>(_: T.Type, _ count: Int, _ body: (UnsafeMutableBufferPointer<T>) throws -> R) rethrows -> R {
    let buffer = UnsafeMutableBufferPointer<T>.allocate(capacity: max(1, count))
    defer { buffer.deallocate() }
    return try body(UnsafeMutableBufferPointer(rebasing: buffer[0..<max(0, count)]))
}
