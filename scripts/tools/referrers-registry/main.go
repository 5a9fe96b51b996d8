// Command referrers-registry serves go-containerregistry's in-memory OCI registry
// (pkg/registry) with the distribution-spec v1.1 referrers API switched on, for
// tofu-sbom's tests: the native-referrers path against real code (Debian's
// distribution 2.8 has no referrers API). Plain HTTP, anonymous, memory only.
//
// It prints one line once it accepts connections (the tests wait for it):
//
//	referrers-registry go-containerregistry vX.Y.Z listening on 127.0.0.1:PORT
//
// Built into the test cache by scripts/deps (deps_referrers_registry).
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"runtime/debug"

	"github.com/google/go-containerregistry/pkg/registry"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on (port 0: a free one)")
	flag.Parse()
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatalf("referrers-registry: listen on %s: %v", *listen, err)
	}
	version := "unknown"
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == "github.com/google/go-containerregistry" {
				version = dep.Version
			}
		}
	}
	fmt.Printf("referrers-registry go-containerregistry %s listening on %s\n", version, ln.Addr())
	handler := registry.New(registry.WithReferrersSupport(true),
		registry.Logger(log.New(os.Stderr, "", log.LstdFlags)))
	log.Fatal(http.Serve(ln, handler))
}
