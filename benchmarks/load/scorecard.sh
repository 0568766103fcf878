#!/usr/bin/env bash
# The reliability scorecard: runs every fault and hostile-input test of the project and writes
# docs/RELIABILITY.md from their own reports, so that no figure in it is typed by hand.
#
# Which tests: the naming convention. A test class whose name ends in
#   FaultTest    injects a fault (a server killed, stalled or restarted, a connection cut, a pool
#                exhausted, a timeout that must fire) and checks what survives it;
#   HostileTest  feeds hostile input (injection, malformed framing, oversized or forged values,
#                inputs drawn to collide) and checks it is refused or harmless;
# in any module (core, db-pool, cache, async-web, examples, ...), run by surefire; integration
# tests run by failsafe follow the same rule with FaultIT / HostileIT. Nothing else to register:
# a new class named so is picked up by the next run.
#
# What goes in: every test case's result and time (surefire/failsafe XML), and the figures the
# tests measured, which they write with dev.bulwark.core.testing.Scorecard (core's test jar) to
# <module>/target/scorecard/<class>.tsv: kind, class, name, what was done, name=value figures.
# Totals of lost, duplicated, leaked, hung, wrong and collisions are summed from those figures.
#
#   benchmarks/load/scorecard.sh                       # whole reactor; needs PostgreSQL, Redis
#   MODULES=db-pool,cache benchmarks/load/scorecard.sh # only these modules (and what they need)
#   OUT=/tmp/r.md benchmarks/load/scorecard.sh          # write elsewhere
#   MVN_ARGS=-Dfuzz.tries=1000000 benchmarks/load/scorecard.sh   # the long fuzz profile (~10 min more)
#   ADAPTIVE=0 benchmarks/load/scorecard.sh             # without the adaptive-limit run
#
# Then, unless ADAPTIVE=0, it runs benchmarks/load/adaptive.sh (PHASE=10s: about 2 minutes, on
# the shop and benchmarks jars the Maven run just packaged) and adds its figures: the adaptive
# limit in each phase, the admitted p99 slow/healthy for the fixed and the adaptive pool, the p99
# of the 503s, recovery, and the verdict. They are load figures, so they depend on the machine;
# the section says where it ran. A failed adaptive run is reported in its section and does not
# fail the scorecard.
#
# Runs with -Dbulwark.requireServers=true: a test that would skip for a missing server fails
# instead, so the scorecard never counts a skipped fault as survived. Exits non-zero when a test
# failed or none ran. Uses `mvn verify` (never install).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="${OUT:-$ROOT/docs/RELIABILITY.md}"
MODULES="${MODULES:-}"
MVN="${MVN:-mvn}"

cd "$ROOT"
# Stale reports would count as this run's: remove the ones this script reads.
find . -path '*/target/scorecard' -type d -prune -exec rm -rf {} + 2>/dev/null || true
find . \( -path '*/target/surefire-reports/*' -o -path '*/target/failsafe-reports/*' \) \
  \( -name 'TEST-*FaultTest*.xml' -o -name 'TEST-*HostileTest*.xml' \
     -o -name 'TEST-*FaultIT*.xml' -o -name 'TEST-*HostileIT*.xml' \) -delete 2>/dev/null || true

args=(-B -q verify
  "-Dtest=*FaultTest,*HostileTest" -Dsurefire.failIfNoSpecifiedTests=false
  "-Dit.test=*FaultIT,*HostileIT" -Dfailsafe.failIfNoSpecifiedTests=false
  -Dbulwark.requireServers=true -Dmaven.test.failure.ignore=true)
if [[ -n "$MODULES" ]]; then
  args+=(-pl "$MODULES" -am)
fi
# Extra Maven arguments, split on spaces (system properties such as -Dfuzz.tries=1000000).
read -r -a extra <<<"${MVN_ARGS:-}"
args+=("${extra[@]}")
LOG="$(mktemp "${TMPDIR:-/tmp}/bulwark-scorecard.XXXXXX.log")"
echo "running: $MVN ${args[*]}  (log: $LOG)" >&2
set +e
"$MVN" "${args[@]}" >"$LOG" 2>&1
MVN_RC=$?
set -e

# The adaptive limit under a dependency turning 10x slower, from adaptive.sh's recorded figures.
# It times the jars the Maven run above packaged, so only after a build that succeeded.
ADAPTIVE_PROPS=""
if [[ "${ADAPTIVE:-1}" != 0 && "$MVN_RC" != 0 ]]; then
  echo "not running adaptive.sh: the Maven run failed (exit $MVN_RC), so its jars may be stale" >&2
  ADAPTIVE_PROPS="nobuild"
