#!/usr/bin/env bash
# Sets up the autograder: a virtual environment with a pinned torch, this package and the
# course's packages (assignment.packages of rubrics/*.yaml: what student code may import).
#
#   ./setup.sh              grading only (what Gradescope's image build runs, as root, once)
#   ./setup.sh --dev        also the test tools, package installed editable (developers, CI)
#   ./setup.sh --torch-plan print where torch would come from, and why; install nothing
#
# Environment:
#   AUTOGRADER_VENV           where the environment goes (default: .venv here, see below)
#   AUTOGRADER_TORCH          torch requirement (default torch==2.13.0)
#   AUTOGRADER_TORCH_INDEX    the package index torch comes from: a URL, or "default" for pip's
#                             own; unset: PyTorch's CPU-only index where there is no NVIDIA GPU
#                             (a ~200 MB download instead of several GB of CUDA packages), pip's
#                             default index where there is one (the CUDA build); either
#                             falls back to pip's default index when it cannot be reached
#   AUTOGRADER_TORCH_CPU_INDEX  where PyTorch's CPU-only index is (a mirror, or a test's)
#   AUTOGRADER_COURSE         a course folder elsewhere: its rubrics' packages are installed too
#   AUTOGRADER_SANDBOX_USER   unprivileged user for student code when run as root (default student)
#   PYTHON                    interpreter to build the environment from
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DEV=0
PLAN_ONLY=0
for arg in "$@"; do
  case "$arg" in
    --dev) DEV=1 ;;
    --torch-plan) PLAN_ONLY=1 ;;
    *) echo "setup.sh: unknown option $arg (use --dev or --torch-plan)" >&2; exit 2 ;;
  esac
done
TORCH_SPEC="${AUTOGRADER_TORCH:-torch==2.13.0}"
CPU_INDEX="${AUTOGRADER_TORCH_CPU_INDEX:-https://download.pytorch.org/whl/cpu}"
SANDBOX_USER="${AUTOGRADER_SANDBOX_USER:-student}"
IS_ROOT=0; [ "$(id -u)" = 0 ] && IS_ROOT=1

say() { printf '[setup] %s\n' "$*"; }

has_nvidia_gpu() {
  [ -e /proc/driver/nvidia/version ] && return 0
  command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1
}

# Whether a package index answers at all, within seconds: no DNS, a closed port or a firewall
# must not cost pip's minutes of retries.
index_reachable() {
  "${PROBE_PYTHON:-python3}" -c '
import sys, urllib.request
urllib.request.urlopen(sys.argv[1].rstrip("/") + "/", timeout=5).close()
' "$1" >/dev/null 2>&1
}

# One line: INDEX, a tab, why. INDEX is a URL, or "default" for pip's own index.
torch_plan() {
  local wanted="${AUTOGRADER_TORCH_INDEX:-}" why
  if [ -n "$wanted" ]; then
    why="AUTOGRADER_TORCH_INDEX"
  elif has_nvidia_gpu; then
    wanted=default; why="an NVIDIA GPU is present: the CUDA build"
  else
    wanted="$CPU_INDEX"; why="no NVIDIA GPU: the CPU-only build"
  fi
  if [ "$wanted" != default ] && ! index_reachable "$wanted"; then
    printf 'default\t%s, but %s cannot be reached: falling back to the default index\n' "$why" "$wanted"
    return
  fi
  printf '%s\t%s\n' "$wanted" "$why"
}

install_torch() {
  local plan index why
  plan="$(torch_plan)"; index="${plan%%$'\t'*}"; why="${plan#*$'\t'}"
  if [ "$index" = default ]; then
    say "installing $TORCH_SPEC from the default index ($why)"
    "${PIP[@]}" "$TORCH_SPEC"
  else
    say "installing $TORCH_SPEC from $index ($why)"
    "${PIP[@]}" --index-url "$index" "$TORCH_SPEC" || {
      say "that failed: installing $TORCH_SPEC from the default index"
      "${PIP[@]}" "$TORCH_SPEC"
    }
  fi
}

