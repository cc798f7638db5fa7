# Sourced by scripts that need `deltastream-provider local` in the background:
#   start_local_server COMMAND LOG   sets SERVER (its pid) and URL once the server listens, reading its
#                                    output as it comes (no polling); everything it prints goes to LOG.
start_local_server() {
  local command="$1" log="$2" line
  exec 3< <(exec "$command" local --in-memory --port "${LOCAL_PORT:-0}" 2>&1)
  SERVER=$!
  URL=""
  while IFS= read -r -t 120 line <&3; do
    echo "$line" >>"$log"
    case "$line" in
      "export DELTASTREAM_SERVER="*) URL="${line#export DELTASTREAM_SERVER=}" ;;
      "export DELTASTREAM_API_KEY="*) break ;;
    esac
  done
  [ -n "$URL" ] || { cat "$log" >&2; echo "the local server did not start" >&2; return 1; }
  cat <&3 >>"$log" &  # keep draining what it prints later
}
