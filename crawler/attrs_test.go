package crawler

import (
	"fmt"
	"testing"
)

// rawAttrs answers for the tags pages are made of, and leaves to TagAttr those whose bytes
// need decoding or lower-casing (FuzzRawAttrs holds its answers to TagAttr's).
func TestRawAttrs(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		raw  string
		want string // the attributes as key=value, or "no" when TagAttr must answer
	}{
		{`<a href="/x" class=y id='z'>`, `[href=/x class=y id=z]`},
		{`<img src=a.png srcset="b.png 2x, c.png 3x"/>`, `[src=a.png srcset=b.png 2x, c.png 3x]`},
		{`<br/>`, `[]`},
		{`<a href=x href=y>`, `[href=x]`},
		{`<a =x b>`, `[=x= b=]`},
		{`<p a/b=c>`, `[a= b=c]`},
		{`<x a=b/>`, `[a=b/]`},
		{`<x a='>'>`, `[a=>]`},
		{`<x a="b"c=d>`, `[a=b c=d]`},
		{"<x a=b\tc=d\fe\nf>", `[a=b c=d e= f=]`},
		{`<x A=1>`, "no"},
		{`<x a="?p=1&amp;q=2">`, "no"},
		{"<x a=\"\r\n\">", "no"},
		{"<x a=\x00>", "no"},
		{`<x a=b`, "no"},
	} {
		got, ok := rawAttrs(nil, []byte(tc.raw))
		s := "no"
		if ok {
			var kv []string
			for _, a := range got {
				kv = append(kv, string(a.key)+"="+string(a.val))
			}
			s = fmt.Sprint(kv)
			if len(kv) == 0 {
				s = "[]"
			}
		}
		if s != tc.want {
			t.Errorf("rawAttrs(%q) = %s, want %s", tc.raw, s, tc.want)
		}
	}
}