# The course's packages: every rubrics/*.yaml's assignment.packages, one requirement a line
# (the checkout's rubrics, the Gradescope zip's one rubric, the student bundle's public one, and
# those of $AUTOGRADER_COURSE, a course folder kept elsewhere).
# Read with the environment's PyYAML, installed with the autograder, not with the package.
course_requirements() {
  local rubrics=("$ROOT"/rubrics/*.yaml)
  [ -n "${AUTOGRADER_COURSE:-}" ] && rubrics+=("$AUTOGRADER_COURSE"/rubrics/*.yaml)
  "$VENV/bin/python" - "${rubrics[@]}" <<'EOF'
import os, sys, yaml
wanted = []
for path in sys.argv[1:]:
    if not os.path.exists(path):
        continue  # a folder without rubrics: the pattern itself
    try:
        with open(path, encoding="utf-8") as file:
            data = yaml.safe_load(file)
    except (OSError, yaml.YAMLError) as error:
        sys.exit(f"setup.sh: cannot read the packages of {path}: {error}")
    assignment = data.get("assignment") if isinstance(data, dict) else None
    listed = assignment.get("packages") if isinstance(assignment, dict) else None
    for requirement in listed or []:
        if str(requirement).strip() not in wanted:
            wanted.append(str(requirement).strip())
print("\n".join(wanted))
EOF
}

# Installs them with torch held at the installed build (a constraints file), so that no course
# package can pull in another torch (a CUDA build, another version) over the pinned one.
install_course_packages() {
  local requirements constraints status=0
  mapfile -t requirements < <(course_requirements)
  [ "${#requirements[@]}" -gt 0 ] && [ -n "${requirements[0]}" ] || return 0
  constraints="$(mktemp)"
  "$VENV/bin/python" -c 'import torch; print(f"torch=={torch.__version__}")' > "$constraints"
  say "installing the course's packages: ${requirements[*]} (keeping $(cat "$constraints"))"
  "${PIP[@]}" --constraint "$constraints" "${requirements[@]}" || status=$?
  rm -f "$constraints"
  return "$status"
}

if [ "$PLAN_ONLY" = 1 ]; then
  plan="$(torch_plan)"
  index="${plan%%$'\t'*}"; [ "$index" = default ] && index="the default index"
  printf 'torch: %s from %s (%s)\n' "$TORCH_SPEC" "$index" "${plan#*$'\t'}"
  exit 0
fi

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
  PROBE_PYTHON="$VENV/bin/python" install_torch
fi
if [ "$DEV" = 1 ]; then
  say "installing the autograder (editable) and test tools"
  "${PIP[@]}" -e "$ROOT[dev]"
else
  say "installing the autograder"
  "${PIP[@]}" "$ROOT"
fi
install_course_packages
# matplotlib's font list, made once here rather than in every sandboxed task (fonts.py).
"$VENV/bin/python" -c 'from autograder.sandbox.fonts import build; build()' || true

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
  # Under the account's lease, as a sandbox takes it: a grading run on this machine sweeps an
  # account's processes after each task, which would kill a check run beside it.
  if ! AUTOGRADER_SANDBOX_USER="$SANDBOX_USER" "$VENV/bin/python" -c \
      'import sys; from autograder.sandbox.identity import check_account; sys.exit(check_account(sys.argv[1]))' \
      "$VENV/bin/python"; then
    echo "setup.sh: the sandbox cannot run student code (see above)" >&2
    exit 1
  fi
elif [ "$DEV" = 0 ]; then
  # A student's machine: put the command where the shell finds it, so that the line in the
  # template (autograder check NAME .) works from the assignment's folder.
  case ":$PATH:" in
    *":$HOME/.local/bin:"*)
      mkdir -p "$HOME/.local/bin"
      ln -sfn "$VENV/bin/autograder" "$HOME/.local/bin/autograder"
      say "linked $HOME/.local/bin/autograder: run 'autograder check NAME .' in your folder" ;;
    *)
      say "to run 'autograder' by name: source $VENV/bin/activate (or use $VENV/bin/autograder)" ;;
  esac
fi
say "ready: $VENV/bin/autograder"
