#!/usr/bin/env python3
"""The checks of packages/opensmtpd that package-spec's JSON schemas do not
make (elastic-package's semantic rules this package relies on), and its
agreement with kibana/ and ECS.

usage: package.py PACKAGE_DIR ECS_FLAT_JSON MAPPINGS_JSON

ECS_FLAT_JSON: {"version": ..., "fields": EcsFlat} of @elastic/ecs.
Prints "ok - ..." / "FAIL - ..." lines; exit 1 on any failure.
"""
import glob
import json
import os
import re
import sys

import yaml

pkg, ecs_path, map_path = sys.argv[1:4]
fails = 0


def say(ok, what, why=""):
    global fails
    if ok:
        print("ok - " + what)
    else:
        fails += 1
        print("FAIL - %s: %s" % (what, why))


def flat_map(props, pre=""):
    for k, v in props.items():
        if "properties" in v:
            yield from flat_map(v["properties"], pre + k + ".")
        else:
            yield pre + k, v


def flat_fields(items, pre=""):
    for f in items or []:
        n = pre + f["name"]
        if f.get("type") == "group":
            yield from flat_fields(f.get("fields"), n + ".")
        else:
            yield n, f


def flat_doc(d, pre=""):
    for k, v in d.items():
        if isinstance(v, dict):
            yield from flat_doc(v, pre + k + ".")
        elif isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            for x in v:
                yield from flat_doc(x, pre + k + ".")
        else:
            yield pre + k, v


with open(ecs_path) as f:
    ecs = json.load(f)
with open(map_path) as f:
    mapping = dict(flat_map(json.load(f)["template"]["mappings"]["properties"]))
manifest = yaml.safe_load(open(os.path.join(pkg, "manifest.yml")))
# A built package (packages/build.py, elastic-package build) has no _dev/
# and its ECS fields written out instead of external: ecs.
built = not os.path.exists(os.path.join(pkg, "_dev/build/build.yml"))
if not built:
    build = yaml.safe_load(open(os.path.join(pkg, "_dev/build/build.yml")))
    # The ECS the package refers to is the ECS the records carry and the
    # one checked against.
    ref = build["dependencies"]["ecs"]["reference"]
    say(ref == "git@v" + ecs["version"], "build.yml's ECS reference is ECS %s" % ecs["version"], ref)

