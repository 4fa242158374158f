#!/usr/bin/env bash
# The wheel outside the checkout (part of `make test`): build the sdist and the wheel from a copy of the sources,
# install the wheel into a fresh virtual environment in a temporary folder, and run scripts/wheel_smoke.py there
# with examples/host_app.py beside it (the only two files copied): the installed package serves a lesson, a quiz,
# a certificate PDF with the prefixed verification URL and the LRS over HTTP on 127.0.0.1.
# Dependencies come from pip's cache (no network once they are cached). Keep the folder with KEEP=1.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
PYTHON=${PYTHON:-$repo/.venv/bin/python}
work=$(mktemp -d /tmp/lms-wheel.XXXXXX)
cleanup() { if [ "${KEEP:-0}" = 1 ]; then echo "kept $work" >&2; else rm -rf "$work"; fi; }
trap cleanup EXIT
start=$SECONDS

echo "== wheel: build from a copy of the sources (translations compiled by the build)"
mkdir -p "$work/src"
tar -C "$repo" --exclude=__pycache__ --exclude='*.pyc' --exclude='*.mo' -cf - pyproject.toml setup.py README.md lms \
  | tar -C "$work/src" -xf -
"$PYTHON" -m build --wheel --no-isolation --outdir "$work/dist" "$work/src" >"$work/build.log" 2>&1 \
  || { tail -40 "$work/build.log"; exit 1; }
wheel=$(ls "$work"/dist/*.whl)
echo "built $(basename "$wheel") ($((SECONDS - start)) s)"

echo "== wheel: install into a fresh virtual environment"
"$PYTHON" -m venv "$work/venv"
# Dependency wheels are kept between runs beside the project's venv, so a run installs offline; when a dependency
# is new or missing, pip fetches the wheels once more (from its cache where it can) and the install is repeated.
house=${LMS_WHEELHOUSE:-$("$PYTHON" -c 'import sys; print(sys.prefix)')/wheelhouse}
pip=("$work/venv/bin/pip" --disable-pip-version-check)
if ! "${pip[@]}" install -qq --no-compile --no-index --find-links "$house" "$wheel" 2>/dev/null; then
  "${pip[@]}" wheel -qq --wheel-dir "$house" "$wheel"
  rm -f "$house"/social_media_lms-*.whl
  "${pip[@]}" install -qq --no-compile --no-index --find-links "$house" "$wheel"
fi
echo "installed ($((SECONDS - start)) s)"

echo "== wheel: smoke test over HTTP from $work/host (no access to the checkout)"
mkdir -p "$work/host"
cp "$repo/examples/host_app.py" "$repo/scripts/wheel_smoke.py" "$work/host/"
cd "$work/host"
# A clean environment: no PYTHONPATH, FLASK_APP or LMS_* settings of the caller lead back to the checkout.
env -i PATH="$PATH" HOME="$work" LANG=C.UTF-8 TMPDIR="${TMPDIR:-/tmp}" "$work/venv/bin/python" -u wheel_smoke.py
echo "== wheel smoke test done ($((SECONDS - start)) s)"
