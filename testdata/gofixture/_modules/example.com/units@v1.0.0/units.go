// Package units formats byte counts; a fake module served by the fixture proxy.
package units

import "strconv"

// Bytes renders n as a decimal byte count with a unit.
func Bytes(n int64) string {
	if n >= 1<<20 {
		return strconv.FormatInt(n>>20, 10) + " MiB"
	}
	return strconv.FormatInt(n, 10) + " B"
}
