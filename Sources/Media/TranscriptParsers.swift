import Foundation

extension Transcript {
    /// SubRip: numbered blocks, "HH:MM:SS,mmm --> HH:MM:SS,mmm", text lines, blank line.
    public static func parseSubRip(_ text: String, input: String = "<srt>") throws(TranscriptError) -> Transcript {
        try parseCueBlocks(text, input: input, decimal: ",", isWebVTT: false)
    }

    /// WebVTT: "WEBVTT" header, optional cue identifiers and settings, NOTE/STYLE/REGION blocks.
    public static func parseWebVTT(_ text: String, input: String = "<vtt>") throws(TranscriptError) -> Transcript {
        let firstLine = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        guard firstLine.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\u{FEFF}"))
            .hasPrefix("WEBVTT") else {
            throw TranscriptError(input: input, line: 1, reason: "a WebVTT file must start with 'WEBVTT'")
        }
        return try parseCueBlocks(text, input: input, decimal: ".", isWebVTT: true)
    }

    private static func parseCueBlocks(_ text: String, input: String, decimal: Character, isWebVTT: Bool) throws(TranscriptError) -> Transcript {
        let lines = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var segments: [Segment] = []
        var index = 0
        while index < lines.count {
            let line = lines[index].trimmingCharacters(in: .whitespaces)
            guard line.contains("-->") else {
                if isWebVTT, line.hasPrefix("NOTE") || line == "STYLE" || line == "REGION" {
                    while index < lines.count, !lines[index].trimmingCharacters(in: .whitespaces).isEmpty { index += 1 }
                }
                index += 1
                continue
            }
            let lineNumber = index + 1
            let parts = line.components(separatedBy: "-->")
            guard parts.count == 2,
                  let start = parseTimestamp(parts[0].trimmingCharacters(in: .whitespaces), decimal: decimal),
                  let endField = parts[1].trimmingCharacters(in: .whitespaces).split(separator: " ").first,
                  let end = parseTimestamp(String(endField), decimal: decimal) else {
                throw TranscriptError(input: input, line: lineNumber, reason: "cannot read the cue times '\(line)'")
            }
            guard end >= start else {
                throw TranscriptError(input: input, line: lineNumber, reason: "the cue ends before it starts ('\(line)')")
            }
            index += 1
            var body: [String] = []
            while index < lines.count, !lines[index].trimmingCharacters(in: .whitespaces).isEmpty {
                body.append(lines[index])
                index += 1
            }
            let cueText = CaptionText.normalize(body.joined(separator: " "))
            segments.append(Segment(start: start, end: end, text: cueText))
        }
        return Transcript(segments: segments)
    }

    /// "HH:MM:SS,mmm", "MM:SS.mmm" (WebVTT allows omitting hours); either decimal mark accepted.
    static func parseTimestamp(_ text: String, decimal: Character) -> Double? {
        let normalized = text.replacingOccurrences(of: ",", with: ".")
        let fields = normalized.split(separator: ":")
        guard (2...3).contains(fields.count) else { return nil }
        var seconds = 0.0
        for (position, field) in fields.enumerated() {
            guard let value = Double(field), value >= 0 else { return nil }
            if position < fields.count - 1 && field.contains(".") { return nil }
            seconds = seconds * 60 + value
        }
        return seconds
    }

    /// JSON: `{"segments": [{"start": s, "end": s, "text": "...", "words": [{"word", "start", "end"}]}]}`
    /// or a bare array of segments. Segment times may be omitted when words carry them.
    public static func parseJSON(_ data: Data, input: String = "<json>") throws(TranscriptError) -> Transcript {
        struct LooseWord: Decodable { var word: String?; var text: String?; var start: Double; var end: Double }
        struct LooseSegment: Decodable { var start: Double?; var end: Double?; var text: String?; var words: [LooseWord]? }
        struct Document: Decodable { var segments: [LooseSegment] }
        let decoder = JSONDecoder()
        let loose: [LooseSegment]
        do {
            if let document = try? decoder.decode(Document.self, from: data) {
                loose = document.segments
            } else {
                loose = try decoder.decode([LooseSegment].self, from: data)
            }
        } catch {
            throw TranscriptError(input: input, line: nil,
                                  reason: "not a transcript JSON ({\"segments\": [{\"start\", \"end\", \"text\", \"words\"?}]}): \(error)")
        }
        var segments: [Segment] = []
        for (position, item) in loose.enumerated() {
            let words = item.words?.map { Word(word: $0.word ?? $0.text ?? "", start: $0.start, end: $0.end) }
            guard let start = item.start ?? words?.first?.start, let end = item.end ?? words?.last?.end else {
                throw TranscriptError(input: input, line: nil, reason: "segment \(position) has no start/end and no word times")
            }
            guard end >= start else {
                throw TranscriptError(input: input, line: nil, reason: "segment \(position) ends (\(end)) before it starts (\(start))")
            }
            let text = item.text ?? words?.map(\.word).joined(separator: " ") ?? ""
            segments.append(Segment(start: start, end: end, text: CaptionText.normalize(text), words: words))
        }
        return Transcript(segments: segments)
    }
}
