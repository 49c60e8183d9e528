#!/usr/bin/env python3
"""panels.py must notice when the engine and the records disagree, or when
a panel is wrong: run its checker on mutated copies and expect the verdict.

    python3 tests/elastic/panels_mutants.py --es URL --records FILE...

Same engine and records as panels.py (the engine is not changed: each
mutant edits either the records panels.py is told the engine holds, or the
saved objects).  One line per mutant, `ok - ...` when panels.py gave the
expected verdict, `FAIL - ...` otherwise; last line `mutants: N passed,
M failed`; exit status 1 if any failed.
"""

import argparse
import copy
import io
import json
import os
import sys
import contextlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import panels  # noqa: E402

TOP = panels.TOP


def run(engine, objects, records, mapping):
    c = panels.Checker(engine, objects, records, mapping)
    with contextlib.redirect_stdout(io.StringIO()):
        c.run()
    return c.results


def edit_panels(objects, fn):
    """Apply fn(panel) to every by-value panel of every dashboard (in
    place on a copy); the copy."""
    out = copy.deepcopy(objects)
    for o in out:
        if o['type'] == 'dashboard':
            ps = json.loads(o['attributes']['panelsJSON'])
            for p in ps:
                if 'attributes' in p.get('embeddableConfig', {}):
                    fn(p)
            o['attributes']['panelsJSON'] = json.dumps(ps)
    return out


