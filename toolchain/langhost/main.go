// Command pulumi-langhost is a Pulumi language host for Node.js, Go and Python programs.
//
// The official language hosts live in untagged Go modules that the module proxy cannot serve, so
// this host implements the LanguageRuntime protocol on the tagged pkg/v3 and sdk/v3 modules. It is
// installed as pulumi-language-nodejs, pulumi-language-go and pulumi-language-python; the name it
// is started under selects the language. It runs programs exactly as the official hosts do (the
// same SDK entry points and environment) and generates SDKs and programs (what `pulumi import` writes)
// with Pulumi's own code generators.
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
)

// version is reported through GetPluginInfo; the build sets it to the pkg/v3 release it was built with.
var version = "3.274.1"

func main() {
	language := strings.TrimPrefix(filepath.Base(os.Args[0]), "pulumi-language-")
	runtime, ok := runtimes[language]
	if !ok {
		cmdutil.Exit(fmt.Errorf("unsupported language %q: install this binary as pulumi-language-{nodejs,go,python}", language))
	}

	// The engine passes flags first and its own address as the last positional argument.
	engineAddress := ""
	for _, arg := range os.Args[1:] {
		if !strings.HasPrefix(arg, "-") {
			engineAddress = arg
		}
	}

	host := &languageHost{runtime: runtime, engineAddress: engineAddress}
	host.cancelCtx, host.cancel = context.WithCancel(context.Background())
	// Live only as long as the engine: a killed `pulumi up` must not leave this host (or what it runs) behind.
	if engineAddress != "" {
		if err := rpcutil.Healthcheck(host.cancelCtx, engineAddress, time.Second, func() {
			host.cancel()
			os.Exit(1)
		}); err != nil {
			cmdutil.Exit(fmt.Errorf("could not watch the engine at %s: %w", engineAddress, err))
		}
	}
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
	})
	if err != nil {
		cmdutil.Exit(fmt.Errorf("could not start language host RPC server: %w", err))
	}
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		cmdutil.Exit(fmt.Errorf("language host RPC stopped serving: %w", err))
	}
}
