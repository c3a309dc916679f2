import Tally
import Testing

@Suite("SQL statement splitter")
struct SQLStatementSplitterTests {
    /// The statements' texts, which is what the migrator sends one by one.
    static func texts(_ script: String) -> [String] {
        SQLStatementSplitter.split(script).map(\.text)
    }

    @Test(
        "a semicolon inside a quoted literal does not end the statement",
        arguments: [
            ("select 'a;b'; select 2;", ["select 'a;b'", "select 2"]),
            ("insert into t values ('x;', ';y');", ["insert into t values ('x;', ';y')"]),
            ("select '--;'; select '/*;'; select 3", ["select '--;'", "select '/*;'", "select 3"]),
            ("select '$$;'; select 2", ["select '$$;'", "select 2"]),
        ])
    func semicolonsInLiterals(script: String, expected: [String]) {
        #expect(Self.texts(script) == expected)
    }

    @Test("a doubled quote stays inside a standard literal")
    func doubledQuotes() {
        #expect(Self.texts("select 'it''s; fine'; select 2") == ["select 'it''s; fine'", "select 2"])
        #expect(Self.texts("select ''''; select ';'''") == ["select ''''", "select ';'''"])
    }

    @Test(
        "a backslash escapes a quote in E'' strings only",
        arguments: [
            // E and e strings: \' is a quote inside the literal.
            ("select E'it\\'s; x'; select 2", ["select E'it\\'s; x'", "select 2"]),
            ("select e'a\\\\'; select 2", ["select e'a\\\\'", "select 2"]),
            ("select (E'\\';');", ["select (E'\\';')"]),
            // Standard-conforming strings: the backslash is an ordinary character and the quote ends the literal.
            ("select 'C:\\'; select 2", ["select 'C:\\'", "select 2"]),
            // A typed literal whose type name ends in e (name, date) is not an E string.
            ("select name'C:\\'; select 2", ["select name'C:\\'", "select 2"]),
        ])
    func escapeStrings(script: String, expected: [String]) {
        #expect(Self.texts(script) == expected)
    }

    @Test("double-quoted identifiers may hold semicolons and doubled quotes")
    func quotedIdentifiers() {
        let script = #"""
            create table "a;b" (x int);
            select "say ""hi;""" from "a;b";
            """#
        #expect(Self.texts(script) == ["create table \"a;b\" (x int)", "select \"say \"\"hi;\"\"\" from \"a;b\""])
    }

    @Test("dollar-quoted bodies keep their semicolons")
    func dollarQuotes() {
        let script = """
            create function one() returns int language sql as $$ select 1; $$;
            create function two() returns text language sql as $body$ select 'cost: $5; $'; $body$;
            select 3
            """
        let statements = Self.texts(script)
        #expect(statements.count == 3)
        #expect(statements[0] == "create function one() returns int language sql as $$ select 1; $$")
        #expect(statements[1] == "create function two() returns text language sql as $body$ select 'cost: $5; $'; $body$")
        #expect(statements[2] == "select 3")
    }

    @Test("a dollar quote ends only at its own tag, so other tags nest inside it")
    func nestedDollarTags() {
        let script = """
            do $outer$
            begin
                execute $inner$ create table t (x int); $inner$;
                perform $$ a; b $$;
            end
            $outer$;
            select 2;
            """
        let statements = Self.texts(script)
        #expect(statements.count == 2)
        #expect(statements[0].hasPrefix("do $outer$") && statements[0].hasSuffix("$outer$"))
        #expect(statements[1] == "select 2")
    }

    @Test(
        "$1 parameters and $ inside identifiers are not dollar quotes",
        arguments: [
            ("select $1; select 2", ["select $1", "select 2"]),
            ("select foo$bar$ from t; select 2", ["select foo$bar$ from t", "select 2"]),
        ])
    func notDollarQuotes(script: String, expected: [String]) {
        #expect(Self.texts(script) == expected)
    }

    @Test("a line comment hides semicolons up to the end of its line")
    func lineComments() {
        let script = """
            -- header; not a statement
            select 1 -- trailing; still the first statement
            ;
            select 2;
            """
        #expect(Self.texts(script) == ["select 1 -- trailing; still the first statement", "select 2"])
    }

    @Test("block comments nest, as in PostgreSQL, and hide their semicolons")
    func nestedBlockComments() {
        #expect(Self.texts("select 1 /* a /* b; */ c; */ + 1; select 2") == ["select 1 /* a /* b; */ c; */ + 1", "select 2"])
        // Before a statement the comment is dropped, even when it nests.
        let statements = SQLStatementSplitter.split("/* a /* b; */ c; */ select 1;")
        #expect(statements.map(\.text) == ["select 1"])
        #expect(statements.first?.column == 21)
    }

    @Test(
        "the last statement needs no semicolon; empty statements and trailing comments give nothing",
        arguments: [
            ("select 1; select 2", ["select 1", "select 2"]),
            (";;select 1;;  ;\n;", ["select 1"]),
            ("select 1;\n-- the end; really\n/* bye; */\n", ["select 1"]),
            ("", []),
            ("   \n\t\n", []),
            ("-- only a comment", []),
            ("/* only /* a nested */ comment */", []),
        ])
    func boundaries(script: String, expected: [String]) {
        #expect(Self.texts(script) == expected)
    }

    @Test("each statement records the line and column of its first character")
    func startPositions() {
        let script = "\n\n  select 1;\n    select\n 2; select 3;\n-- note\n/* doc */ select 4"
        let statements = SQLStatementSplitter.split(script)
        #expect(statements.map(\.text) == ["select 1", "select\n 2", "select 3", "select 4"])
        #expect(statements.map(\.line) == [3, 4, 5, 7])
        #expect(statements.map(\.column) == [3, 5, 5, 11])
    }

    @Test("columns count characters, not UTF-8 bytes, like the server's positions")
    func unicodeColumns() {
        let statements = SQLStatementSplitter.split("select 'ünï ✓'; select x")
        #expect(statements.count == 2)
        #expect(statements[1].line == 1)
        #expect(statements[1].column == 17)
    }

    @Test(
        "a server error position maps to the file's line and column",
        arguments: [
            // position in the statement text -> file line and column
            (1, 3, 3),  // the statement's first character
            (8, 3, 10),  // x, on the statement's first line: offset by the statement's column
            (17, 4, 8),  // t, on its second line: the column is the line's own
        ])
    func fileLocation(position: Int, line: Int, column: Int) {
        let script = "select 1;\n\n  select x\n  from t;"
        let statement = SQLStatementSplitter.split(script)[1]
        #expect(statement.text == "select x\n  from t")
        let location = statement.fileLocation(ofPosition: position)
        #expect(location.line == line)
        #expect(location.column == column)
    }
}
