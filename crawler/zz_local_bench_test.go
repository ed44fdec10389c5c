package crawler

import (
	"os"
	"testing"
)

func BenchmarkExtractBenchPage(b *testing.B) {
	var pages [][]byte
	for _, f := range []string{"/tmp/bp5.html", "/tmp/bp777.html", "/tmp/bp4242.html"} {
		p, err := os.ReadFile(f)
		if err != nil {
			b.Skip(err)
		}
		pages = append(pages, p)
	}
	base := mustParse(b, "https://127.0.0.1:18444/p/777.html")
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		d := ExtractHTML(base, pages[i%3])
		pg := &Page{Document: *d}
		pg.Release()
		i++
	}
}
