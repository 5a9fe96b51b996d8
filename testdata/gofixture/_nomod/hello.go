// A program built without a module (`go build hello.go` outside any go.mod):
// its build info has `path command-line-arguments` and no `mod` line.
package main

import "fmt"

func main() { fmt.Println("hello") }
