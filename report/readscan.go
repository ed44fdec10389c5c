package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
)

// jsonReader splits a report's bytes into its top-level keys and values, and the elements of
// its arrays, without checking them: the value's own check does that (quickValid, else
// json.Unmarshal's syntax check and the schema library), so each byte is scanned by one checker
// rather than by json.Decoder first. Its errors are json.Decoder's, worded as the reader words
// them (syntaxError).
type jsonReader struct {
	r     io.Reader
	buf   []byte
	pos   int   // the next byte to read in buf
	err   error // the reader's error once it gave one (io.EOF at the end)
	empty int   // reads in a row that gave nothing and no error
	scans int   // valueLen calls (a test reads it: a value is scanned again only as buf doubles)
}

// maxEmptyReads is how many reads in a row may give nothing before the reader gives up, as
// bufio.Reader does (io.ErrNoProgress).
const maxEmptyReads = 100

// maxDepth is encoding/json's nesting limit: a value nested deeper is cut there, and its syntax
// check says "exceeded max depth" at once instead of the rest of the input being read first.
const maxDepth = 10000

func newJSONReader(r io.Reader) *jsonReader {
	return &jsonReader{r: r, buf: make([]byte, 0, 256<<10)}
}

// fill reads more bytes, keeping buf[pos:]; false when there are none.
func (j *jsonReader) fill() bool {
	if j.err != nil {
		return false
	}
	if j.pos > 0 {
		n := copy(j.buf, j.buf[j.pos:])
		j.buf, j.pos = j.buf[:n], 0
	}
	if len(j.buf) == cap(j.buf) {
		j.buf = append(j.buf, make([]byte, cap(j.buf))...)[:len(j.buf)]
	}
	n, err := j.r.Read(j.buf[len(j.buf):cap(j.buf)])
	j.buf = j.buf[:len(j.buf)+n]
	if err != nil {
		j.err = err
	}
	if n == 0 && err == nil {
		if j.empty++; j.empty >= maxEmptyReads {
			j.err = io.ErrNoProgress
			return false
		}
	} else {
		j.empty = 0
	}
	return n > 0 || err == nil
}

// more reads until buf is full (doubling it first when it is) or the input ends, and reports
// whether it read anything. A value is scanned again from its start after more: reading until
// the buffer is full keeps that linear in the value's size however little each read returns
// (a pipe gives 64 KB at most), where a scan after every read was quadratic.
func (j *jsonReader) more() bool {
	if !j.fill() {
		return false
	}
	for len(j.buf) < cap(j.buf) && j.fill() {
	}
	return true
}

// peek skips white space and returns the next byte; false at the end of the input.
func (j *jsonReader) peek() (byte, bool) {
	for {
		if j.pos = skipSpace(j.buf, j.pos); j.pos < len(j.buf) {
			return j.buf[j.pos], true
		}
		if !j.fill() {
			return 0, false
		}
	}
}

// readErr is the error for the end of the input where more was wanted.
func (j *jsonReader) readErr() error {
	if j.err != nil && j.err != io.EOF {
		return j.err
	}
	return io.ErrUnexpectedEOF
}

// value returns the next value's bytes (valid until the next call), white space skipped first.
// It does not check them: see jsonReader.
func (j *jsonReader) value() ([]byte, error) {
	if _, ok := j.peek(); !ok {
		return nil, j.readErr()
	}
	for {
		j.scans++
		if n, done := valueLen(j.buf[j.pos:]); done {
			v := j.buf[j.pos : j.pos+n]
			j.pos += n
			return v, nil
		}
		if !j.more() {
			// the input ends in the value: the syntax error in it if there is one, else "too soon"
			v := j.buf[j.pos:]
			j.pos = len(j.buf)
			if err := syntaxOf(v); err != nil && !isEndError(err) {
				return nil, err
			}
			return nil, j.readErr()
		}
	}
}

// syntaxOf is json.Unmarshal's syntax error for b, or nil.
func syntaxOf(b []byte) error {
	if json.Valid(b) {
		return nil
	}
	return json.Unmarshal(b, new(skipJSON))
}

// isEndError reports whether err says the JSON ended in the middle of a value.
func isEndError(err error) bool {
	var se *json.SyntaxError
	return errors.As(err, &se) && se.Error() == "unexpected end of JSON input"
}

// delim consumes the next byte after white space when it is one of want, and returns it; when
// it is another, the error says what came instead "after" what (json.Decoder's words).
func (j *jsonReader) delim(want, after string) (byte, error) {
	c, ok := j.peek()
	if !ok {
		return 0, j.readErr()
	}
	if strings.IndexByte(want, c) < 0 {
		return 0, jsonSyntax("invalid character " + charText(c) + " " + after)
	}
	j.pos++
	return c, nil
}

// jsonSyntax is a syntax error the reader finds between values, worded as encoding/json's.
type jsonSyntax string

func (e jsonSyntax) Error() string { return string(e) }

// valueLen is the length of the JSON value at the start of b, which is not white space, when
// b holds all of it (done). A container ends at the bracket that closes it, or at the first
// bracket that does not match (the value's syntax check then refuses it); a string at its
// closing quote; anything else at the first byte that cannot continue a number or a literal.
func valueLen(b []byte) (n int, done bool) {
	if len(b) == 0 {
		return 0, false
	}
	switch b[0] {
	case '"':
		return stringLen(b)
	case '{', '[':
		var stackArr [64]byte
		stack := stackArr[:0]
		for i := 0; i < len(b); {
			switch c := b[i]; c {
			case '"':
				n, ok := stringLen(b[i:])
				if !ok {
					return 0, false
				}
				i += n
				continue
			case '{', '[':
				if len(stack) == maxDepth {
					return i + 1, true // one level too deep: the syntax check refuses it
				}
				stack = append(stack, c+2) // '}' and ']' follow '{' and '[' by two
			case '}', ']':
				if stack[len(stack)-1] != c {
					return i + 1, true
				}
				stack = stack[:len(stack)-1]
				if len(stack) == 0 {
					return i + 1, true
				}
			}
			i++
		}
		return 0, false
	}
	for i, c := range b {
		switch {
		case c == '-' || c == '+' || c == '.' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
		default:
			if i == 0 {
				return 1, true // not a value: its syntax check says so
			}
			return i, true
		}
	}
	return 0, false
}

// stringLen is the length of the JSON string at the start of b, quotes included.
func stringLen(b []byte) (int, bool) {
	for i := 1; i < len(b); {
		k := bytes.IndexByte(b[i:], '"')
		if k < 0 {
			return 0, false
		}
		i += k
		bs := 0 // backslashes before the quote: an odd number escapes it
		for bs < i-1 && b[i-1-bs] == '\\' {
			bs++
		}
		if bs%2 == 0 {
			return i + 1, true
		}
		i++
	}
	return 0, false
}

// charText quotes a byte as json's syntax errors do.
func charText(c byte) string {
	if c == '\'' {
		return `'\''`
	}
	if c == '"' {
		return `'"'`
	}
	s := strconv.Quote(string(c))
	return "'" + s[1:len(s)-1] + "'"
}