elif [[ "${ADAPTIVE:-1}" != 0 ]]; then
  ADAPTIVE_DIR="$(mktemp -d "${TMPDIR:-/tmp}/bulwark-scorecard-adaptive.XXXXXX")"
  trap 'rm -rf "$ADAPTIVE_DIR"' EXIT
  echo "running: PHASE=${ADAPTIVE_PHASE:-10s} benchmarks/load/adaptive.sh" >&2
  if PHASE="${ADAPTIVE_PHASE:-10s}" RESULTS_DIR="$ADAPTIVE_DIR" \
      "$ROOT/benchmarks/load/adaptive.sh" >"$ADAPTIVE_DIR/adaptive.log" 2>&1; then
    ADAPTIVE_PROPS="$ADAPTIVE_DIR/adaptive.properties"
  else
    echo "adaptive.sh failed; its output:" >&2
    cat "$ADAPTIVE_DIR/adaptive.log" >&2
    ADAPTIVE_PROPS="failed"
  fi
fi

COMMIT="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
JDK="$(java -version 2>&1 | head -1)"
CORES="$(nproc 2>/dev/null || echo '?')"

python3 - "$ROOT" "$OUT" "$COMMIT" "$JDK" "$CORES" "$MVN_RC" "$ADAPTIVE_PROPS" <<'PY'
import datetime, glob, os, re, sys
import xml.etree.ElementTree as ET

root, out, commit, jdk, cores, mvn_rc, adaptive_props = sys.argv[1:8]
CONVENTION = re.compile(r'(FaultTest|HostileTest|FaultIT|HostileIT)$')

# Test cases from surefire/failsafe XML, by class.
cases = []
for path in sorted(glob.glob(os.path.join(root, '*', 'target', '*-reports', 'TEST-*.xml'))):
    module = os.path.relpath(path, root).split(os.sep)[0]
    for tc in ET.parse(path).getroot().iter('testcase'):
        cls = tc.get('classname', '').split('.')[-1]
        if not CONVENTION.search(cls):
            continue
        status = 'passed'
        for tag in ('failure', 'error'):
            if tc.find(tag) is not None:
                status = 'FAILED'
        if tc.find('skipped') is not None:
            status = 'skipped'
        suffix = ' (jdk21+)' if 'jdk21plus' in os.path.basename(path) else ''
        cases.append((module, cls, tc.get('name') + suffix, status, float(tc.get('time', '0'))))

by_class = {}
for module, cls, name, status, t in cases:
    s = by_class.setdefault(cls, set())
    s.add(status)

def class_status(cls):
    s = by_class.get(cls)
    if not s:
        return 'no report'
    if 'FAILED' in s:
        return 'FAILED'
    if s == {'skipped'}:
        return 'skipped'
    return 'passed'

# Figures the tests wrote.
lines = []
for path in sorted(glob.glob(os.path.join(root, '*', 'target', 'scorecard', '*.tsv'))):
    module = os.path.relpath(path, root).split(os.sep)[0]
    with open(path, encoding='utf-8') as f:
        for raw in f:
            parts = raw.rstrip('\n').split('\t')
            if len(parts) != 5:
                continue
            kind, cls, name, what, figs = parts
            figures = dict(p.split('=', 1) for p in figs.split() if '=' in p)
            lines.append((module, kind, cls, name, what, figures))

def num(v):
    try:
        return float(v)
    except ValueError:
        return None

BAD = ('lost', 'duplicated', 'leaked', 'hung', 'wrong', 'collisions')
totals = {k: 0 for k in BAD}
for *_, figures in lines:
    for k in BAD:
        if k in figures and num(figures[k]) is not None:
            totals[k] += num(figures[k])
hostile_cases = sum(num(f.get('cases', '0')) or 0 for _, kind, *_, f in lines if kind == 'HOSTILE')
faults = [l for l in lines if l[1] == 'FAULT']
hostile = [l for l in lines if l[1] == 'HOSTILE']
passed = sum(1 for c in cases if c[3] == 'passed')
failed = sum(1 for c in cases if c[3] == 'FAILED')
skipped = sum(1 for c in cases if c[3] == 'skipped')
faults_survived = sum(1 for l in faults if class_status(l[2]) == 'passed')

def fmt(v):
    n = num(v)
    if n is not None and n == int(n) and abs(n) >= 1000:
        return f'{int(n):,}'
    if n is not None and n == int(n):
        return str(int(n))
    return v

def figs(f):
    return ', '.join(f'{k} {fmt(v)}' for k, v in f.items())

now = datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')
md = []
md.append('# Reliability scorecard')
md.append('')
md.append('Generated by `benchmarks/load/scorecard.sh` from the test reports of one run; do not edit '
          'by hand, rerun the script. Tests: every class named `*FaultTest` or `*HostileTest` '
          '(failsafe: `*FaultIT`, `*HostileIT`) in any module, run with '
          '`-Dbulwark.requireServers=true`; figures: what those tests measured and wrote with '
          '`dev.bulwark.core.testing.Scorecard`.')
