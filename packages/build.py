#!/usr/bin/env python3
"""Build packages/opensmtpd into the zip that Fleet installs.

usage: packages/build.py ECS_FLAT_JSON OUTDIR

What elastic-package build does, for this package, without network: the
package is copied without _dev/, every field taken from ECS by reference
(external: ecs) is replaced by its ECS definition, read from ECS_FLAT_JSON
({"version", "fields": EcsFlat} of the @elastic/ecs npm package, the
version of _dev/build/build.yml), the Kibana assets' decoded attributes
(panelsJSON, optionsJSON, layerListJSON, mapStateJSON, uiStateJSON,
visState, kibanaSavedObjectMeta.searchSourceJSON) are encoded as JSON
strings again, as Kibana stores them, and OUTDIR/NAME-VERSION/ is zipped
into OUTDIR/NAME-VERSION.zip (the upload format of Kibana's
POST /api/fleet/epm/packages).  `make package` runs it.
"""
import json
import os
import shutil
import sys
import zipfile

import yaml

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PKG = os.path.join(TOP, "packages", "opensmtpd")


def resolve(items, ecs, pre=""):
    out = []
    for f in items or []:
        n = pre + f["name"]
        if f.get("type") == "group":
            g = dict(f)
            g["fields"] = resolve(f.get("fields"), ecs, n + ".")
            out.append(g)
        elif f.get("external") == "ecs":
            e = ecs.get(n)
            if e is None:
                sys.exit("build.py: ECS has no field %s" % n)
            r = {"name": f["name"], "level": e.get("level", "extended"), "type": e["type"]}
            if "ignore_above" in e:
                r["ignore_above"] = e["ignore_above"]
            if e.get("multi_fields"):
                r["multi_fields"] = [{"name": m["name"], "type": m["type"]}
                                     for m in e["multi_fields"]]
            r["description"] = e.get("description", "")
            if "example" in e:
                r["example"] = e["example"]
            out.append(r)
        else:
            out.append(f)
    return out


ENCODE = ("panelsJSON", "optionsJSON", "layerListJSON", "mapStateJSON", "uiStateJSON",
          "visState")


def encode_asset(path):
    with open(path) as f:
        o = json.load(f)
    a = o.get("attributes", {})
    for k in ENCODE:
        if k in a and not isinstance(a[k], str):
            a[k] = json.dumps(a[k], separators=(",", ":"), ensure_ascii=False)
    meta = a.get("kibanaSavedObjectMeta", {})
    if "searchSourceJSON" in meta and not isinstance(meta["searchSourceJSON"], str):
        meta["searchSourceJSON"] = json.dumps(meta["searchSourceJSON"], separators=(",", ":"),
                                              ensure_ascii=False)
    with open(path, "w") as f:
        json.dump(o, f, indent=4, ensure_ascii=False)
        f.write("\n")


def main():
    ecs_path, outdir = sys.argv[1], sys.argv[2]
    with open(ecs_path) as f:
        ecs = json.load(f)
    with open(os.path.join(PKG, "manifest.yml")) as f:
        man = yaml.safe_load(f)
    with open(os.path.join(PKG, "_dev", "build", "build.yml")) as f:
        ref = yaml.safe_load(f)["dependencies"]["ecs"]["reference"]
    if ref != "git@v" + ecs["version"]:
        sys.exit("build.py: build.yml wants ECS %s, %s is ECS %s" % (ref, ecs_path, ecs["version"]))
    name = "%s-%s" % (man["name"], man["version"])
    dest = os.path.join(outdir, name)
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(PKG, dest, ignore=shutil.ignore_patterns("_dev"))
    for root, _, files in os.walk(os.path.join(dest, "kibana")):
        for fn in files:
            if fn.endswith(".json"):
                encode_asset(os.path.join(root, fn))
    for root, _, files in os.walk(dest):
        if os.path.basename(root) != "fields":
            continue
        for fn in files:
            p = os.path.join(root, fn)
            with open(p) as f:
                items = yaml.safe_load(f)
            if not any("external" in str(i) for i in items or []):
                continue
            with open(p, "w") as f:
                f.write("# ECS %s definitions, resolved by packages/build.py.\n---\n" % ecs["version"])
                yaml.safe_dump(resolve(items, ecs["fields"]), f, sort_keys=False,
                               allow_unicode=True, width=1000)
    zp = dest + ".zip"
    with zipfile.ZipFile(zp, "w", zipfile.ZIP_DEFLATED) as z:
        for root, dirs, files in os.walk(dest):
            dirs.sort()
            for fn in sorted(files):
                p = os.path.join(root, fn)
                z.write(p, os.path.relpath(p, outdir))
    print(zp)


if __name__ == "__main__":
    main()