for ds in sorted(glob.glob(os.path.join(pkg, "data_stream", "*"))):
    name = os.path.basename(ds)
    declared = {}
    dup = []
    for fy in sorted(glob.glob(os.path.join(ds, "fields", "*.yml"))):
        for n, f in flat_fields(yaml.safe_load(open(fy))):
            if n in declared:
                dup.append(n)
            declared[n] = f
    say(not dup, "%s: every field declared once" % name, " ".join(dup))

    # external: ecs fields exist in ECS with our mapping's type,
    # ignore_above and multi-fields; fields of our own are not in ECS.
    bad = []
    for n, f in sorted(declared.items()):
        e = ecs["fields"].get(n)
        m = mapping.get(n)
        if m is None:
            bad.append("%s: not in kibana's mapping" % n)
            continue
        own = n.startswith(("opensmtpd.", "data_stream.")) or n == "@timestamp"
        if f.get("external") == "ecs" or (built and not own):
            if built and "external" in f:
                bad.append("%s: a built package with external: %s" % (n, f["external"]))
            if built and f.get("type") != m["type"]:
                bad.append("%s: built type %s, our mapping %s" % (n, f.get("type"), m["type"]))
            if e is None:
                bad.append("%s: external ecs but ECS %s has no such field" % (n, ecs["version"]))
                continue
            if e["type"] != m["type"]:
                bad.append("%s: ECS type %s, our mapping %s" % (n, e["type"], m["type"]))
            if e.get("ignore_above") != m.get("ignore_above"):
                bad.append("%s: ECS ignore_above %s, ours %s" % (n, e.get("ignore_above"), m.get("ignore_above")))
            em = {x["name"]: x["type"] for x in e.get("multi_fields", [])}
            mm = {k: v["type"] for k, v in (m.get("fields") or {}).items()}
            if em != mm:
                bad.append("%s: ECS multi-fields %s, ours %s" % (n, em, mm))
        else:
            if f.get("type") != m["type"]:
                bad.append("%s: type %s, kibana's mapping %s" % (n, f.get("type"), m["type"]))
            if not (n.startswith("opensmtpd.") or n.startswith("data_stream.") or n == "@timestamp"):
                bad.append("%s: not ECS by reference and not under opensmtpd.*" % n)
            if n.startswith("opensmtpd.") and n in ecs["fields"]:
                bad.append("%s: ECS has it" % n)
            if not f.get("description"):
                bad.append("%s: no description" % n)
    say(not bad, "%s: fields agree with ECS %s and kibana's mapping" % (name, ecs["version"]),
        "; ".join(bad[:10]))
    missing = sorted(set(mapping) - set(declared))
    say(not missing, "%s: every field of kibana's mapping is declared" % name, " ".join(missing[:10]))

    # Sample event: every leaf declared, the data stream's own names.
    sp = os.path.join(ds, "sample_event.json")
    if os.path.exists(sp):
        doc = json.load(open(sp))
        leaves = [n for n, _ in flat_doc(doc)]
        undeclared = [n for n in leaves if n not in declared
                      and not any(n.startswith(d + ".") for d in declared)]
        say(not undeclared, "%s: sample_event.json has only declared fields" % name,
            " ".join(undeclared[:10]))
        dsd = doc.get("data_stream", {})
        say(dsd.get("dataset") == "%s.%s" % (manifest["name"], name) and dsd.get("type") == "logs",
            "%s: sample_event.json is in logs-%s.%s-*" % (name, manifest["name"], name), str(dsd))

    # Ingest pipelines: elastic-package's tag and on_failure rules.
    for pp in sorted(glob.glob(os.path.join(ds, "elasticsearch", "ingest_pipeline", "*"))):
        p = json.load(open(pp)) if pp.endswith(".json") else yaml.safe_load(open(pp))
        tags, bad = set(), []
        def walk(procs):
            for proc in procs or []:
                (kind, body), = proc.items()
                walk(body.get("on_failure"))
                t = body.get("tag")
                if not isinstance(t, str) or not t.strip():
                    bad.append("%s processor without a tag" % kind)
                elif t in tags:
                    bad.append("duplicate tag %s" % t)
                tags.add(t)
        walk(p.get("processors"))
        say(not bad, "%s: %s: every processor has its own tag" % (name, os.path.basename(pp)),
            "; ".join(bad))
        of = [list(x.items())[0] for x in p.get("on_failure", [])]
        kind = [b for k, b in of if k == "set" and b.get("field") == "event.kind"]
        msg = [b for k, b in of if k in ("set", "append") and b.get("field") == "error.message"]
        need = ["_ingest.on_failure_processor_type", "_ingest.on_failure_processor_tag",
                "_ingest.on_failure_message", "_ingest.pipeline"]
        say(kind and kind[0].get("value") == "pipeline_error" and msg
            and all(x in str(msg[0].get("value")) for x in need),
            "%s: %s: on_failure sets event.kind pipeline_error and error.message with %s"
            % (name, os.path.basename(pp), ", ".join(need)), json.dumps(p.get("on_failure"))[:300])

    # Stream templates: every variable they use is declared by the stream.
    dm = yaml.safe_load(open(os.path.join(ds, "manifest.yml")))
    for st in dm.get("streams", []):
        tp = os.path.join(ds, "agent", "stream", st.get("template_path", "stream.yml.hbs"))
        if not os.path.exists(tp):
            say(False, "%s: stream %s template" % (name, st["input"]), tp + " missing")
            continue
        text = open(tp).read()
        used = set(re.findall(r"\{\{[#/]?(?:each |if |unless )?([a-z_]+)", text)) - {"each", "if", "unless"}
        used = {u for u in used if u not in ("path", "tag", "this")}
        have = {v["name"] for v in st.get("vars", [])} | {v["name"] for v in dm.get("vars", []) or []}
        say(used <= have, "%s: %s uses only declared variables" % (name, os.path.basename(tp)),
            " ".join(sorted(used - have)))
        opens = len(re.findall(r"\{\{#(each|if|unless)\b", text))
        closes = len(re.findall(r"\{\{/(each|if|unless)\}\}", text))
        say(opens == closes, "%s: %s blocks are closed" % (name, os.path.basename(tp)),
            "%d opened, %d closed" % (opens, closes))

    # The policy template offers the inputs the streams use.
    inputs = {i["type"] for pt in manifest.get("policy_templates", []) for i in pt.get("inputs", [])}
    say({s["input"] for s in dm.get("streams", [])} <= inputs,
        "%s: its inputs are offered by a policy template" % name, str(inputs))

# Kibana constraint: 8 and 9.
kv = manifest.get("conditions", {}).get("kibana", {}).get("version", "")
say(re.search(r"\^8\.", kv) and re.search(r"\^9\.", kv), "manifest: Kibana 8.x and 9.x", kv)
# The icon exists and is SVG.
for ic in manifest.get("icons", []):
    fp = os.path.join(pkg, ic["src"].lstrip("/"))
    say(os.path.exists(fp) and open(fp).read().lstrip().startswith("<svg"), "icon %s" % ic["src"], fp)
cl = yaml.safe_load(open(os.path.join(pkg, "changelog.yml")))
say(cl and cl[0]["version"] == manifest["version"], "changelog's newest entry is version %s" % manifest["version"],
    str(cl and cl[0]["version"]))
sys.exit(1 if fails else 0)
