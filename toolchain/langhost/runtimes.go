package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	nodejsgen "github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/pcl"
	pythongen "github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// runArgs are the flags the Node.js and Python SDK runners accept, in their spelling.
func runArgs(req *pulumirpc.RunRequest, engineAddress string, sep string) []string {
	var args []string
	add := func(name, value string) {
		if value != "" {
			args = append(args, "--"+strings.ReplaceAll(name, "-", sep), value)
		}
	}
	add("monitor", req.GetMonitorAddress())
	add("engine", engineAddress)
	add("organization", req.GetOrganization())
	add("project", req.GetProject())
	add("root-directory", req.GetInfo().GetRootDirectory())
	add("stack", req.GetStack())
	add("pwd", req.GetInfo().GetProgramDirectory())
	add("parallel", strconv.Itoa(int(req.GetParallel())))
	return args
}

type nodejsRuntime struct{}

// command runs `node <@pulumi/pulumi/cmd/run> ... <entry point>`, resolving the SDK from the
// program's own node_modules as the official host does.
func (nodejsRuntime) command(ctx context.Context, req *pulumirpc.RunRequest, engine string) (*exec.Cmd, error) {
	dir := req.GetInfo().GetProgramDirectory()
	resolve := exec.CommandContext(ctx, "node", "-e", "console.log(require.resolve('@pulumi/pulumi/cmd/run'))")
	resolve.Dir = dir
	out, err := resolve.Output()
	if err != nil {
		return nil, fmt.Errorf("@pulumi/pulumi is not installed in %s: run npm install there", dir)
	}
	args := append([]string{strings.TrimSpace(string(out))}, runArgs(req, engine, "-")...)
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	args = append(args, req.GetInfo().GetEntryPoint())
	args = append(args, req.GetArgs()...)
	cmd := exec.CommandContext(ctx, "node", args...)
	cmd.Dir = req.GetPwd()
	typescript := true
	if value, ok := req.GetInfo().GetOptions().AsMap()["typescript"].(bool); ok {
		typescript = value
	}
	cmd.Env = append(os.Environ(), "PULUMI_NODEJS_TYPESCRIPT="+strconv.FormatBool(typescript))
	return cmd, nil
}

func (nodejsRuntime) generate(
	pkg *schema.Package, req *pulumirpc.GeneratePackageRequest, loader schema.ReferenceLoader,
) (map[string][]byte, error) {
	return nodejsgen.GeneratePackage("pulumi-language-nodejs", pkg, req.ExtraFiles, req.LocalDependencies, req.Local, loader)
}

func (nodejsRuntime) program(p *pcl.Program) (map[string][]byte, hcl.Diagnostics, error) {
	return nodejsgen.GenerateProgram(p)
}

type goRuntime struct{}

// command compiles the program with `go build` and runs the binary with the engine's settings in
// the environment, the interface every Go Pulumi program reads.
func (goRuntime) command(ctx context.Context, req *pulumirpc.RunRequest, engine string) (*exec.Cmd, error) {
	dir := req.GetInfo().GetProgramDirectory()
	out, err := os.CreateTemp("", "pulumi-go.*")
	if err != nil {
		return nil, err
	}
	_ = out.Close()
	build := exec.CommandContext(ctx, "go", "build", "-buildvcs=false", "-o", out.Name(), ".")
	build.Dir = dir
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return nil, fmt.Errorf("go build in %s failed: %w", dir, err)
	}
	cmd := exec.CommandContext(ctx, out.Name())
	cmd.Dir = req.GetPwd()
	env := os.Environ()
	set := func(name, value string) {
		if value != "" {
			env = append(env, name+"="+value)
		}
	}
	set("PULUMI_ORGANIZATION", req.GetOrganization())
	set("PULUMI_PROJECT", req.GetProject())
	set("PULUMI_ROOT_DIRECTORY", req.GetInfo().GetRootDirectory())
	set("PULUMI_STACK", req.GetStack())
	set("PULUMI_DRY_RUN", strconv.FormatBool(req.GetDryRun()))
	set("PULUMI_PARALLEL", strconv.Itoa(int(req.GetParallel())))
	set("PULUMI_MONITOR", req.GetMonitorAddress())
	set("PULUMI_ENGINE", engine)
	cmd.Env = env
	return cmd, nil
}

func (goRuntime) generate(
	pkg *schema.Package, req *pulumirpc.GeneratePackageRequest, _ schema.ReferenceLoader,
) (map[string][]byte, error) {
	if len(req.ExtraFiles) > 0 {
		return nil, errors.New("extra files are not supported for Go")
	}
	files, err := gogen.GeneratePackage("pulumi-language-go", pkg, req.LocalDependencies)
	if err != nil || !req.Local {
		return files, err
	}
	// A local SDK (`pulumi package add`) is its own module, so that a program can replace it by path.
	if _, ok := files["go.mod"]; !ok {
		if err := pkg.ImportLanguages(map[string]schema.Language{"go": gogen.Importer}); err != nil {
			return nil, err
		}
		info, _ := pkg.Language["go"].(gogen.GoPackageInfo)
		module := strings.TrimSuffix(info.ImportBasePath, "/"+pkg.Name)
		if module == "" || module == info.ImportBasePath {
			return nil, fmt.Errorf("schema language.go.importBasePath must end in /%s", pkg.Name)
		}
		files["go.mod"] = []byte(fmt.Sprintf("module %s\n\ngo 1.22\n\nrequire github.com/pulumi/pulumi/sdk/v3 v%s\n",
			module, version))
	}
	return files, nil
}

func (goRuntime) program(p *pcl.Program) (map[string][]byte, hcl.Diagnostics, error) {
	return gogen.GenerateProgram(p)
}

type pythonRuntime struct{}

// command runs the SDK's pulumi-language-python-exec (installed beside this binary) with the
// program's virtualenv interpreter when Pulumi.yaml names one, else python3.
func (pythonRuntime) command(ctx context.Context, req *pulumirpc.RunRequest, engine string) (*exec.Cmd, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	runner := filepath.Join(filepath.Dir(self), "pulumi-language-python-exec")
	python := "python3"
	if venv, ok := req.GetInfo().GetOptions().AsMap()["virtualenv"].(string); ok && venv != "" {
		if !filepath.IsAbs(venv) {
			venv = filepath.Join(req.GetInfo().GetRootDirectory(), venv)
		}
		python = filepath.Join(venv, "bin", "python")
	}
	args := append([]string{"-u", runner}, runArgs(req, engine, "_")...)
	args = append(args, "--dry_run", strconv.FormatBool(req.GetDryRun()), req.GetInfo().GetEntryPoint())
	args = append(args, req.GetArgs()...)
	cmd := exec.CommandContext(ctx, python, args...)
	cmd.Dir = req.GetPwd()
	return cmd, nil
}

func (pythonRuntime) generate(
	pkg *schema.Package, req *pulumirpc.GeneratePackageRequest, loader schema.ReferenceLoader,
) (map[string][]byte, error) {
	return pythongen.GeneratePackage("pulumi-language-python", pkg, req.ExtraFiles, loader)
}

func (pythonRuntime) program(p *pcl.Program) (map[string][]byte, hcl.Diagnostics, error) {
	return pythongen.GenerateProgram(p)
}
