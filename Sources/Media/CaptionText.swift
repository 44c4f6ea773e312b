import Foundation

/// Plain text from the forms FFmpeg's subtitle decoders give: ASS dialogue events
/// ("ReadOrder,Layer,Style,Name,MarginL,MarginR,MarginV,Effect,Text") with override tags.
public enum CaptionText {
    /// The Text field of an ASS dialogue event, without override blocks, with line breaks as spaces.
    public static func plain(fromASS event: String) -> String {
        // FFmpeg ≥ 5 writes 9 fields; older "Dialogue: " lines have 10 (with Start/End).
        var body = Substring(event)
        let fieldsBeforeText = body.hasPrefix("Dialogue:") ? 9 : 8
        if body.hasPrefix("Dialogue:") { body = body.dropFirst("Dialogue:".count) }
        var commas = 0
        var textStart = body.startIndex
        for index in body.indices where body[index] == "," {
            commas += 1
            if commas == fieldsBeforeText { textStart = body.index(after: index); break }
        }
        if commas == fieldsBeforeText { body = body[textStart...] }
        return normalize(stripOverrides(String(body)))
    }

    /// Removes `{...}` override blocks and turns ASS escapes into spaces.
    static func stripOverrides(_ text: String) -> String {
        var out = ""
        var depth = 0
        for character in text {
            if character == "{" { depth += 1; continue }
            if character == "}" { depth = max(0, depth - 1); continue }
            if depth == 0 { out.append(character) }
        }
        return out.replacingOccurrences(of: "\\N", with: " ")
            .replacingOccurrences(of: "\\n", with: " ")
            .replacingOccurrences(of: "\\h", with: " ")
    }

    /// Collapses whitespace runs and HTML-like tags that SubRip and WebVTT allow (<i>, <b>, <v Name>).
    public static func normalize(_ text: String) -> String {
        var out = ""
        var inTag = false
        for character in text {
            if character == "<" { inTag = true; continue }
            if character == ">" && inTag { inTag = false; continue }
            if !inTag { out.append(character) }
        }
        return out.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }
}
