#!/usr/bin/env bash
# Resolution + install time of the project into a fresh virtualenv: pip against uv, for the
# runtime dependencies (`scripts/setup run`) and with the dev extra (`scripts/setup dev`), each
# with an empty cache (a newcomer's first run) and again with the cache that run filled.
# uv is installed from the package index into a temporary virtualenv of its own. Prints one line
# per measurement: installer, mode, cache, wall seconds, CPU seconds (user+sys of the children).
#
#   bench/bench_install.sh            # both installers, both modes
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$PY" -m venv "$work/uv-tool"
"$work/uv-tool/bin/python" -m pip install --quiet --disable-pip-version-check uv 2>/dev/null
UV="$work/uv-tool/bin/uv"
echo "pip $("$PY" -m pip --version | cut -d' ' -f2), uv $("$UV" --version | cut -d' ' -f2)"

measure() {  # installer mode cache-label
  local installer=$1 mode=$2 label=$3 venv="$work/venv" extras="" start end t0 t1
  [ "$mode" = dev ] && extras="[dev]"
  rm -rf "$venv" build ./*.egg-info
  "$PY" -m venv "$venv"
  t0=$(awk '{print $14 + $15 + $16 + $17}' /proc/$$/stat)
  start=$(date +%s.%N)
  if [ "$installer" = uv ]; then
    UV_CACHE_DIR="$work/uv-cache" "$UV" pip install --quiet --python "$venv/bin/python" \
      -e ".$extras" 2>/dev/null
  else
    PIP_CACHE_DIR="$work/pip-cache" "$venv/bin/python" -m pip install --quiet \
      --disable-pip-version-check -e ".$extras" 2>/dev/null
  fi
  end=$(date +%s.%N)
  t1=$(awk '{print $14 + $15 + $16 + $17}' /proc/$$/stat)
  printf '%-4s %-4s %-5s wall %6.1f s  cpu %6.1f s\n' "$installer" "$mode" "$label" \
    "$(echo "$end - $start" | bc)" "$(echo "($t1 - $t0) / $(getconf CLK_TCK)" | bc -l)"
}

for mode in run dev; do
  for installer in pip uv; do
    rm -rf "$work/pip-cache" "$work/uv-cache"
    measure "$installer" "$mode" cold
    measure "$installer" "$mode" warm
  done
done
rm -rf build ./*.egg-info
