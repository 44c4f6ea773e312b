import CHDF5
import Foundation

/// What went wrong reading an HDF5 file; names the file and the object path inside it.
public struct HDF5Error: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: String, Sendable { case cannotOpen, missing, wrongKind, wrongType, readFailed }
    public var kind: Kind
    public var file: String
    public var path: String
    public var reason: String

    public init(kind: Kind, file: String, path: String, reason: String) {
        self.kind = kind; self.file = file; self.path = path; self.reason = reason
    }

    public var description: String { path.isEmpty ? "HDF5 file \(file): \(reason)" : "HDF5 file \(file), \(path): \(reason)" }
}

/// A read-only HDF5 file (libhdf5): list a group's members, read a numeric dataset as Float32
/// with its shape, read string datasets and string attributes. Paths are absolute
/// (`/root/data/video1/features`). libhdf5's serial build is not thread-safe, so every call
/// holds one process-wide lock.
public final class HDF5File: @unchecked Sendable {
    public let path: String
    private let id: hid_t
    private static let lock = NSLock()
    nonisolated(unsafe) private static var silenced = false

    public init(path: String) throws {
        self.path = path
        guard FileManager.default.fileExists(atPath: path) else {
            throw HDF5Error(kind: .cannotOpen, file: path, path: "", reason: "no such file")
        }
        Self.lock.lock(); defer { Self.lock.unlock() }
        // Errors become typed Swift errors; libhdf5 printing its stack to stderr would only confuse.
        if !Self.silenced { _ = sentio_h5e_silence(); Self.silenced = true }
        guard H5Fis_hdf5(path) > 0 else {
            throw HDF5Error(kind: .cannotOpen, file: path, path: "", reason: "not an HDF5 file (or truncated)")
        }
        let id = H5Fopen(path, sentio_h5f_acc_rdonly(), sentio_h5p_default())
        guard id >= 0 else { throw HDF5Error(kind: .cannotOpen, file: path, path: "", reason: "libhdf5 cannot open it (damaged or truncated?)") }
        self.id = id
    }

    deinit {
        Self.lock.lock(); defer { Self.lock.unlock() }
        H5Fclose(id)
    }

    private func error(_ kind: HDF5Error.Kind, _ object: String, _ reason: String) -> HDF5Error {
        HDF5Error(kind: kind, file: path, path: object, reason: reason)
    }

    /// Whether every link along `object` exists (H5Lexists fails on a missing parent).
    private func linkExists(_ object: String) -> Bool {
        var prefix = ""
        for part in object.split(separator: "/") {
            prefix += "/" + part
            guard H5Lexists(id, prefix, sentio_h5p_default()) > 0 else { return false }
        }
        return true
    }

    /// Opens an object and checks its kind; the caller closes it.
    private func open(_ object: String, as kind: H5I_type_t) throws -> hid_t {
        guard linkExists(object) else { throw error(.missing, object, "no such \(kind == H5I_GROUP ? "group" : "dataset")") }
        let o = H5Oopen(id, object, sentio_h5p_default())
        guard o >= 0 else { throw error(.readFailed, object, "cannot open the object") }
        let actual = H5Iget_type(o)
        guard actual == kind else {
            H5Oclose(o)
            throw error(.wrongKind, object, kind == H5I_GROUP ? "a dataset, expected a group" : "a group, expected a dataset")
        }
        return o
    }

    /// Whether `object` exists (group or dataset).
    public func contains(_ object: String) -> Bool {
        Self.lock.lock(); defer { Self.lock.unlock() }
        return object == "/" || linkExists(object)
    }

