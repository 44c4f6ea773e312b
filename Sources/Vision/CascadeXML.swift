/// A minimal reader for the XML subset of OpenCV's `FileStorage` cascade files: elements,
/// text, attributes ignored, comments and the prolog skipped.
final class XMLElement {
    let name: String
    var children: [XMLElement] = []
    var text: String = ""
    init(name: String) { self.name = name }

    func child(_ n: String) -> XMLElement? { children.first { $0.name == n } }
    var trimmedText: String { text.trimmingWhitespace() }

    static func parse(_ bytes: [UInt8], file: String) throws(VisionError) -> XMLElement {
        let root = XMLElement(name: "#document")
        var stack: [XMLElement] = [root]
        var i = 0
        let n = bytes.count
        var textStart = 0
        func flushText(_ end: Int) {
            if end > textStart, let top = stack.last { top.text += String(decoding: bytes[textStart..<end], as: UTF8.self) }
        }
        func startsWith(_ s: String, at p: Int) -> Bool {
            let u = Array(s.utf8)
            guard p + u.count <= n else { return false }
            for k in 0..<u.count where bytes[p + k] != u[k] { return false }
            return true
        }
        func find(_ s: String, from p: Int) -> Int? {
            var q = p
            while q < n { if startsWith(s, at: q) { return q }; q += 1 }
            return nil
        }
        while i < n {
            guard bytes[i] == UInt8(ascii: "<") else { i += 1; continue }
            flushText(i)
            if startsWith("<!--", at: i) {
                guard let e = find("-->", from: i + 4) else { throw .invalidModel(file: file, reason: "unterminated XML comment") }
                i = e + 3
            } else if startsWith("<?", at: i) {
                guard let e = find("?>", from: i + 2) else { throw .invalidModel(file: file, reason: "unterminated XML declaration") }
                i = e + 2
            } else {
                guard let e = find(">", from: i + 1) else { throw .invalidModel(file: file, reason: "unterminated XML tag at byte \(i)") }
                let closing = bytes[i + 1] == UInt8(ascii: "/")
                let selfClosing = bytes[e - 1] == UInt8(ascii: "/")
                var nameEnd = i + (closing ? 2 : 1)
                let nameStart = nameEnd
                while nameEnd < e, bytes[nameEnd] != 32, bytes[nameEnd] != 10, bytes[nameEnd] != 13, bytes[nameEnd] != 9,
                      bytes[nameEnd] != UInt8(ascii: "/") { nameEnd += 1 }
                let name = String(decoding: bytes[nameStart..<nameEnd], as: UTF8.self)
                if closing {
                    guard stack.count > 1, stack.last?.name == name else {
                        throw .invalidModel(file: file, reason: "XML closing tag </\(name)> does not match at byte \(i)")
                    }
                    stack.removeLast()
                } else {
                    let el = XMLElement(name: name)
                    stack.last?.children.append(el)
                    if !selfClosing { stack.append(el) }
                }
                i = e + 1
            }
            textStart = i
        }
        guard stack.count == 1 else { throw .invalidModel(file: file, reason: "XML ends inside <\(stack.last?.name ?? "")> (truncated file)") }
        return root
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
    var numbers: [Substring] { split(whereSeparator: { $0.isWhitespace }) }
}
