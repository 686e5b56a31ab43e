/// The .prn language front end: source, tokens, syntax tree, checker, diagnostics.
