#!/bin/sh
# make check-package: the Elastic integration package packages/opensmtpd.
#
#  1. In sync with kibana/: packages/gen.py --check (fields, pipeline,
#     sample event and README are what gen.py makes from kibana/, doc/ and
#     tests/golden).
#  2. elastic-package lint and build, when an elastic-package binary is
#     found (ELASTIC_PACKAGE, or elastic-package on PATH or in
#     $FJ_CACHE/go/bin); not run otherwise: the Go module proxy here does
#     not serve github.com/elastic/elastic-package.
#  3. tests/package/speccheck.py: the package's layout and every YAML/JSON
#     file against package-spec's own JSON schemas, read from a copy of
#     elastic/package-spec's spec/ folder (PACKAGE_SPEC, default
#     $FJ_CACHE/package-spec/spec); not run without one (its module is not
#     served by the Go proxy here either, and the project ships none of
#     it).
#  4. tests/package/package.py: the rules elastic-package adds to the
#     schemas that this package relies on (one tag per pipeline processor,
#     on_failure, unique fields, template variables), and ECS: every field
#     taken by reference exists in the ECS of the records (@elastic/ecs,
#     the version tests/examples pins) with our mapping's type.
#  5. packages/build.py makes the zip Fleet installs (ECS fields resolved
#     from @elastic/ecs, no _dev/, Kibana assets encoded): checked again by
#     3, 4 and 4b.
#  4b. tests/examples/lenscheck.js --package: the Kibana assets (kibana/)
#     against Kibana 8.x/9.x's rules and package-spec's rules for assets
#     (no legacy visualizations, visualizations by value, a dataset filter
#     in every panel, file names = ids, <package>- prefix).
#  6. Mutants: the checks of 1, 3 and 4 must fail on broken copies.
#
# Usage: sh tests/package/run.sh     Environment: T_VERBOSE=1
set -u
T_SUITE=package
. "$(dirname "$0")/../lib.sh"
cd "$T_TOP" || exit 1
T_RERUN="sh tests/package/run.sh"

OUT=tests/out/package
PKG=packages/opensmtpd
MAP=kibana/elasticsearch/component-template-mappings.json
FJ_CACHE=${FJ_CACHE:-/var/cache/filter-jsonlog}
SPEC=${PACKAGE_SPEC:-$FJ_CACHE/package-spec/spec}
ECS_VERSION=$(sed -n 's/^ECS_VERSION=//p' tests/examples/run.sh)
rm -rf "$OUT"
mkdir -p "$OUT"

# ---- 1. in sync with kibana/ ------------------------------------------
if python3 packages/gen.py --check > "$OUT/gen.log" 2>&1; then
	t_ok "packages/gen.py --check"
else
	t_fail "sync: packages/opensmtpd differs from what packages/gen.py makes: $(head -n 3 "$OUT/gen.log" | tr '\n' ' ')"
fi

# ---- 2. elastic-package -----------------------------------------------
EP=${ELASTIC_PACKAGE:-}
[ -z "$EP" ] && EP=$(command -v elastic-package 2>/dev/null)
[ -z "$EP" ] && [ -x "$FJ_CACHE/go/bin/elastic-package" ] && EP=$FJ_CACHE/go/bin/elastic-package
if [ -n "$EP" ]; then
	if (cd "$PKG" && "$EP" lint) > "$OUT/lint.log" 2>&1; then
		t_ok "elastic-package lint"
	else
		t_fail "elastic-package-lint: $(tail -n 3 "$OUT/lint.log" | tr '\n' ' ')"
	fi
	if (cd "$PKG" && "$EP" build) > "$OUT/build.log" 2>&1; then
		t_ok "elastic-package build"
	else
		t_fail "elastic-package-build: $(tail -n 3 "$OUT/build.log" | tr '\n' ' ')"
	fi
else
	t_skip "elastic-package lint, build" \
	    "no elastic-package binary (the Go module proxy here answers 403 for github.com/elastic/elastic-package)"
fi

# ---- 3. package-spec's schemas ----------------------------------------
have_py=
python3 -c 'import jsonschema, yaml' 2>/dev/null && have_py=1
have_spec=
[ -f "$SPEC/integration/spec.yml" ] && have_spec=1
speccheck() {	# speccheck PKGDIR LOG
	python3 tests/package/speccheck.py "$SPEC" "$1" > "$2" 2>&1
}
if [ -z "$have_py" ]; then
	t_skip "package-spec schemas" "python3 lacks jsonschema or yaml (Debian: python3-jsonschema python3-yaml)"
elif [ -z "$have_spec" ]; then
	t_skip "package-spec schemas" "no package-spec at $SPEC (set PACKAGE_SPEC to the spec/ folder of a copy of elastic/package-spec)"
elif speccheck "$PKG" "$OUT/speccheck.log"; then
	t_ok "speccheck: package-spec $(sed -n 's/^- version: \([0-9.]*\)$/\1/p' "$SPEC/changelog.yml" | head -n 1) schemas"
