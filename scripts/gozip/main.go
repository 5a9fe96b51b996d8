// Command gozip writes a deterministic ZIP the way GoReleaser's archive step does:
// Go's archive/zip, one Deflate entry per file, header from zip.FileInfoHeader with a
// fixed modification time (written by archive/zip as MS-DOS time plus the
// extended-timestamp extra field), Unix modes 0755/0644.
//
// It is part of tofu-sbom's test scripts (scripts/lib/fixtures.sh,
// scripts/make-sample-release, scripts/make-gofixture-proxy); it exists because the
// ZIPs we test against should be byte-for-byte what Go's archive/zip produces, and a
// pinned Go toolchain makes them reproducible on any machine.
//
// Usage: gozip -o OUT.zip -mtime 2025-01-02T03:04:05Z NAME=SRC [NAME=SRC...]
package main

import (
	"archive/zip"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

func main() {
	out := flag.String("o", "", "output ZIP path (written to OUT.tmp, then renamed)")
	mtime := flag.String("mtime", "", "modification time of every entry, RFC 3339 (UTC)")
	flag.Parse()
	if *out == "" || *mtime == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: gozip -o OUT.zip -mtime RFC3339 NAME=SRC...")
		os.Exit(2)
	}
	when, err := time.Parse(time.RFC3339, *mtime)
	if err != nil {
		fail(err)
	}
	if err := write(*out, when.UTC(), flag.Args()); err != nil {
		fail(err)
	}
}

func write(out string, when time.Time, entries []string) error {
	tmp := out + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	zw := zip.NewWriter(f)
	for _, e := range entries {
		name, src, ok := strings.Cut(e, "=")
		if !ok || name == "" || src == "" {
			return fmt.Errorf("entry %q is not NAME=SRC", e)
		}
		if err := add(zw, name, src, when); err != nil {
			return fmt.Errorf("%s: %w", src, err)
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, out)
}

func add(zw *zip.Writer, name, src string, when time.Time) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	info, err := in.Stat()
	if err != nil {
		return err
	}
	if !info.Mode().IsRegular() {
		return fmt.Errorf("not a regular file")
	}
	hdr, err := zip.FileInfoHeader(info)
	if err != nil {
		return err
	}
	hdr.Name = name
	hdr.Method = zip.Deflate
	hdr.Modified = when
	// Normalise the mode: a checkout's umask must not change the archive.
	if info.Mode().Perm()&0o111 != 0 {
		hdr.SetMode(0o755)
	} else {
		hdr.SetMode(0o644)
	}
	w, err := zw.CreateHeader(hdr)
	if err != nil {
		return err
	}
	_, err = io.Copy(w, in)
	return err
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gozip:", err)
	os.Exit(1)
}
