// Package greeting builds greetings; a fake module served by the fixture proxy.
package greeting

import "example.com/units"

// Hello greets name and mentions a size, so that example.com/units is linked in.
func Hello(name string, size int64) string {
	return "hello, " + name + " (" + units.Bytes(size) + ")"
}
