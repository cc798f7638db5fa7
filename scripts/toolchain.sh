#!/usr/bin/env bash
# Makes the pinned Pulumi CLI and the language hosts available, building them from the Go module
# proxy into a cache outside the repository. A second run is a no-op.
#
# Prints, as its last line, the directory to put on PATH.
#
# Why language hosts are ours: the official pulumi-language-{nodejs,go,python} modules are untagged,
# and the module proxy reachable here serves only tagged versions (pseudo-versions are refused), so
# `toolchain/langhost` implements the LanguageRuntime protocol on top of the tagged pkg/v3 and sdk/v3
# modules (the same codegen the official hosts call). pulumi-language-yaml is the real pulumi-yaml.
set -euo pipefail

PULUMI_VERSION="${PULUMI_VERSION:-3.274.1}"
PULUMI_YAML_VERSION="${PULUMI_YAML_VERSION:-1.25.0}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${DELTASTREAM_TOOLCHAIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-deltastream}"
BIN="$CACHE/pulumi-v$PULUMI_VERSION/bin"
LANGHOST_HASH="$(cat "$ROOT"/toolchain/langhost/*.go "$ROOT"/toolchain/langhost/go.mod | sha256sum | cut -c1-16)"

log() { echo "toolchain: $*" >&2; }

build_cli() {
  if [ -x "$BIN/pulumi" ] && "$BIN/pulumi" version 2>/dev/null | grep -qx "v$PULUMI_VERSION"; then return; fi
  local ambient
  ambient="$(command -v pulumi || true)"
  if [ -n "$ambient" ] && [ "$("$ambient" version 2>/dev/null)" = "v$PULUMI_VERSION" ]; then
    log "using pulumi v$PULUMI_VERSION from PATH ($ambient)"
    mkdir -p "$BIN" && ln -sf "$ambient" "$BIN/pulumi"
    return
  fi
  local mod="$CACHE/build-cli"
  mkdir -p "$mod" "$BIN"
  cat >"$mod/go.mod" <<GOMOD
module pulumi-deltastream.local/cli-build

go 1.26

require (
	github.com/pulumi/pulumi/pkg/v3 v$PULUMI_VERSION
	github.com/pulumi/pulumi/sdk/v3 v$PULUMI_VERSION
)

replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e
GOMOD
  cat >"$mod/tools.go" <<'GO'
//go:build tools

package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
GO
  log "resolving pulumi v$PULUMI_VERSION modules (first run downloads ~1 GB)"
  (cd "$mod" && go mod tidy)
  log "building pulumi v$PULUMI_VERSION (10-25 minutes from cold on 2 cores)"
  (cd "$mod" && CGO_ENABLED=0 go build -trimpath -tags osusergo,grpcnotrace \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" \
    -o "$BIN/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
}

build_yaml() {
  if [ -x "$BIN/pulumi-language-yaml" ]; then return; fi
  local mod="$CACHE/build-yaml"
  mkdir -p "$mod"
  cat >"$mod/go.mod" <<GOMOD
module pulumi-deltastream.local/yaml-build

go 1.26

require github.com/pulumi/pulumi-yaml v$PULUMI_YAML_VERSION
GOMOD
  cat >"$mod/tools.go" <<'GO'
//go:build tools

package tools

import _ "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml"
GO
  log "building pulumi-language-yaml v$PULUMI_YAML_VERSION"
  (cd "$mod" && go mod tidy && CGO_ENABLED=0 go build -trimpath \
    -ldflags "-s -w -X github.com/pulumi/pulumi-yaml/pkg/version.Version=v$PULUMI_YAML_VERSION" \
    -o "$BIN/pulumi-language-yaml" github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml)
}

build_langhosts() {
  local stamp="$BIN/.langhost-$LANGHOST_HASH"
  if [ -f "$stamp" ]; then return; fi
  log "building language hosts (nodejs, go, python) from toolchain/langhost"
  (cd "$ROOT/toolchain/langhost" && CGO_ENABLED=0 go build -trimpath -o "$BIN/pulumi-langhost" .)
  for lang in nodejs go python; do ln -sf pulumi-langhost "$BIN/pulumi-language-$lang"; done
  # The python host's program runner ships inside the sdk/v3 module.
  local sdkdir
  sdkdir="$(cd "$ROOT/toolchain/langhost" && go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)"
  install -m 0755 "$sdkdir/python/cmd/pulumi-language-python-exec" "$BIN/pulumi-language-python-exec"
  rm -f "$BIN"/.langhost-* && touch "$stamp"
}

build_cli
build_langhosts
build_yaml
echo "$BIN"