else
	t_fail "speccheck: $(head -n 5 "$OUT/speccheck.log" | tr '\n' ' ')"
fi

# ---- 4. semantic rules and ECS ----------------------------------------
have_ecs=
sh packages/ecs-json.sh "$OUT/ecs.json" > "$OUT/npm.log" 2>&1 && have_ecs=1
semantic() {	# semantic PKGDIR LOG [MAPPING]
	python3 tests/package/package.py "$1" "$OUT/ecs.json" "${3:-$MAP}" > "$2" 2>&1
}
if [ -z "$have_ecs" ] || [ -z "$have_py" ]; then
	t_skip "package semantic and ECS checks" "no @elastic/ecs $ECS_VERSION (npm) or no python3 yaml"
else
	semantic "$PKG" "$OUT/package.log"
	while read -r st what; do
		case $st in
		ok)	t_ok "${what#- }" ;;
		FAIL)	t_fail "package: ${what#- }" ;;
		esac
	done < "$OUT/package.log"
fi

# ---- 4b. the Kibana assets ------------------------------------------------
lenscheck() {	# lenscheck PKGDIR LOG
	node tests/examples/lenscheck.js --package "$1" > "$2" 2>&1
}
if ! command -v node >/dev/null 2>&1; then
	t_skip "Kibana assets (lenscheck.js)" "no node"
elif lenscheck "$PKG" "$OUT/lenscheck.log"; then
	t_ok "Kibana assets: $(tail -n 1 "$OUT/lenscheck.log")"
else
	t_fail "lenscheck: $(grep '^FAIL' "$OUT/lenscheck.log" | head -n 3 | tr '\n' ' ')"
fi

# ---- 5. the zip Fleet installs (packages/build.py) -------------------
if [ -n "$have_ecs" ] && [ -n "$have_py" ]; then
	if python3 packages/build.py "$OUT/ecs.json" "$OUT/build" > "$OUT/build.log" 2>&1; then
		t_ok "packages/build.py: $(tail -n 1 "$OUT/build.log")"
		B=$OUT/build/opensmtpd-$(sed -n 's/^version: *//p' $PKG/manifest.yml)
		if semantic "$B" "$OUT/package-built.log"; then
			t_ok "the built package: ECS fields resolved, every rule of 4"
		else
			t_fail "built: $(grep '^FAIL' "$OUT/package-built.log" | head -n 3 | tr '\n' ' ')"
		fi
		if lenscheck "$B" "$OUT/lenscheck-built.log"; then
			t_ok "the built package's Kibana assets (encoded): $(tail -n 1 "$OUT/lenscheck-built.log" | cut -d';' -f2)"
		else
			t_fail "built-lenscheck: $(grep '^FAIL' "$OUT/lenscheck-built.log" | head -n 3 | tr '\n' ' ')"
		fi
		t_check "the built package's dashboards hold panelsJSON as a string" python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(not isinstance(d['attributes']['panelsJSON'], str))" "$B/kibana/dashboard/opensmtpd-overview.json"
		if [ -n "$have_spec" ]; then
			if speccheck "$B" "$OUT/speccheck-built.log"; then
				t_ok "the built package: package-spec schemas"
			else
				t_fail "built-speccheck: $(head -n 3 "$OUT/speccheck-built.log" | tr '\n' ' ')"
			fi
		fi
		t_check "the zip holds $(basename "$B")/manifest.yml and no _dev/" python3 -c "
import sys, zipfile
n = zipfile.ZipFile(sys.argv[1]).namelist()
sys.exit(not (sys.argv[2] + '/manifest.yml' in n and not [x for x in n if '/_dev/' in x]))" "$B.zip" "$(basename "$B")"
	else
		t_fail "build: $(tail -n 3 "$OUT/build.log" | tr '\n' ' ')"
	fi
else
	t_skip "packages/build.py" "no @elastic/ecs or python3 yaml (see above)"
fi

# ---- 6. mutants: each check must see a broken copy --------------------
# mutant NAME CHECK EDIT: copy the tree, run EDIT (sh) in the copy,
# then CHECK (gen, spec, semantic) must fail.
mutant() {
	_n=$1 _c=$2 _e=$3
	_d=$OUT/mutant-$_n
	rm -rf "$_d" && mkdir -p "$_d"
	cp -R packages kibana doc "$_d/" && mkdir -p "$_d/tests" && cp -R tests/golden "$_d/tests/"
	(cd "$_d" && sh -c "$_e") || { t_fail "mutant-$_n: the edit failed"; return; }
	case $_c in
	gen)	python3 "$_d/packages/gen.py" --check > "$_d/log" 2>&1 ;;
	spec)	speccheck "$_d/$PKG" "$_d/log" ;;
	semantic) semantic "$_d/$PKG" "$_d/log" "$_d/$MAP" ;;
	lens)	lenscheck "$_d/$PKG" "$_d/log" ;;
	esac
	if [ $? != 0 ]; then t_ok "mutant $_n caught by $_c"
	else t_fail "mutant-$_n: $_c passed a broken package"; fi
}
mutant mapping-renamed gen \
    "sed -i 's/\"fcrdns\"/\"fcrdns_result\"/' $MAP"
