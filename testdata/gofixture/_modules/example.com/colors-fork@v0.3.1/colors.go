// Package colors names colours. This fork replaces example.com/colors in the fixture's go.mod.
package colors

// Name returns the name of a colour index.
func Name(i int) string {
	names := [...]string{"red", "green", "blue"}
	return names[i%len(names)]
}
