/// One expression on its own, for values written outside a script (`--set NAME=VALUE`): the
/// same tokens, nesting limit and diagnostics as in a script.
extension Parser {
    /// The expression, or nil with at least one diagnostic when the text is not exactly one
    /// expression (lexical errors such as `1e400` included).
    public static func parseExpression(_ source: SourceFile) -> (expression: Expr?, diagnostics: [Diagnostic]) {
        let (tokens, lexical) = Lexer.tokenize(source)
        guard lexical.isEmpty else { return (nil, lexical) }
        var parser = Parser(source: source, tokens: tokens)
        do {
            let expression = try parser.parseExpression()
            parser.skipSeparators()
            guard parser.isAtEnd else {
                parser.report(.expectedEndOfStatement, "extra text after the value: \(parser.current.display)",
                              at: parser.current.range)
                return (nil, parser.diagnostics)
            }
            return (expression, parser.diagnostics)
        } catch {
            if parser.diagnostics.isEmpty {
                parser.report(.expectedExpression, "expected a value, found \(parser.current.display)",
                              at: parser.current.range)
            }
            return (nil, parser.diagnostics)
        }
    }
}
