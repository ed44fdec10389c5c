//go:build !unix

package render

import (
	"errors"
	"os"
	"os/exec"
)

// interpose is not built here: the browser's pipe is passed as inherited handles.
func interpose(*exec.Cmd) (*mux, error) {
	return nil, errors.New("render: rendering needs Linux or macOS")
}

func dupFile(*os.File) (*os.File, error) { return nil, errors.New("render: not supported") }
