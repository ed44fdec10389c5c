package version

import (
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestStringNamesVersionCommitAndPlatform(t *testing.T) {
	in := Info{Version: "v1.2.3", Commit: "0123456789abcdef0123", Date: "2026-12-04T10:00:00Z"}
	got := in.String()
	for _, want := range []string{"padlock v1.2.3 (", "commit 0123456789ab,", "2026-12-04T10:00:00Z", runtime.GOOS + "/" + runtime.GOARCH} {
		if !strings.Contains(got, want) {
			t.Errorf("%q lacks %q", got, want)
		}
	}
	if got := (Info{Version: Base}).String(); !strings.HasPrefix(got, "padlock "+Base+" (go") {
		t.Errorf("unstamped: %q", got)
	}
}

func TestDevelopmentBuildIsTheBaseVersion(t *testing.T) {
	// go test builds without a stamp and with "(devel)" as the main module's version, so reports
	// written by tests keep the base version (golden files depend on it).
	if v := Get().Version; v != Base {
		t.Errorf("Get().Version = %q, want %q", v, Base)
	}
}

// TestReleaseScript builds one target with scripts/release.sh and checks the stamp, the checksum
// file and that the binary is static.
func TestReleaseScript(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a release binary")
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	cmd := exec.Command("bash", filepath.Join(root, "scripts", "release.sh"), "v9.8.7")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "TARGETS="+runtime.GOOS+"/"+runtime.GOARCH, "OUT="+out, "ALLOW_DIRTY=1")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("release.sh: %v\n%s", err, b)
	}
	name := "padlock_9.8.7_" + runtime.GOOS + "_" + runtime.GOARCH
	bin := filepath.Join(out, name)
	b, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatalf("%s version: %v", bin, err)
	}
	head, err := exec.Command("git", "-C", root, "rev-parse", "HEAD").Output()
	if err != nil {
		t.Fatal(err)
	}
	line := strings.TrimSpace(string(b))
	if !strings.HasPrefix(line, "padlock v9.8.7 (commit "+string(head[:12])) {
		t.Errorf("version line %q does not carry the stamp v9.8.7 and commit %s", line, head[:12])
	}
	b2, err := exec.Command(bin, "--version").Output()
	if err != nil || strings.TrimSpace(string(b2)) != line {
		t.Errorf("--version printed %q (%v), version printed %q", b2, err, line)
	}
	sums, err := os.ReadFile(filepath.Join(out, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if want := hex.EncodeToString(sum[:]) + "  " + name + "\n"; string(sums) != want {
		t.Errorf("SHA256SUMS = %q, want %q", sums, want)
	}
	if runtime.GOOS == "linux" {
		f, err := elf.Open(bin)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				t.Errorf("the binary asks for a dynamic loader: it is not static")
			}
		}
	}
}
