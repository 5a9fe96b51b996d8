// Package localmod is replaced by a local path (`=> ./localmod`) in the fixture's go.mod.
package localmod

// Answer is linked in so that the local-path replacement shows up in the build info.
func Answer() int { return 42 }
