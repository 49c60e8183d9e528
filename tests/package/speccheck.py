#!/usr/bin/env python3
"""Check a package directory against Elastic's package-spec schemas.

usage: speccheck.py SPEC_DIR PACKAGE_DIR

SPEC_DIR is the spec/ folder of a copy of elastic/package-spec (its YAML
files: folder layouts and JSON schemas).  This walks the layout the way
the spec describes it (contents, name or pattern, required, additional
contents) from the package type's spec.yml, applies each spec file's
"versions" patches for the package's format_version, and validates every
YAML/JSON file that the layout ties to a schema with jsonschema.  It does
not do elastic-package's semantic checks (written in Go); package.py
checks the ones this project relies on.  Prints one line per problem,
exits 1 if there was any.
"""
import copy
import json
import os
import re
import sys

import jsonschema
import yaml

try:  # jsonschema >= 4.18
    import referencing
    import referencing.jsonschema
except ImportError:  # Debian bookworm's 4.10: RefResolver
    referencing = None
if os.environ.get("SPECCHECK_RESOLVER") == "legacy":  # to test that path
    referencing = None


def vtuple(v):
    m = re.match(r"^(\d+)\.(\d+)\.(\d+)(-.*)?$", str(v))
    if not m:
        raise ValueError("not a version: %r" % v)
    return (int(m[1]), int(m[2]), int(m[3]), 0 if m[4] else 1)


def ptr_parts(path):
    return [p.replace("~1", "/").replace("~0", "~") for p in path.split("/")[1:]]


def apply_patch(doc, ops):
    for op in ops:
        parts = ptr_parts(op["path"])
        parent = doc
        for p in parts[:-1]:
            parent = parent[int(p)] if isinstance(parent, list) else parent[p]
        last = parts[-1]
        kind = op["op"]
        if isinstance(parent, list):
            idx = len(parent) if last == "-" else int(last)
            if kind == "remove":
                del parent[idx]
            elif kind == "add":
                parent.insert(idx, op["value"])
            elif kind == "replace":
                parent[idx] = op["value"]
            else:
                raise ValueError("patch op %s" % kind)
        else:
            if kind == "remove":
                del parent[last]
            elif kind in ("add", "replace"):
                parent[last] = op["value"]
            else:
                raise ValueError("patch op %s" % kind)
    return doc


class Spec:
    def __init__(self, root, fmt):
        self.root = os.path.abspath(root)
        self.fmt = vtuple(fmt)
        self.cache = {}

    def load(self, path):
        path = os.path.abspath(path)
        if path not in self.cache:
            with open(path) as f:
                d = yaml.safe_load(f)
            spec = copy.deepcopy(d["spec"])
            # Patches are listed newest first; each applies to a package
            # whose format_version is older than its "before".
            for v in d.get("versions", []) or []:
                if self.fmt < vtuple(v["before"]):
                    spec = apply_patch(spec, v["patch"])
            self.cache[path] = spec
        return self.cache[path]

    def validator(self, target):
        schema = {"$ref": "file://" + target}
        if referencing is None:
            res = jsonschema.RefResolver(
                "file://" + target, self.load(target),
                handlers={"file": lambda uri: self.load(uri[len("file://"):].split("#")[0])})
            return jsonschema.Draft7Validator(self.load(target), resolver=res)
        return jsonschema.Draft7Validator(schema, registry=self.registry())

    def registry(self):
        if getattr(self, "_reg", None) is not None:
            return self._reg
        def retrieve(uri):
            path = uri[len("file://"):]
            return referencing.Resource.from_contents(
                self.load(path), default_specification=referencing.jsonschema.DRAFT7)
        self._reg = referencing.Registry(retrieve=retrieve)
        return self._reg


def parse(path, media):
    with open(path, "rb") as f:
        raw = f.read()
    if media.startswith("application/json"):
        return json.loads(raw)
    if media.startswith("application/x-yaml"):
        text = raw.decode()
        if "require-document-dashes=true" in media and not text.startswith("---"):
            raise ValueError("YAML document must start with ---")
        return yaml.safe_load(text)
    if media.startswith("text/"):
        raw.decode()
        return None
    return None


def main():
    spec_dir, pkg = sys.argv[1], sys.argv[2]
    errs = []
    with open(os.path.join(pkg, "manifest.yml")) as f:
        manifest = yaml.safe_load(f)
    ptype = manifest.get("type", "integration")
    pkgname = manifest["name"]
    sp = Spec(spec_dir, manifest["format_version"])
    checked = [0]

    def validate_file(path, media, ref, specfile):
        try:
            data = parse(path, media)
        except Exception as e:
            errs.append("%s: does not parse as %s: %s" % (path, media, e))
            return
        if not ref or data is None:
            return
        target = os.path.normpath(os.path.join(os.path.dirname(specfile), ref))
        v = sp.validator(target)
        for e in sorted(v.iter_errors(data), key=lambda e: list(e.absolute_path)):
            loc = "/".join(str(p) for p in e.absolute_path)
            errs.append("%s: %s: %s" % (path, loc or "(top)", e.message[:300]))
        checked[0] += 1

    def walk(folder, spec, specfile):
        entries = sorted(os.listdir(folder))
        items = spec.get("contents", []) or []
        matched = set()
        for it in items:
            names = []
            pat = it.get("pattern", "").replace("{PACKAGE_NAME}", re.escape(pkgname))
            for e in entries:
                full = os.path.join(folder, e)
                isdir = os.path.isdir(full)
                base = e
                if e.endswith(".link") and it.get("allowLink"):
                    # a link file stands for the file it names
                    base = e[:-len(".link")]
                if (it["type"] == "folder") != isdir:
                    continue
                if "name" in it and base != it["name"]:
                    continue
                if pat and not re.search(pat, base):
                    continue
                if any(re.search(p, e) for p in it.get("forbiddenPatterns", []) or []):
                    errs.append("%s: name is forbidden" % full)
                names.append(e)
            if it.get("required") and not names:
                errs.append("%s: missing %s %s (%s)" % (
                    folder, it["type"], it.get("name") or it.get("pattern"),
                    it.get("description", "")))
            for e in names:
                matched.add(e)
                full = os.path.join(folder, e)
                if it["type"] == "folder":
                    if "$ref" in it:
                        sub = os.path.normpath(os.path.join(os.path.dirname(specfile), it["$ref"]))
                        walk(full, sp.load(sub), sub)
                    else:
                        walk(full, it, specfile)
                elif e.endswith(".link"):
                    continue
                else:
                    validate_file(full, it.get("contentMediaType", ""), it.get("$ref"), specfile)
        if not spec.get("additionalContents", False):
            for e in entries:
                if e not in matched:
                    errs.append("%s: not allowed here by the spec" % os.path.join(folder, e))

    top = os.path.join(sp.root, ptype, "spec.yml")
    walk(pkg, sp.load(top), top)
    for e in errs:
        print(e)
    print("speccheck: %d files validated against schemas, %d problems" % (checked[0], len(errs)),
          file=sys.stderr)
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
