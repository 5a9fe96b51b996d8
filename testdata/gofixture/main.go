// Command gofixture is the tiny Go program behind tofu-sbom's build-info fixtures.
// It links three kinds of dependency: modules from the file proxy in ./proxy
// (example.com/greeting and, indirectly, example.com/units), a module replaced by
// another proxy module (example.com/colors => example.com/colors-fork), and a
// local-path replacement (example.com/localmod => ./localmod).
package main

import (
	"fmt"
	"os"

	"example.com/colors"
	"example.com/greeting"
	"example.com/localmod"
)

// version is set by `-ldflags "-X main.version=…"` as GoReleaser does.
var version = "dev"

func main() {
	if len(os.Args) > 1 && os.Args[1] == "-version" {
		fmt.Println(version)
		return
	}
	fmt.Println(greeting.Hello(colors.Name(localmod.Answer()), 3<<20))
}
