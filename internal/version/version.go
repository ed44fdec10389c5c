// Package version says which padlock this is. Release builds stamp the three variables with
// -ldflags -X (scripts/release.sh); a binary built by `go install ...@vX.Y.Z` takes the module
// version from its build info; any other build (a clone, go test) is the development version.
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Base is the version of the source tree, the one written into reports by development builds.
const Base = "0.1.0"

// Stamped by scripts/release.sh through -ldflags "-X ...version.version=... ".
var (
	version = ""
	commit  = ""
	date    = ""
)

// Info is what a binary knows of its own build.
type Info struct {
	Version string // "0.1.0", "v0.2.0"
	Commit  string // the VCS revision, empty when unknown
	Date    string // the commit or build time (RFC 3339), empty when unknown
	Dirty   bool   // built from a work tree with uncommitted changes
}

// Get reads the stamp first, then the build info.
func Get() Info {
	in := Info{Version: Base, Commit: commit, Date: date}
	if version != "" {
		in.Version = version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return in
	}
	if version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		in.Version = bi.Main.Version
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			if in.Commit == "" {
				in.Commit = s.Value
			}
		case "vcs.time":
			if in.Date == "" {
				in.Date = s.Value
			}
		case "vcs.modified":
			in.Dirty = s.Value == "true" && commit == ""
		}
	}
	return in
}

// String is the one line `padlock version` and `padlock --version` print:
// "padlock 0.2.0 (commit 1a2b3c4d5e6f, 2026-12-04T10:00:00Z, go1.26.8 linux/amd64)".
func (in Info) String() string {
	s := "padlock " + in.Version
	detail := ""
	if in.Commit != "" {
		c := in.Commit
		if len(c) > 12 {
			c = c[:12]
		}
		detail = "commit " + c
		if in.Dirty {
			detail += "+dirty"
		}
		detail += ", "
	}
	if in.Date != "" {
		detail += in.Date + ", "
	}
	return fmt.Sprintf("%s (%s%s %s/%s)", s, detail, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