    /// The names of a group's members, in name order.
    public func members(of group: String) throws -> [String] {
        Self.lock.lock(); defer { Self.lock.unlock() }
        let g = try open(group, as: H5I_GROUP)
        defer { H5Oclose(g) }
        var info = H5G_info_t()
        guard H5Gget_info(g, &info) >= 0 else { throw error(.readFailed, group, "cannot list its members") }
        var names: [String] = []
        for i in 0..<info.nlinks {
            let size = H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, nil, 0, sentio_h5p_default())
            guard size >= 0 else { throw error(.readFailed, group, "cannot read the name of member \(i)") }
            var buffer = [CChar](repeating: 0, count: Int(size) + 1)
            _ = H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, &buffer, buffer.count, sentio_h5p_default())
            names.append(String(decoding: buffer.prefix(Int(size)).map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return names
    }

    /// A numeric (float or integer) dataset converted to Float32, row-major, with its shape.
    public func floats(_ dataset: String) throws -> (shape: [Int], values: [Float]) {
        Self.lock.lock(); defer { Self.lock.unlock() }
        let d = try open(dataset, as: H5I_DATASET)
        defer { H5Oclose(d) }
        let type = H5Dget_type(d)
        defer { H5Tclose(type) }
        let cls = H5Tget_class(type)
        guard cls == H5T_FLOAT || cls == H5T_INTEGER else { throw error(.wrongType, dataset, "not numeric (HDF5 type class \(cls.rawValue))") }
        let shape = try self.shape(d, dataset)
        var values = [Float](repeating: 0, count: shape.reduce(1, *))
        let status = values.withUnsafeMutableBytes {
            H5Dread(d, sentio_h5t_native_float(), sentio_h5s_all(), sentio_h5s_all(), sentio_h5p_default(), $0.baseAddress)
        }
        guard status >= 0 else { throw error(.readFailed, dataset, "reading \(shape) values failed (damaged or truncated file?)") }
        return (shape, values)
    }

    private func shape(_ d: hid_t, _ dataset: String) throws -> [Int] {
        let space = H5Dget_space(d)
        defer { H5Sclose(space) }
        let rank = H5Sget_simple_extent_ndims(space)
        guard rank >= 0 else { throw error(.readFailed, dataset, "cannot read its shape") }
        var dims = [hsize_t](repeating: 0, count: Int(rank))
        _ = H5Sget_simple_extent_dims(space, &dims, nil)
        return dims.map { Int($0) }
    }

    /// Every element of a string dataset (variable- or fixed-length), in row-major order.
    public func strings(_ dataset: String) throws -> [String] {
        Self.lock.lock(); defer { Self.lock.unlock() }
        let d = try open(dataset, as: H5I_DATASET)
        defer { H5Oclose(d) }
        let type = H5Dget_type(d), space = H5Dget_space(d)
        defer { H5Tclose(type); H5Sclose(space) }
        let count = Int(H5Sget_simple_extent_npoints(space))
        return try readStrings(type: type, count: count, object: dataset) { memType, buffer in
            H5Dread(d, memType, sentio_h5s_all(), sentio_h5s_all(), sentio_h5p_default(), buffer)
        } reclaim: { memType, buffer in
            H5Dvlen_reclaim(memType, space, sentio_h5p_default(), buffer)
        }
    }

    /// A scalar or one-element string attribute of an object.
    public func stringAttribute(_ name: String, of object: String) throws -> String {
        Self.lock.lock(); defer { Self.lock.unlock() }
        guard object == "/" || linkExists(object) else { throw error(.missing, object, "no such object") }
        guard H5Aexists_by_name(id, object, name, sentio_h5p_default()) > 0 else { throw error(.missing, object, "no attribute '\(name)'") }
        let a = H5Aopen_by_name(id, object, name, sentio_h5p_default(), sentio_h5p_default())
        guard a >= 0 else { throw error(.readFailed, object, "cannot open attribute '\(name)'") }
        defer { H5Aclose(a) }
        let type = H5Aget_type(a), space = H5Aget_space(a)
        defer { H5Tclose(type); H5Sclose(space) }
        let count = Int(H5Sget_simple_extent_npoints(space))
        let values = try readStrings(type: type, count: count, object: "\(object)@\(name)") { memType, buffer in
            H5Aread(a, memType, buffer)
        } reclaim: { memType, buffer in
            H5Dvlen_reclaim(memType, space, sentio_h5p_default(), buffer)
        }
        guard values.count == 1 else { throw error(.wrongType, object, "attribute '\(name)' has \(values.count) strings, expected 1") }
        return values[0]
    }

    /// Reads `count` strings of file type `type` through `read` (variable-length: pointers
    /// libhdf5 allocates and `reclaim` frees; fixed-length: NUL-padded bytes).
    private func readStrings(type: hid_t, count: Int, object: String,
                             read: (hid_t, UnsafeMutableRawPointer?) -> herr_t,
                             reclaim: (hid_t, UnsafeMutableRawPointer?) -> herr_t) throws -> [String] {
        guard H5Tget_class(type) == H5T_STRING else { throw error(.wrongType, object, "not a string") }
        let memType = H5Tcopy(sentio_h5t_c_s1())
        defer { H5Tclose(memType) }
        H5Tset_cset(memType, H5Tget_cset(type))
        if H5Tis_variable_str(type) > 0 {
            H5Tset_size(memType, sentio_h5t_variable())
            var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
            let ok = pointers.withUnsafeMutableBytes { read(memType, $0.baseAddress) >= 0 }
            guard ok else { throw error(.readFailed, object, "reading \(count) strings failed") }
            let strings = pointers.map { $0.map { String(cString: $0) } ?? "" }
            _ = pointers.withUnsafeMutableBytes { reclaim(memType, $0.baseAddress) }
            return strings
        }
        let size = H5Tget_size(type)
        H5Tset_size(memType, size)
        // NUL-padded in memory: a NUL-terminated type would drop the last byte of a full field.
        H5Tset_strpad(memType, H5T_STR_NULLPAD)
        var bytes = [UInt8](repeating: 0, count: count * size)
        let ok = bytes.withUnsafeMutableBytes { read(memType, $0.baseAddress) >= 0 }
        guard ok else { throw error(.readFailed, object, "reading \(count) strings failed") }
        return (0..<count).map { i in
            let field = bytes[(i * size)..<((i + 1) * size)]
            return String(decoding: field.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