md.append('')
md.append(f'Run: {now}, commit `{commit}`, {jdk}, {cores} cores.')
md.append('')
md.append('## Summary')
md.append('')
md.append(f'- Test cases: {passed} passed, {failed} failed, {skipped} skipped.')
md.append(f'- Faults survived: {faults_survived} of {len(faults)} measured.')
md.append(f'- Hostile inputs tried: {fmt(str(int(hostile_cases)))} in {len(hostile)} measured groups.')
md.append('- ' + ', '.join(f'{fmt(str(int(v)))} {k}' for k, v in totals.items()) + '.')
if mvn_rc != '0':
    md.append(f'- The Maven run itself exited {mvn_rc} (a build or test failure; see its log).')
md.append('')
md.append('## Faults')
md.append('')
md.append('| module | test | fault | figures | result |')
md.append('| --- | --- | --- | --- | --- |')
for module, kind, cls, name, what, f in faults:
    md.append(f'| {module} | `{cls}` {name} | {what} | {figs(f)} | {class_status(cls)} |')
md.append('')
md.append('## Hostile input')
md.append('')
md.append('| module | test | input | figures | result |')
md.append('| --- | --- | --- | --- | --- |')
for module, kind, cls, name, what, f in hostile:
    md.append(f'| {module} | `{cls}` {name} | {what} | {figs(f)} | {class_status(cls)} |')
md.append('')
md.append('## Adaptive limit under a dependency turning 10x slower')
md.append('')
if not adaptive_props:
    md.append('Not run in this scorecard (`ADAPTIVE=0`).')
elif adaptive_props == 'nobuild':
    md.append('Not run in this scorecard: its Maven run failed, so the jars it would time may be '
              'stale.')
elif adaptive_props == 'failed' or not os.path.exists(adaptive_props):
    md.append('`benchmarks/load/adaptive.sh` failed to produce figures in this run (see the '
              'scorecard\'s output).')
else:
    a = {}
    with open(adaptive_props, encoding='utf-8') as f:
        for raw in f:
            if '=' in raw:
                k, v = raw.rstrip('\n').split('=', 1)
                a[k] = v
    md.append(f'`{a.get("command", "benchmarks/load/adaptive.sh")}` ({a.get("date", "?")}, '
              f'load average {a.get("load", "?")}): the shop with 8 workers, a queue of 16 and a '
              '1 s queue timeout, at 100 requests/s open loop (`LoadGen`, one generator for all '
              'three phases): healthy `/blocking?ms=20`, slow `/blocking/serial?ms=25` (10x '
              'less capacity: 2.5x overloaded), recovered `/blocking?ms=20`. Load figures from a '
              'shared machine: compare the ratios, not the milliseconds.')
    md.append('')
    md.append('| pool | phase | 200s | 503s | p99 of 200s ms | p99 of 503s ms | limit (lowest, last) '
              '| generator late, max ms |')
    md.append('| --- | --- | --- | --- | --- | --- | --- | --- |')
    for kind in ('fixed', 'adaptive'):
        for phase in ('healthy', 'slow', 'recovered'):
            g = lambda k: a.get(f'{kind}.{phase}.{k}', '?')
            md.append(f'| {kind} | {phase} | {fmt(g("status200"))} | {fmt(g("status503"))} | '
                      f'{g("p99_200_ms")} | {g("p99_503_ms")} | {g("limit_min")}, {g("limit_last")} | '
                      f'{g("max_send_lag_ms")} |')
    md.append('')
    for kind in ('fixed', 'adaptive'):
        md.append(f'- {kind}: admitted p99 slow/healthy {a.get(kind + ".slow_over_healthy", "?")}, '
                  f'recovered/healthy {a.get(kind + ".recovered_over_healthy", "?")}, p99 of the '
                  f'slow phase\'s 503s {a.get(kind + ".slow.p99_503_ms", "?")} ms.')
    md.append(f'- Adaptive goal (admitted p99 slow/healthy <= 2, 503 p99 < 50 ms, '
              f'recovered/healthy <= 2): {a.get("adaptive.verdict", "?")}.')
md.append('')
md.append('## Every test case')
md.append('')
md.append('| module | class | test | result | seconds |')
md.append('| --- | --- | --- | --- | --- |')
for module, cls, name, status, t in cases:
    md.append(f'| {module} | `{cls}` | {name.replace("|", "/")} | {status} | {t:.1f} |')
md.append('')
os.makedirs(os.path.dirname(out), exist_ok=True)
with open(out, 'w', encoding='utf-8') as f:
    f.write('\n'.join(md))
print(f'wrote {out}: {passed} passed, {failed} failed, {skipped} skipped; '
      f'{len(faults)} faults, {int(hostile_cases)} hostile inputs; ' +
      ', '.join(f'{int(v)} {k}' for k, v in totals.items()))
if failed or not cases or mvn_rc != '0':
    sys.exit(1)
PY
