// Package yamlsyntax words the YAML library's syntax errors as a line and a message, for the
// FILE:LINE: messages of padlock.yml and the script inventory.
package yamlsyntax

import (
	"strconv"
	"strings"
)

// Split splits a YAML syntax error into its line and message. The YAML library leaves the line
// out of errors on the first line ("yaml: found character that cannot start any token").
func Split(err error) (int, string) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if n, text, ok := strings.Cut(rest, ": "); ok {
			if line, err := strconv.Atoi(n); err == nil && line > 0 {
				return line, text
			}
		}
	}
	return 1, msg
}
