#!/usr/bin/env bash
# Sets up the autograder: a virtual environment with a pinned torch and this package.
#
#   ./setup.sh          grading only (what Gradescope's image build runs, as root, once)
#   ./setup.sh --dev    also the test tools, package installed editable (developers, CI)
#
# Environment:
#   AUTOGRADER_VENV           where the environment goes (default: .venv here, see below)
#   AUTOGRADER_TORCH          torch requirement (default torch==2.13.0, a CPU build)
#   AUTOGRADER_SANDBOX_USER   unprivileged user for student code when run as root (default student)
#   PYTHON                    interpreter to build the environment from
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DEV=0
for arg in "$@"; do
  case "$arg" in
    --dev) DEV=1 ;;
    *) echo "setup.sh: unknown option $arg (use --dev)" >&2; exit 2 ;;
  esac
done
TORCH_SPEC="${AUTOGRADER_TORCH:-torch==2.13.0}"
SANDBOX_USER="${AUTOGRADER_SANDBOX_USER:-student}"
IS_ROOT=0; [ "$(id -u)" = 0 ] && IS_ROOT=1

say() { printf '[setup] %s\n' "$*"; }

# A directory is reachable by the sandbox user when it and every parent let others traverse it.
reachable_by_others() {
  local dir="$1"
  while [ "$dir" != "/" ]; do
    [ "$(( 0$(stat -c %a "$dir") & 1 ))" = 1 ] || return 1
    dir="$(dirname "$dir")"
  done
}

# Student code runs as an unprivileged user, and it needs the interpreter and torch. A private
# checkout (say under /root) or a private interpreter (pyenv under /root) would lock it out, so
# as root we build from the system interpreter and keep the environment where others can reach it.
if [ -z "${PYTHON:-}" ]; then
  PYTHON=python3
  if [ "$IS_ROOT" = 1 ] && [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; fi
fi
if [ -z "${AUTOGRADER_VENV:-}" ]; then
  AUTOGRADER_VENV="$ROOT/.venv"
  if [ "$IS_ROOT" = 1 ] && ! reachable_by_others "$ROOT"; then
    AUTOGRADER_VENV="/opt/autograder/venv-$(printf '%s' "$ROOT" | md5sum | cut -c1-12)"
  fi
fi
VENV="$AUTOGRADER_VENV"

"$PYTHON" - <<'EOF' || { echo "setup.sh: Python 3.10 or newer is needed ($PYTHON)" >&2; exit 1; }
import sys
sys.exit(0 if sys.version_info >= (3, 10) else 1)
EOF

if [ ! -x "$VENV/bin/python" ]; then
  say "creating $VENV from $("$PYTHON" --version)"
  mkdir -p "$(dirname "$VENV")"
  if ! "$PYTHON" -m venv "$VENV" 2>/dev/null; then
    if [ "$IS_ROOT" = 1 ] && command -v apt-get >/dev/null; then
      # Gradescope's Ubuntu image ships python3 without the venv module.
      apt-get install -y -q python3-venv python3-pip >/dev/null
      "$PYTHON" -m venv "$VENV"
    else
      echo "setup.sh: '$PYTHON -m venv' failed; install your distribution's python3-venv" >&2
      exit 1
    fi
  fi
fi
if [ "$VENV" != "$ROOT/.venv" ]; then
  ln -sfn "$VENV" "$ROOT/.venv"
fi

PIP=("$VENV/bin/python" -m pip install --quiet --disable-pip-version-check)
if ! "$VENV/bin/python" -c "import torch" 2>/dev/null; then
  say "installing $TORCH_SPEC"
  "${PIP[@]}" "$TORCH_SPEC"
fi
if [ "$DEV" = 1 ]; then
  say "installing the autograder (editable) and test tools"
  "${PIP[@]}" -e "$ROOT[dev]"
else
  say "installing the autograder"
  "${PIP[@]}" "$ROOT"
fi

if [ "$IS_ROOT" = 1 ]; then
  # One account per task running at once (regrade workers, mutation testing): the grader kills
  # every process of a task's account when the task ends, so two tasks never share one.
  for name in "$SANDBOX_USER" "$SANDBOX_USER"-{1..7}; do
    if ! id -u "$name" >/dev/null 2>&1; then
      say "creating sandbox user $name (no home, no login)"
      useradd --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$name"
    fi
  done
  # Secrets stay unreadable to the sandbox user (the grader re-applies this at every run).
  for secret in "$ROOT/rubrics" "$ROOT/reference"; do
    [ -e "$secret" ] && chmod -R o-rwx "$secret"
  done
  if ! runuser -u "$SANDBOX_USER" -- "$VENV/bin/python" -c "import torch, numpy" 2>/dev/null; then
    echo "setup.sh: the sandbox user '$SANDBOX_USER' cannot run $VENV/bin/python with torch;" \
         "make $VENV and its interpreter readable by others" >&2
    exit 1
  fi
fi
say "ready: $VENV/bin/autograder"
