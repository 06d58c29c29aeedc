import Foundation

/// How a file is handed to a browser to save.
enum Download {
    /// `Content-Disposition` for saving as `name` (RFC 6266): the UTF-8 name
    /// in `filename*` (RFC 8187), which every current browser uses, and an
    /// ASCII stand-in in `filename` for those that do not. Neither can carry
    /// a quote, a backslash, a control character or a path.
    static func disposition(_ name: String) -> String {
        let plain = String(name.unicodeScalars.map { s -> Character in
            s.isASCII && s.value >= 0x20 && s.value != 0x7F && !"\"\\/".unicodeScalars.contains(s) ? Character(s) : "_"
        })
        var allowed = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)...Unicode.Scalar(0x7F)))
        allowed.insert(charactersIn: "-._~")
        let encoded = name.addingPercentEncoding(withAllowedCharacters: allowed) ?? plain
        return "attachment; filename=\"\(plain)\"; filename*=UTF-8''\(encoded)"
    }
}
