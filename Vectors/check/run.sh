#!/usr/bin/env bash
# Run the independent UEDM/1 vector checker.
#   Vectors/check/run.sh              check every *.json under Vectors/
#   Vectors/check/run.sh DIR          check every *.json under DIR
#   Vectors/check/run.sh --selftest   prove the checker passes good cases and fails bad ones
# The virtualenv (in .build/vectors-check-venv, outside Vectors/) is created on first use and rebuilt whenever
# requirements.txt changes. The exit status is the checker's.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# The venv lives in the package's build folder, outside Vectors/, so no runner ever walks into it.
venv="${UEDM_CHECK_VENV:-$here/../../.build/vectors-check-venv}"
requirements="$here/requirements.txt"
stamp="$venv/.requirements.sha256"

want="$(python3 -c 'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())' "$requirements")"
have=""
if [[ -f "$stamp" ]] && "$venv/bin/python" -c 'pass' 2>/dev/null; then
    have="$(cat "$stamp")"
fi
if [[ "$have" != "$want" ]]; then
    echo "run.sh: preparing $venv" >&2
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements" >&2
    echo "$want" >"$stamp"
fi

if (( $# == 0 )); then
    set -- "$(cd "$here/.." && pwd)"
fi
# -B: no __pycache__ beside the vectors
exec "$venv/bin/python" -B "$here/check.py" "$@"
