# Sourced by the command-line test scripts: a scratch directory, pass/fail counting, and
# `expect NAME STATUS NEEDLE -- command...`, which checks a command's exit status, a substring of
# its output (stdout or stderr; empty NEEDLE: none), and that no sanitizer reported anything.
# The caller ends with: echo "$failures failures"; [ "$failures" -eq 0 ]
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
pass() { echo "ok   $1"; }
fail() { echo "FAIL $1"; failures=$((failures + 1)); }

expect() {
  name=$1 status=$2 needle=$3
  shift 4
  "$@" >"$tmp/out" 2>"$tmp/err"
  got=$?
  if [ "$got" -ne "$status" ]; then
    fail "$name: exit $got, expected $status: $(cat "$tmp/err")"
  elif [ -n "$needle" ] && ! grep -qF -- "$needle" "$tmp/err" "$tmp/out"; then
    fail "$name: output lacks '$needle': $(cat "$tmp/err")"
  elif grep -q "AddressSanitizer\|runtime error" "$tmp/err"; then
    fail "$name: sanitizer report: $(cat "$tmp/err")"
  else
    pass "$name"
  fi
}