def edit_queries(objects, fn):
    """Apply fn to every KQL string of every object (searchSourceJSON,
    filters aggs and columns, Lens queries, map layers); the copy and
    whether anything changed."""
    changed = False

    def lens(p):
        nonlocal changed
        st = p['embeddableConfig']['attributes'].get('state')
        if not st:
            return
        if fn(st['query']['query']) != st['query']['query']:
            st['query']['query'] = fn(st['query']['query'])
            changed = True
        for layer in st['datasourceStates']['formBased']['layers'].values():
            for c in layer['columns'].values():
                for f in c.get('params', {}).get('filters', []):
                    if fn(f['input']['query']) != f['input']['query']:
                        f['input']['query'] = fn(f['input']['query'])
                        changed = True
    out = edit_panels(objects, lens)
    for o in out:
        a = o['attributes']
        meta = a.get('kibanaSavedObjectMeta', {})
        if meta.get('searchSourceJSON'):
            src = json.loads(meta['searchSourceJSON'])
            q = src.get('query', {}).get('query')
            if isinstance(q, str) and fn(q) != q:
                src['query']['query'] = fn(q)
                changed = True
            meta['searchSourceJSON'] = json.dumps(src)
        if a.get('visState'):
            vis = json.loads(a['visState'])
            for agg in vis.get('aggs', []):
                for f in agg.get('params', {}).get('filters', []):
                    if fn(f['input']['query']) != f['input']['query']:
                        f['input']['query'] = fn(f['input']['query'])
                        changed = True
            a['visState'] = json.dumps(vis)
    return out, changed


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--es', required=True)
    ap.add_argument('--objects', default=os.path.join(TOP, 'kibana', 'saved-objects.ndjson'))
    ap.add_argument('--mapping', default=os.path.join(TOP, 'kibana', 'elasticsearch',
        'component-template-mappings.json'))
    ap.add_argument('--index')
    ap.add_argument('--records', nargs='+', required=True)
    args = ap.parse_args()
    objects = [json.loads(l) for l in open(args.objects) if l.strip()]
    records = []
    for f in args.records:
        with open(f) as fh:
            records += [json.loads(l) for l in fh if l.strip()]
    dv = next(o for o in objects if o['type'] == 'index-pattern')
    engine = panels.Engine(args.es, args.index or dv['attributes']['title'])
    passed = failed = 0

    def verdict(name, results, status, needle):
        nonlocal passed, failed
        hit = [t for s, t, w in results if s == status and needle in w]
        if hit:
            passed += 1
            print('ok - %s: %s - %s (%s)' % (name, status, hit[0], needle))
        else:
            failed += 1
            print('FAIL - %s: no "%s" verdict saying "%s"' % (name, status, needle))

    # The records as given must not fail anywhere (else the mutants
    # below prove nothing).
    base = run(engine, objects, records, args.mapping)
    bad = [(t, w) for s, t, w in base if s == 'FAIL']
    if bad:
        print('FAIL - the unmutated run fails already: %s: %s' % bad[0])
        failed += 1

    # 1. A record the engine holds is missing from the records.
    i = next(i for i, r in enumerate(records)
        if r.get('event', {}).get('action') == 'tx-commit')
    verdict('a tx-commit record left out', run(engine, objects,
        records[:i] + records[i + 1:], args.mapping), 'FAIL', 'engine hits')
    # 2. A message size differs between engine and records.
    mut = copy.deepcopy(records)
    j = next(j for j, r in enumerate(mut)
        if r.get('event', {}).get('action') == 'tx-commit' and
        r.get('opensmtpd', {}).get('tx', {}).get('size') is not None)
    mut[j]['opensmtpd']['tx']['size'] += 1
    verdict('one message size + 1', run(engine, objects, mut, args.mapping), 'FAIL', 'bytes')
    # 3. A session id differs: terms/cardinality on it must notice.
    mut = copy.deepcopy(records)
    k = next(k for k, r in enumerate(mut)
        if r.get('event', {}).get('action') == 'link-disconnect' and
        r.get('event', {}).get('provider') == 'smtp-in' and r.get('opensmtpd', {}).get('helo'))
    mut[k]['opensmtpd']['helo']['identity'] = 'mutant.invalid'
    verdict('one HELO name changed', run(engine, objects, mut, args.mapping), 'FAIL', 'HELO')
    # 4. A value typo in a query: nothing matches any more.
    objs, ch = edit_queries(objects, lambda q: q.replace('"tx-commit"', '"tx_commit"'))
    assert ch
    verdict('query value tx_commit', run(engine, objs, records, args.mapping),
        'not exercised', 'no record matches')
    # 5. A field nobody maps.
    objs, ch = edit_queries(objects, lambda q: q.replace('opensmtpd.link.fcrdns', 'opensmtpd.link.fcrdns_result'))
    assert ch
    verdict('query field renamed', run(engine, objs, records, args.mapping),
        'FAIL', 'not in the mapping')
    # 6. Syntax outside the subset.
    objs, ch = edit_queries(objects, lambda q: q.replace('event.action : "link-tls"',
        'event.action : "link-tls" and opensmtpd.tls.bits >= 128'))
    assert ch
    verdict('range syntax', run(engine, objs, records, args.mapping), 'FAIL', 'range operators')
    # 7. A runtime field whose script has no record-level equivalent.
    objs = copy.deepcopy(objects)
    for o in objs:
        if o['type'] == 'index-pattern' and o['attributes'].get('runtimeFieldMap'):
            rt = json.loads(o['attributes']['runtimeFieldMap'])
            for d in rt.values():
                d['script']['source'] += ' '
            o['attributes']['runtimeFieldMap'] = json.dumps(rt)
    verdict('runtime script edited', run(engine, objs, records, args.mapping),
        'FAIL', 'no record-level equivalent')
    # 8. A terms column on a field nobody maps.
    def rename_field(old, new):
        def fn(p):
            st = p['embeddableConfig']['attributes'].get('state')
            for layer in (st or {}).get('datasourceStates', {}).get('formBased', {}).get('layers', {}).values():
                for c in layer['columns'].values():
                    if c.get('sourceField') == old:
                        c['sourceField'] = new
        return fn
    objs = edit_panels(objects, rename_field('tls.cipher', 'tls.ciphers'))
    verdict('terms field renamed', run(engine, objs, records, args.mapping),
        'FAIL', 'tls.ciphers is not in the mapping')

    # 8b. A terms column on a mapped field nothing writes.
    objs = edit_panels(objects, rename_field('tls.cipher', 'host.name'))
    verdict('terms on a field nothing writes', run(engine, objs, records, args.mapping),
        'not exercised', 'does anything write it?')
    # 8c. A Lens panel's dataset filter on another dataset: nothing matches.
    def other_dataset(p):
        st = p['embeddableConfig']['attributes'].get('state')
        if st and p['panelIndex'] == 'opensmtpd-messages':
            st['filters'][0]['query']['match_phrase']['event.dataset'] = 'opensmtpd.other'
    verdict('dataset filter changed', run(engine, edit_panels(objects, other_dataset), records,
        args.mapping), 'not exercised', 'no record matches')
    # 8e. A date histogram: one record an hour later in the records than
    # in the engine.
    mut = copy.deepcopy(records)
    h = next(h for h, r in enumerate(mut) if r.get('event', {}).get('action') == 'tx-commit'
        and r.get('event', {}).get('provider') == 'smtp-in')
    mut[h]['@timestamp'] = mut[h]['@timestamp'][:11] + '%02d' % ((int(mut[h]['@timestamp'][11:13]) + 5) % 24) + mut[h]['@timestamp'][13:]
    verdict('one tx-commit 5 hours off', run(engine, objects, mut, args.mapping), 'FAIL', '@timestamp')
    # 9. A saved filter (meta + query) that matches nothing, on every
    # object: applied on both sides, so the panels are not exercised.
    nothing = {'meta': {'negate': False, 'disabled': False,
        'type': 'phrase', 'key': 'event.action'},
        'query': {'match_phrase': {'event.action': 'no-such-event'}}}

    def lens_nothing(p):
        at = p['embeddableConfig']['attributes']
        if at.get('state'):
            at['state']['filters'].append(nothing)
        else:
            ms = json.loads(at['mapStateJSON'])
            ms['filters'].append(nothing)
            at['mapStateJSON'] = json.dumps(ms)
    objs = edit_panels(objects, lens_nothing)
    for o in objs:
        meta = o['attributes'].get('kibanaSavedObjectMeta', {})
        if o['type'] in ('visualization', 'search') and meta.get('searchSourceJSON'):
            src = json.loads(meta['searchSourceJSON'])
            src['filter'] = [{'meta': {'negate': False, 'disabled': False,
                'type': 'phrase', 'key': 'event.action'},
                'query': {'match_phrase': {'event.action': 'no-such-event'}}}]
            meta['searchSourceJSON'] = json.dumps(src)
    res = run(engine, objs, records, args.mapping)
    verdict('filter matching nothing', res, 'not exercised', 'no record matches')
    if any(s == 'ok' for s, _t, _w in res):
        failed += 1
        print('FAIL - filter matching nothing: some panel still passes: %s' %
            next(t for s, t, _w in res if s == 'ok'))
    # 10. A dashboard query applies to its panels.
    objs = copy.deepcopy(objects)
    dash = next(o for o in objs if o['type'] == 'dashboard')
    meta = dash['attributes']['kibanaSavedObjectMeta']
    src = json.loads(meta['searchSourceJSON'])
    src['query'] = {'query': 'event.action : "no-such-event"', 'language': 'kuery'}
    meta['searchSourceJSON'] = json.dumps(src)
    verdict('dashboard query', run(engine, objs, records, args.mapping),
        'not exercised', 'no record matches')

    print('mutants: %d passed, %d failed' % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == '__main__':
    sys.exit(main())
