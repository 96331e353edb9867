#!/usr/bin/env bash
# Runs the scoring-kernel benchmarks (bench/kernels_bench.cc) once, with repetitions, and prints a
# table of medians: time, items/s, GB/s, fraction of the read bandwidth measured in the same run
# (bw_frac: against the 512 MB streaming read at the start; paired: against streaming reads made
# between the method's own iterations, for data >= 64 MB; the fairer figure on a shared machine),
# and each method's speed-up over Eigen GEMV + heap top-k for the same N and d.
#
#   bench/run_kernels.sh                      # build/bin/chatrec-bench-kernels, 5 repetitions
#   BIN=/path/to/chatrec-bench-kernels REPS=3 bench/run_kernels.sh --benchmark_filter='d:64'
#
# Extra arguments go to the benchmark binary. The raw JSON is kept in $OUT.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
BIN="${BIN:-$here/../build/bin/chatrec-bench-kernels}"
REPS="${REPS:-5}"
OUT="${OUT:-${TMPDIR:-/tmp}/chatrec_kernels_bench.json}"

"$BIN" --benchmark_repetitions="$REPS" --benchmark_report_aggregates_only=true \
  --benchmark_out="$OUT" --benchmark_out_format=json "$@" >&2

python3 - "$OUT" <<'PY'
import json, sys

data = json.load(open(sys.argv[1]))
ctx = data["context"]
med = {}
for b in data["benchmarks"]:
    if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
        continue
    name = b["run_name"].replace("/real_time", "")
    med[name] = b

bw = next((b["bytes_per_second"] for n, b in med.items() if n.startswith("read_bandwidth")), None)
print(f"host: {ctx.get('host_name')}  cpus: {ctx.get('num_cpus')}  kernel_isa: {ctx.get('kernel_isa')}"
      f"  eigen: {ctx.get('eigen_simd')}")
if bw:
    print(f"read bandwidth (median, 1 thread, 512 MB streaming sum): {bw / 1e9:.2f} GB/s")
print(f"{'method':<26}{'N':>9}{'d':>5}{'ms':>9}{'Mitems/s':>10}{'GB/s':>7}{'bw_frac':>8}"
      f"{'paired':>8}{'x eigen':>8}{'top100 same':>12}")
groups = {}
for name, b in med.items():
    parts = name.split("/")
    if len(parts) != 3:
        continue
    method, n, d = parts[0], int(parts[1][2:]), int(parts[2][2:])
    groups.setdefault((d, n), {})[method] = b
for (d, n) in sorted(groups):
    g = groups[(d, n)]
    eigen = g.get("eigen_gemv_heap")
    for method, b in g.items():
        ms = b["real_time"] / 1e3 if b["time_unit"] == "us" else b["real_time"]
        ratio = eigen["real_time"] / b["real_time"] if eigen else float("nan")
        frac = b["bytes_per_second"] / bw if bw else float("nan")
        same = b.get("top100_identical")
        paired = b.get("paired_bw_fraction")
        print(f"{method:<26}{n:>9}{d:>5}{ms:>9.3f}{b['items_per_second'] / 1e6:>10.1f}"
              f"{b['bytes_per_second'] / 1e9:>7.2f}{frac:>8.2f}"
              f"{'' if paired is None else f'{paired:.2f}':>8}{ratio:>8.2f}"
              f"{'' if same is None else f'{same:.3f}':>12}")
    print()
PY
