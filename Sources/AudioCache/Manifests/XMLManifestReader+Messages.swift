extension XMLManifestReader {
    /// A message for a libxml2 parser error code (`xmlParserErrors` in `libxml/xmlerror.h`), for the
    /// errors whose message does not depend on where the parser is.
    ///
    /// FoundationXML passes libxml2's codes through unchanged and without a message on Linux.
    /// - Parameter code: The code of the parser's error.
    /// - Returns: What is wrong, and how to fix it where that is clear.
    static func message(forParserError code: Int) -> String {
        switch code {
        case 3, 4:
            return "file holds no XML element; expected a <script> element"
        case 5, 85, 86:
            return "unexpected content after </script>; a manifest holds exactly one <script> element"
        case 6, 7, 8, 9:
            return "character not allowed in XML; control characters other than tab, line feed and carriage return "
                + "cannot appear, not even as &#…; references"
        case 22, 68:
            return "a name is missing after < or &; write a literal < as &lt; and & as &amp;"
        case 23:
            return "entity reference is missing its closing ;; write a literal & as &amp;"
        case 26, 27:
            return
                "undefined entity; only &amp; &lt; &gt; &quot; &apos; and character references such as &#233; are allowed"
        case 31, 32, 79, 81:
            return "unsupported encoding; only UTF-8 manifests are supported"
        case 38:
            return "< is not allowed in an attribute value; write &lt;"
        case 39, 43:
            return "attribute value must be in quotes, as in voice=\"narrator\""
        case 40, 44:
            return "attribute value has no closing quote"
        case 41:
            return "attribute has no value; write name=\"value\""
        case 42:
            return "attribute appears twice on the same element"
        case 62:
            return "]]> may only end a CDATA section; write ]]&gt;"
        case 64:
            return "the <?xml …?> declaration must come first in the file, with nothing before it"
        case 65, 73, 77:
            return "malformed tag; expected attributes as name=\"value\" separated by spaces, then > or />"
        case 75:
            return "attribute needs = between its name and its value"
        case 80:
            return "-- is not allowed inside a comment"
        case 89:
            return "entity expansion loops or grows too large"
        case 200...299:
            return "namespace prefixes (prefix:name) are not supported; use the plain names script, scene, group, line"
        default:
            return "the file is not well-formed XML (parser error \(code))"
        }
    }

    /// What is wrong with the value of a `voice`, `language` or `model` attribute, or `nil`.
    ///
    /// The sink checks the same rules, but names the fields as CSV and JSON spell them; checking here
    /// names the XML attribute and lets a bad scene attribute be reported once, not once per line.
    /// - Parameters:
    ///   - key: The attribute's name.
    ///   - value: Its value.
    /// - Returns: What is wrong, or `nil` when the value is acceptable.
    static func problem(withAttribute key: String, _ value: String) -> String? {
        switch key {
        case "voice" where !FieldRules.isValidVoiceID(value):
            "voice \(quoted(value)) is not allowed; use 1-64 of A-Z a-z 0-9 . _ + - starting with a letter or digit"
        case "language" where !FieldRules.isValidLanguage(value):
            "language \(quoted(value)) is not allowed; use 1-35 of A-Z a-z 0-9 - _ starting with a letter or digit"
        case "model" where !FieldRules.isValidModelID(value):
            "model \(quoted(value)) is not allowed; use 1-64 of A-Z a-z 0-9 . _ - starting with a letter or digit"
        default: nil
        }
    }
}
