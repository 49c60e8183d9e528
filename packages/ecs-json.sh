#!/bin/sh
# packages/ecs-json.sh OUT.json: write {"version", "fields"} of the
# @elastic/ecs npm package that tests/examples pins (installed into
# tests/examples/node_modules on first use) for packages/build.py and
# tests/package.
set -u
cd "$(dirname "$0")/.." || exit 1
out=$1
v=$(sed -n 's/^ECS_VERSION=//p' tests/examples/run.sh)
dir=tests/examples/node_modules/@elastic/ecs
have=$(node -p "require('./$dir/package.json').version" 2>/dev/null)
if [ "$have" != "$v" ]; then
	npm install --no-save --no-audit --no-fund --no-package-lock \
	    --prefix tests/examples "@elastic/ecs@$v" >&2 || exit 1
fi
node -e "
const {EcsFlat, EcsVersion} = require('./$dir');
require('fs').writeFileSync(process.argv[1],
    JSON.stringify({version: EcsVersion, fields: EcsFlat}));" "$out"