mutant pipeline-edited gen \
    "sed -i 's/\"tag\": \"ingested\"/\"tag\": \"ingest-time\"/' kibana/elasticsearch/ingest-pipeline.json"
mutant doc-edited gen \
    "sed -i 's/after tx-commit: bytes/after tx-commit: octets/' doc/schema.md"
mutant dashboard-edited gen \
    "sed -i 's/\"Top senders\"/\"Top sender\"/' $PKG/kibana/dashboard/opensmtpd-overview.json"
mutant stray-asset gen \
    "cp $PKG/kibana/search/opensmtpd-messages-search.json $PKG/kibana/search/opensmtpd-old.json"
mutant saved-objects-edited gen \
    "sed -i 's/Top senders/Top sender/' kibana/saved-objects.js"
if command -v node >/dev/null 2>&1; then
	mutant legacy-visualization lens \
	    "mkdir -p $PKG/kibana/visualization && printf '%s' '{\"type\":\"visualization\",\"id\":\"opensmtpd-old\",\"attributes\":{\"title\":\"old\",\"visState\":{\"type\":\"histogram\"}},\"references\":[],\"coreMigrationVersion\":\"8.8.0\",\"typeMigrationVersion\":\"8.5.0\"}' > $PKG/kibana/visualization/opensmtpd-old.json"
	mutant file-not-id lens \
	    "mv $PKG/kibana/search/opensmtpd-messages-search.json $PKG/kibana/search/opensmtpd-messages.json"
	mutant no-prefix lens \
	    "sed -i 's/\"id\": \"opensmtpd-tls\"/\"id\": \"tls\"/' $PKG/kibana/dashboard/opensmtpd-tls.json && mv $PKG/kibana/dashboard/opensmtpd-tls.json $PKG/kibana/dashboard/tls.json"
	mutant by-reference lens \
	    "python3 -c \"import json; p='$PKG/kibana/dashboard/opensmtpd-stats.json'; d=json.load(open(p)); q=d['attributes']['panelsJSON'][0]; q['panelRefName']='panel_'+q['panelIndex']; del q['embeddableConfig']['attributes']; d['references'].append({'name': q['panelIndex']+':panel_'+q['panelIndex'], 'type': 'lens', 'id': 'opensmtpd-jsonlog'}); json.dump(d, open(p, 'w'))\""
	mutant panel-without-filter lens \
	    "python3 -c \"import json; p='$PKG/kibana/dashboard/opensmtpd-summaries.json'; d=json.load(open(p)); d['attributes']['panelsJSON'][2]['embeddableConfig']['attributes']['state']['filters']=[]; json.dump(d, open(p, 'w'))\""
else
	t_skip "Kibana asset mutants" "no node"
fi
if [ -n "$have_py" ] && [ -n "$have_spec" ]; then
	mutant owner-type spec "sed -i 's/type: community/type: hobby/' $PKG/manifest.yml"
	mutant unknown-file spec "touch $PKG/data_stream/event/notes.txt"
	mutant no-changelog spec "rm $PKG/changelog.yml"
	mutant stream-input spec "sed -i 's/^  - input: filestream/  - inputs: filestream/' $PKG/data_stream/event/manifest.yml"
else
	t_skip "spec mutants" "no package-spec schemas (see above)"
fi
if [ -n "$have_ecs" ] && [ -n "$have_py" ]; then
	mutant ecs-type semantic \
	    "python3 -c \"import json; p='$MAP'; d=json.load(open(p)); d['template']['mappings']['properties']['source']['properties']['ip']['type']='keyword'; json.dump(d, open(p, 'w'))\""
	mutant ecs-missing semantic \
	    "printf -- '- name: source.colour\n  external: ecs\n' >> $PKG/data_stream/event/fields/ecs.yml"
	mutant no-tag semantic \
	    "python3 -c \"import json; p='$PKG/data_stream/event/elasticsearch/ingest_pipeline/default.json'; d=json.load(open(p)); del d['processors'][0]['grok']['tag']; json.dump(d, open(p, 'w'))\""
	mutant on-failure semantic \
	    "python3 -c \"import json; p='$PKG/data_stream/event/elasticsearch/ingest_pipeline/default.json'; d=json.load(open(p)); d['on_failure'] = d['on_failure'][1:]; json.dump(d, open(p, 'w'))\""
	mutant template-var semantic \
	    "sed -i 's/{{#if ndjson}}/{{#if json_lines}}/' $PKG/data_stream/event/agent/stream/filestream.yml.hbs"
	mutant sample-field semantic \
	    "sed -i 's/\"provider\"/\"provder\"/' $PKG/data_stream/event/sample_event.json"
else
	t_skip "semantic mutants" "no @elastic/ecs or python3 yaml (see above)"
fi

t_done
