#!/usr/bin/env bash
# Regenerates the Python client in openapi/client/ from openapi/openapi.json.
#
#   scripts/gen-client.sh            # rewrite openapi/client/
#   scripts/gen-client.sh DIR        # generate into DIR instead (the test compares the two)
#   GEN_CLIENT_INSTALL_ONLY=1 scripts/gen-client.sh   # just make sure the generator is there
#
# The generator runs from its own venv (.venv/tools/openapi-gen) because openapi-python-client
# pins typer<0.28 while the project pins a newer one. It is installed once from the package
# index with the pins below; generating needs no network after that. Ruff is pinned to the
# project's version because it formats the output: another version would change the files.
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=${1:-openapi/client}
SPEC=openapi/openapi.json
GEN_VENV=$(realpath -m "${GEN_VENV:-.venv/tools/openapi-gen}")
PINS=(openapi-python-client==0.29.1 ruff==0.17.6 Jinja2==3.1.6 typer==0.27.3 ruamel.yaml==0.19.1
      attrs==26.1.0 pydantic==2.14.4)
STAMP="$GEN_VENV/.pins"

if [ ! -x "$GEN_VENV/bin/openapi-python-client" ] || [ "$(cat "$STAMP" 2>/dev/null)" != "${PINS[*]}" ]; then
  echo "==> installing openapi-python-client into $GEN_VENV" >&2
  python3 -m venv "$GEN_VENV"
  "$GEN_VENV/bin/pip" install -q --disable-pip-version-check "${PINS[@]}"
  echo "${PINS[*]}" >"$STAMP"
fi
[ "${GEN_CLIENT_INSTALL_ONLY:-0}" = 1 ] && exit 0

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/config.yaml" <<'YAML'
project_name_override: provisioner-client
package_name_override: provisioner_client
post_hooks:
  - "ruff check . --fix-only --extend-select=I --no-cache"
  - "ruff format . --no-cache"
YAML
# Generate beside, then swap: a failed run leaves the committed client untouched, and ruff
# sees only the generated project's own configuration.
PATH="$GEN_VENV/bin:$PATH" "$GEN_VENV/bin/openapi-python-client" generate \
  --path "$SPEC" --output-path "$work/client" --config "$work/config.yaml" --meta pdm \
  --overwrite >"$work/log" 2>&1 || { cat "$work/log" >&2; exit 1; }
rm -rf "$OUT"
mkdir -p "$(dirname "$OUT")"
mv "$work/client" "$OUT"
echo "generated $OUT from $SPEC" >&2
