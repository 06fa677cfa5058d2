# Shared by the CI scripts: start_paymock ADDRESS ARGS... starts the debug binary on ADDRESS
# and returns once it logs that it is listening (30 seconds at most). It sets $server (the
# PID) and $work (a scratch directory, holding server.log), and stops both on exit.
start_paymock() {
  local address=$1
  shift
  work=$(mktemp -d)
  mkfifo "$work/log"
  "${CARGO_TARGET_DIR:-target}/debug/paymock" --listen "$address" "$@" >"$work/log" 2>&1 &
  server=$!
  trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
  exec 3<"$work/log"
  local line ready=no
  while IFS= read -r -t 30 line <&3; do
    printf '%s\n' "$line" >>"$work/server.log"
    if [[ $line == *"listening on http://$address"* ]]; then ready=yes; break; fi
  done
  if [ "$ready" != yes ]; then
    echo "paymock did not start listening on $address" >&2
    cat "$work/server.log" >&2
    exit 1
  fi
  # Keep draining the log so the server never blocks on it.
  cat <&3 >>"$work/server.log" &
}
