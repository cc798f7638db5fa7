package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/pulumi/pulumi/sdk/v3/python/toolchain"
)

// pluginToolchain is how a Python plugin directory is run and installed: pip with a `venv` folder
// inside the plugin (or the folder that PulumiPlugin.yaml's `virtualenv` option names), as the
// official Python host does for plugins.
func pluginToolchain(info *pulumirpc.ProgramInfo) (toolchain.Toolchain, error) {
	virtualenv := "venv"
	if value, ok := info.GetOptions().AsMap()["virtualenv"].(string); ok && value != "" {
		virtualenv = value
	}
	root := info.GetRootDirectory()
	if root == "" {
		root = info.GetProgramDirectory()
	}
	return toolchain.ResolveToolchain(toolchain.PythonOptions{
		Root: root, ProgramDir: info.GetProgramDirectory(), Virtualenv: virtualenv, Toolchain: toolchain.Pip,
	})
}

// RunPlugin starts a plugin written in Python (a directory with PulumiPlugin.yaml and __main__.py)
// with its own virtualenv's interpreter, streaming its output so that the engine reads the port.
func (h *languageHost) RunPlugin(req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer) error {
	if _, ok := h.runtime.(pythonRuntime); !ok {
		return fmt.Errorf("plugins are supported for Python only, not %T", h.runtime)
	}
	tc, err := pluginToolchain(req.GetInfo())
	if err != nil {
		return err
	}
	if err := tc.ValidateVenv(server.Context()); err != nil {
		return fmt.Errorf("plugin %s has no virtualenv (install it with `pulumi plugin install` or `pulumi install`): %w",
			req.GetName(), err)
	}
	args := append([]string{req.GetInfo().GetProgramDirectory()}, req.GetArgs()...)
	cmd, err := tc.Command(server.Context(), args...)
	if err != nil {
		return err
	}
	closer, stdout, stderr, err := rpcutil.MakeRunPluginStreams(server, false)
	if err != nil {
		return err
	}
	defer closer.Close()
	cmd.Dir = req.GetPwd()
	cmd.Env = append(cmd.Env, req.GetEnv()...)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	err = cmd.Run()
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		return server.Send(&pulumirpc.RunPluginResponse{
			Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: int32(exitErr.ExitCode())},
		})
	}
	if err != nil {
		return err
	}
	return closer.Close()
}

// InstallDependencies creates a Python plugin's virtualenv and installs its requirements.txt into
// it. Programs' dependencies are installed by the project's scripts (npm, go, pip), so for a
// program this does nothing.
func (h *languageHost) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest, server pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	if _, ok := h.runtime.(pythonRuntime); !ok || !req.GetIsPlugin() {
		return nil
	}
	tc, err := pluginToolchain(req.GetInfo())
	if err != nil {
		return err
	}
	closer, stdout, stderr, err := rpcutil.MakeInstallDependenciesStreams(server, req.GetIsTerminal())
	if err != nil {
		return err
	}
	defer closer.Close()
	if err := tc.InstallDependencies(server.Context(), req.GetInfo().GetProgramDirectory(), false, true,
		stdout, stderr); err != nil {
		return err
	}
	return closer.Close()
}

// Link makes locally generated SDKs (`pulumi package add`) dependencies of the program: npm
// installs the Node.js SDK's folder; Go gets a require and a replace directive for the SDK module.
func (h *languageHost) Link(ctx context.Context, req *pulumirpc.LinkRequest) (*pulumirpc.LinkResponse, error) {
	dir := req.GetInfo().GetProgramDirectory()
	var imports []string
	for _, dep := range req.GetPackages() {
		line, err := h.runtime.link(ctx, dir, dep)
		if err != nil {
			return nil, fmt.Errorf("linking %s into %s: %w", dep.GetPackage().GetName(), dir, err)
		}
		imports = append(imports, line)
	}
	return &pulumirpc.LinkResponse{
		ImportInstructions: "You can use the SDK in your program with:\n\n  " + strings.Join(imports, "\n  ") + "\n",
	}, nil
}

// run executes a tool in dir, returning its combined output in the error.
func run(ctx context.Context, dir string, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, out)
	}
	return nil
}

func (nodejsRuntime) link(ctx context.Context, dir string, dep *pulumirpc.LinkRequest_LinkDependency) (string, error) {
	path, err := filepath.Abs(dep.GetPath())
	if err != nil {
		return "", err
	}
	if err := run(ctx, dir, "npm", "install", "--no-audit", "--no-fund", "--loglevel=error", path); err != nil {
		return "", err
	}
	name, err := packageJSONName(path)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("import * as %s from %q;", dep.GetPackage().GetName(), name), nil
}

func (goRuntime) link(ctx context.Context, dir string, dep *pulumirpc.LinkRequest_LinkDependency) (string, error) {
	path, err := filepath.Abs(dep.GetPath())
	if err != nil {
		return "", err
	}
	module, err := goModulePath(path)
	if err != nil {
		return "", err
	}
	if err := run(ctx, dir, "go", "mod", "edit", "-require="+module+"@v0.0.0", "-replace="+module+"="+path); err != nil {
		return "", err
	}
	if err := run(ctx, dir, "go", "mod", "tidy"); err != nil {
		return "", err
	}
	return fmt.Sprintf("import %q", module+"/"+dep.GetPackage().GetName()), nil
}

func (pythonRuntime) link(context.Context, string, *pulumirpc.LinkRequest_LinkDependency) (string, error) {
	return "", errors.New("linking SDKs into Python programs is not supported by this language host")
}

// goModulePath reads the module line of dir/go.mod.
func goModulePath(dir string) (string, error) {
	data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "module "); ok {
			return strings.TrimSpace(rest), nil
		}
	}
	return "", fmt.Errorf("%s/go.mod has no module line", dir)
}

// packageJSONName reads the name field of dir/package.json.
func packageJSONName(dir string) (string, error) {
	data, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if err != nil {
		return "", err
	}
	var manifest struct {
		Name string `json:"name"`
	}
	if err := json.Unmarshal(data, &manifest); err != nil {
		return "", err
	}
	return manifest.Name, nil
}
