#!/usr/bin/env python3
"""Run every saved search, Lens layer and map layer of the Kibana saved
objects against Elasticsearch, and ask the same question of the records.

    python3 tests/elastic/panels.py --es http://127.0.0.1:9200 \\
        --objects kibana/saved-objects.ndjson --records FILE...

FILE... must be exactly the records the engine holds (tests/elastic/
index.py puts them in logs-opensmtpd.event-default and the summaries'
data streams).  Panels are the dashboards' by-value Lens and Maps panels
(and legacy visualizations or maps saved apart, if a file has them).  For
each panel the KQL query (and filters, and a linked saved search's query)
is translated by tests/elastic/kql.py as Kibana translates it; a Lens
layer's columns become the aggregations Lens asks for (its bucket columns
nested in columnOrder order, its metrics under them), as do the
aggregations of a legacy visState; the
engine's answer must equal the one computed here from the records: hits,
each bucket's key and count (terms: the buckets the size and order make
well-defined), cardinality, sum, max, min, avg; saved searches also their
first page in the saved sort order.  Data-view runtime fields are run as
runtime_mappings and compared with their record-level equivalent below.
Fields no record carries but the engine's documents do (what the ingest
pipeline adds: GeoIP, ASN) are taken from the engine's copy of each record,
and the panel's line says so.

One line per panel: `ok - TITLE`, `FAIL - TITLE: why`,
`not exercised - TITLE: why` (no hits, a bucket aggregation without a
bucket, a filter that matches nothing, a metric without a value: the
records cannot tell whether the panel is right) or `not run - TITLE: why`
(the engine lacks a module the question needs, e.g. painless for a
runtime field in Elastic's test build).  Last line:
`panels: N passed, M failed, K not exercised` (`, R not run` appended
when R is not zero); the exit status is 1 unless everything passed.
Nothing here knows today's panel ids.
"""

import argparse
import copy
import json
import math
import os
import sys
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kql  # noqa: E402

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
MISSING = '__missing__'  # the key Kibana gives the missing bucket
PAGE = 100  # hits of a saved search compared in order
# A time range wider than any record (Kibana always sends one).
TIME_FROM, TIME_TO = '1970-01-01T00:00:00.000Z', '2100-01-01T00:00:00.000Z'


class Mismatch(Exception):
    pass


class NotRun(Exception):
    """The engine lacks what the question needs (a module of the default
    distribution the test build does not carry): neither passed nor failed."""


# Errors of an engine without painless, mapper-extras and the like.
LACKS = ('script_lang not supported', 'No processor type exists',
    'does not exist. It might have been created within a future version or requires a plugin')


# ---- record-level equivalents of data-view runtime fields ----------------
# Keyed by the exact script source: when the script changes, the check
# fails until its equivalent here follows.

def _rcpt_domains(fields):
    def f(record):
        out = []
        # doc['x'] of a keyword is its doc values: distinct, sorted.
        for a in sorted(set(kql.values(record, 'email.to.address', fields))):
            i = a.rfind('@')
            if i >= 0:
                out.append(a[i + 1:].lower())
        return out
    return f


RUNTIME_EQUIVALENTS = {
    "if (doc.containsKey('email.to.address')) { "
    "for (def a : doc['email.to.address']) { "
    "int i = a.lastIndexOf('@'); "
    "if (i >= 0) { emit(a.substring(i + 1).toLowerCase()); } } }": _rcpt_domains,
}


# ---- engine ----------------------------------------------------------------

class Engine:
    def __init__(self, url, index):
        self.url = url.rstrip('/')
        self.index = index

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method,
            headers={'Content-Type': 'application/json'})
        try:
            with urllib.request.urlopen(req, timeout=120) as r:
                return json.loads(r.read())
        except urllib.error.HTTPError as e:
            text = e.read().decode(errors='replace')
            try:
                err = json.loads(text)['error']
                root = (err.get('root_cause') or [err])[0]
                why = '%s: %s' % (root.get('type'), root.get('reason'))
                if err.get('caused_by'):
                    why += ' (%s)' % err['caused_by'].get('reason')
            except (ValueError, KeyError, TypeError):
                why = text[:300]
            if any(m in why for m in LACKS):
                raise NotRun('the engine cannot answer: %s' % why)
            raise Mismatch('engine refused the request: HTTP %d %s' % (e.code, why))

    def search(self, body):
        return self.call('POST', '/%s/_search' % self.index, body)


# ---- saved objects ---------------------------------------------------------

class Context:
    """Query, filters and data view a panel runs with."""

    def __init__(self, dv, queries=(), filters=()):
        self.dv = dv
        self.queries = list(queries)  # KQL strings
        self.filters = list(filters)  # saved filter objects

    def plus(self, queries=(), filters=()):
        return Context(self.dv, self.queries + list(queries),
            self.filters + list(filters))


def source_of(attrs):
    text = attrs.get('kibanaSavedObjectMeta', {}).get('searchSourceJSON')
    return json.loads(text) if text else {}


def kql_of(source, what):
    q = source.get('query')
    if q is None:
        return []
    if isinstance(q, dict):
        if q.get('language', 'kuery') != 'kuery':
            raise kql.KqlError('%s: query language %s is not KQL' % (what, q.get('language')))
        q = q.get('query', '')
    return [q] if q != '' else []


def filter_node(f):
    """A saved filter (meta + query) as a tree, and the DSL Kibana sends."""
    meta = f.get('meta', {})
    if meta.get('disabled'):
        return None, None
    q = f.get('query', {k: v for k, v in f.items() if k not in ('meta', '$state')})

    def tree(d):
        if len(d) != 1:
            raise kql.KqlError('filter %s is not modelled' % json.dumps(d))
        kind, body = next(iter(d.items()))
        if kind in ('match_phrase', 'term') and len(body) == 1:
            field, v = next(iter(body.items()))
            if isinstance(v, dict):
                v = v.get('query', v.get('value'))
            return kql.Is(field, v, quoted=True)
        if kind == 'exists':
            return kql.Exists(body['field'])
        if kind == 'bool' and set(body) <= {'should', 'minimum_should_match'} and \
            body.get('minimum_should_match', 1) == 1:
            return kql.Or([tree(c) for c in body['should']])
        raise kql.KqlError('filter %s is not modelled' % json.dumps(d))
    node = tree(q)
    return (kql.Not(node), q) if meta.get('negate') else (node, q)


class Question:
    """A context made concrete: the engine query and the record predicate."""

    def __init__(self, ctx, fields, runtime):
        self.fields = fields
        self.runtime = runtime
        self.nodes = []
        must, must_not = [], []
        for q in ctx.queries:
            n = kql.parse(q)
            self.nodes.append(n)
            must.append(kql.to_dsl(n, fields))
        for f in ctx.filters:
            n, dsl = filter_node(f)
            if n is None:
                continue
            self.nodes.append(n)
            (must_not if isinstance(n, kql.Not) else must).append(dsl)
        tf = ctx.dv['timeField']
        if tf:
            self.nodes.append(('time', tf))
            must.append({'range': {tf: {'gte': TIME_FROM, 'lte': TIME_TO,
                'format': 'strict_date_optional_time'}}})
        self.dsl = {'bool': {'must': [], 'filter': must, 'should': [],
            'must_not': must_not}}
        self.time_field = tf

    def used_fields(self):
        out = []
        for n in self.nodes:
            if not isinstance(n, tuple):
                out += kql.fields_of(n)
        return out

    def matches(self, rec):
        for n in self.nodes:
            if isinstance(n, tuple):
                lo = kql.parse_time(TIME_FROM, False)
                hi = kql.parse_time(TIME_TO, False)
                t = self.fields.type(n[1])
                vs = kql.values(rec, n[1], self.fields, self.runtime)
                if t == 'date_nanos':
                    vs = [v // 10**6 for v in vs]
                if not any(lo <= v <= hi for v in vs):
                    return False
            elif not kql.matches(n, rec, self.fields, self.runtime):
                return False
        return True


# ---- aggregations ----------------------------------------------------------

INTERVALS = [('1s', 1000), ('1m', 60000), ('10m', 600000), ('1h', 3600000),
    ('12h', 43200000), ('1d', 86400000), ('7d', 604800000),
    ('30d', 2592000000), ('365d', 31536000000)]
NAMED_INTERVALS = {'s': '1s', 'm': '1m', 'h': '1h', 'd': '1d', 'w': '7d'}


def histogram_interval(param, span_ms):
    """Kibana's 'auto' depends on the time picker; here the smallest fixed
    interval giving at most 200 buckets over the records' span."""
    if param in NAMED_INTERVALS:
        name = NAMED_INTERVALS[param]
        return name, dict(INTERVALS)[name]
    if param != 'auto':
        raise kql.KqlError('date_histogram interval %r is not modelled' % param)
    for name, ms in INTERVALS:
        if span_ms / ms <= 200:
            return name, ms
    return INTERVALS[-1]


class Vis:
    """The aggregations of one visState, split as Kibana requests them:
    bucket aggregations nested in their order, every metric under each."""

    def __init__(self, vis, fields, span_ms):
        self.buckets, self.metrics = [], []
        self.fields = fields
        for a in vis.get('aggs', []):
            if a.get('enabled', True) is False:
                continue
            if a.get('schema') == 'metric' or a['type'] in METRICS:
                if a['type'] not in METRICS:
                    raise kql.KqlError('metric %s is not modelled' % a['type'])
                self.metrics.append(a)
            elif a['type'] in BUCKETS:
                self.buckets.append(a)
            else:
                raise kql.KqlError('aggregation %s is not modelled' % a['type'])
        self.span_ms = span_ms
        for a in self.buckets + self.metrics:
            f = a.get('params', {}).get('field')
            if f is not None:
                fields.type(f)
            if a['type'] == 'terms':
                p = a['params']
                if p.get('otherBucket'):
                    raise kql.KqlError('terms other bucket is not modelled')
                if p.get('missingBucket') and fields.type(p['field']) not in (
                        'keyword', 'constant_keyword', 'wildcard'):
                    raise kql.KqlError('missing bucket on %s, a %s field: Kibana offers it '
                        'for strings only' % (p['field'], fields.type(p['field'])))
                ob = p.get('orderBy')
                if ob not in ('_key', '_count') and not any(m['id'] == ob for m in self.metrics):
                    raise kql.KqlError('terms order by %r is not modelled' % ob)
            if a['type'] == 'filters':
                for flt in a['params']['filters']:
                    inp = flt['input']
                    if inp.get('language', 'kuery') != 'kuery':
                        raise kql.KqlError('filters agg input language %s' % inp.get('language'))
                    flt['_node'] = kql.parse(inp.get('query', ''))
            if a['type'] == 'date_histogram':
                a['_interval'] = histogram_interval(a['params'].get('interval', 'auto'), span_ms)

    def label(self, a):
        p = a.get('params', {})
        return p.get('customLabel') or '%s %s' % (a['type'], p.get('field', ''))

    def used_fields(self):
        out = [a['params']['field'] for a in self.buckets + self.metrics
            if a.get('params', {}).get('field')]
        for a in self.buckets:
            if a['type'] == 'filters':
                for flt in a['params']['filters']:
                    out += kql.fields_of(flt['_node'])
        return out

    # -- request --

    def metric_request(self):
        out = {}
        for m in self.metrics:
            if m['type'] == 'count':
                continue
            if m['type'] == 'percentiles':
                out[m['id']] = {'percentiles': {'field': m['params']['field'],
                    'percents': [m['params']['percent']], 'keyed': True}}
                continue
            out[m['id']] = {m['type']: {'field': m['params']['field']}}
        return out

    def request(self, level=0):
        subs = self.metric_request()
        if level == len(self.buckets):
            return subs
        a = self.buckets[level]
        p = a['params']
        inner = self.request(level + 1)
        if a['type'] == 'terms':
            body = {'field': p['field'], 'size': p.get('size', 5),
                'order': self.terms_order(a)}
            if p.get('missingBucket'):
                body['missing'] = MISSING
            req = {'terms': body}
        elif a['type'] == 'filters':
            req = {'filters': {'filters': {
                self.filter_key(f): kql.to_dsl(f['_node'], self.fields)
                for f in p['filters']}}}
        elif a['type'] == 'date_histogram':
            req = {'date_histogram': {'field': p['field'],
                'fixed_interval': a['_interval'][0], 'min_doc_count': 1,
                'time_zone': 'UTC'}}
        elif a['type'] == 'range':
            req = {'range': {'field': p['field'], 'keyed': False,
                'ranges': [{k: r[k] for k in ('from', 'to') if k in r}
                for r in p['ranges']]}}
        if inner:
            req['aggs'] = inner
        subs[a['id']] = req
        return subs

    def terms_order(self, a):
        p = a['params']
        ob, d = p.get('orderBy'), p.get('order', 'desc')
        if ob == '_key':
            return {'_key': d}
        m = next((m for m in self.metrics if m['id'] == ob), None)
        if ob == '_count' or m is None or m['type'] == 'count':
            return {'_count': d}
        return {ob: d}

    @staticmethod
    def filter_key(f):
        return f.get('label') or f['input'].get('query') or '*'

    # -- records --

    def metric_values(self, docs):
        out = {}
        for m in self.metrics:
            if m['type'] == 'count':
                out[m['id']] = len(docs)
                continue
            f = m['params']['field']
            if m['type'] == 'cardinality':
                out[m['id']] = len({v for d in docs for v in self.vals(d, f)})
                continue
            nums = [v for d in docs for v in self.vals(d, f)]
            if m['type'] == 'sum':
                out[m['id']] = float(sum(nums))
            elif m['type'] == 'avg':
                out[m['id']] = float(sum(nums)) / len(nums) if nums else None
            elif m['type'] == 'max':
                out[m['id']] = float(max(nums)) if nums else None
            elif m['type'] == 'min':
                out[m['id']] = float(min(nums)) if nums else None
            elif m['type'] == 'percentiles':
                out[m['id']] = percentile_bounds(nums, m['params']['percent'])
        return out

    def vals(self, doc, field):
        vs = self.valcache.get((id(doc), field))
        if vs is None:
            vs = kql.values(doc, field, self.fields, self.runtime)
            self.valcache[(id(doc), field)] = vs
        return vs

    def compute(self, docs, runtime, level=0):
        """{'count', 'metrics', 'buckets': {id: [(key, sub)]}} of docs."""
        if level == 0:
            self.runtime = runtime
            self.valcache = {}
        node = {'count': len(docs), 'metrics': self.metric_values(docs)}
        if level == len(self.buckets):
            return node
        a = self.buckets[level]
        p = a['params']
        groups = []
        if a['type'] == 'terms':
            by = {}
            t = self.fields.type(p['field'])
            for d in docs:
                vs = set(self.vals(d, p['field']))
                if not vs and p.get('missingBucket'):
                    vs = {MISSING}
                for v in vs:
                    by.setdefault(key_of(v, t), []).append(d)
            groups = list(by.items())
        elif a['type'] == 'filters':
            for f in p['filters']:
                groups.append((self.filter_key(f), [d for d in docs
                    if kql.matches(f['_node'], d, self.fields, runtime)]))
        elif a['type'] == 'date_histogram':
            ms = a['_interval'][1]
            t = self.fields.type(p['field'])
            by = {}
            for d in docs:
                ks = set()
                for v in self.vals(d, p['field']):
                    if t == 'date_nanos':
                        v //= 10**6
                    ks.add(v - v % ms)
                for k in ks:
                    by.setdefault(k, []).append(d)
            groups = sorted(by.items())
        elif a['type'] == 'range':
            for r in p['ranges']:
                lo, hi = r.get('from'), r.get('to')
                groups.append((range_key(r), [d for d in docs if any(
                    (lo is None or v >= lo) and (hi is None or v < hi)
                    for v in self.vals(d, p['field']))]))
        node['buckets'] = {a['id']: [(k, self.compute(g, runtime, level + 1))
            for k, g in groups]}
        return node


METRICS = ('count', 'cardinality', 'sum', 'avg', 'max', 'min', 'percentiles')
BUCKETS = ('terms', 'filters', 'date_histogram', 'range')


def percentile_bounds(nums, p):
    """The values a percentile of nums may take: Elasticsearch estimates
    percentiles (TDigest, interpolating between neighbouring values), so
    the engine's answer must lie between the two values of the records
    around rank p/100 * (n - 1), or be None without values."""
    if not nums:
        return None
    v = sorted(float(x) for x in nums)
    r = p / 100.0 * (len(v) - 1)
    return ('between', v[int(math.floor(r))], v[int(math.ceil(r))])


def key_of(v, t):
    """A terms key as the engine writes it (booleans as key_as_string)."""
    if v == MISSING:
        return MISSING
    if t == 'boolean':
        return 'true' if v else 'false'
    return v


def range_key(r):
    return (r.get('from'), r.get('to'))


def engine_key(b, t):
    if t == 'boolean' and 'key_as_string' in b:
        return b['key_as_string']
    if t in ('long', 'integer', 'short', 'byte') and isinstance(b['key'], float):
        return int(b['key'])
    return b['key']


def close(a, b):
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def compare(vis, eng, rec, where, level=0):
    """Raise Mismatch where the engine's node differs from the records'."""
    if eng['doc_count'] != rec['count']:
        raise Mismatch('%s: engine counts %d, records %d' % (where, eng['doc_count'], rec['count']))
    for m in vis.metrics:
        want = rec['metrics'][m['id']]
        if m['type'] == 'count':
            continue
        if m['type'] == 'percentiles':
            vals = eng.get(m['id'], {}).get('values') or {}
            got = next(iter(vals.values()), None) if vals else None
            if want is None and got is None:
                continue
            if want is None or got is None or not (
                    want[1] - 1e-6 * abs(want[1]) <= got <= want[2] + 1e-6 * abs(want[2])):
                raise Mismatch('%s: %s is %r in the engine, records allow %r' %
                    (where, vis.label(m), got, want and want[1:]))
            continue
        got = eng.get(m['id'], {}).get('value')
        if not close(got, want):
            raise Mismatch('%s: %s is %r in the engine, %r in the records' %
                (where, vis.label(m), got, want))
    if level == len(vis.buckets):
        return
    a = vis.buckets[level]
    p = a['params']
    rb = rec['buckets'][a['id']]
    eb = eng[a['id']]['buckets']
    name = '%s > %s' % (where, vis.label(a))
    if a['type'] == 'terms':
        t = vis.fields.type(p['field'])
        compare_terms(vis, a, t, eb, rb, name, level)
    elif a['type'] == 'filters':
        for k, sub in rb:
            if k not in eb:
                raise Mismatch('%s: no bucket %r in the engine' % (name, k))
            compare(vis, eb[k], sub, '%s [%s]' % (name, k), level + 1)
    elif a['type'] == 'date_histogram':
        got = {b['key']: b for b in eb}
        want = dict(rb)
        if set(got) != set(want):
            raise Mismatch('%s: engine buckets %s, records %s' % (name,
                sorted(set(got) - set(want))[:5], sorted(set(want) - set(got))[:5]))
        for k in sorted(want):
            compare(vis, got[k], want[k], '%s [%s]' % (name, k), level + 1)
    elif a['type'] == 'range':
        if len(eb) != len(rb):
            raise Mismatch('%s: %d ranges in the engine, %d asked' % (name, len(eb), len(rb)))
        for b, (k, sub) in zip(eb, rb):
            if (b.get('from'), b.get('to')) != k:
                raise Mismatch('%s: range %r where %r was asked' % (name, (b.get('from'), b.get('to')), k))
            compare(vis, b, sub, '%s [%s]' % (name, k), level + 1)


def order_value(vis, a, key, node):
    ob = vis.terms_order(a)
    (what, _d), = ob.items()
    if what == '_count':
        return node['count']
    if what == '_key':
        return key
    v = node['metrics'][what]
    return v[1] if isinstance(v, tuple) else v


def compare_terms(vis, a, t, eb, rb, name, level):
    """Terms: the engine's buckets must be the records' top `size` by the
    order; buckets tied at the cut-off may be any of the tied ones."""
    size = a['params'].get('size', 5)
    (_w, direction), = vis.terms_order(a).items()
    desc = direction == 'desc'
    want = {k: sub for k, sub in rb}
    ranked = sorted(rb, key=lambda kv: order_value(vis, a, kv[0], kv[1]), reverse=desc)
    got = [(engine_key(b, t), b) for b in eb]
    if len(got) != min(size, len(ranked)):
        raise Mismatch('%s: %d buckets in the engine, want %d (size %d, %d distinct)' %
            (name, len(got), min(size, len(ranked)), size, len(ranked)))
    for k, b in got:
        if k not in want:
            raise Mismatch('%s: engine bucket %r is not a value of the records' % (name, k))
    if len(ranked) > size:
        cut = order_value(vis, a, ranked[size - 1][0], ranked[size - 1][1])
        gotkeys = {k for k, _ in got}
        for k, sub in ranked:
            v = order_value(vis, a, k, sub)
            if (v > cut if desc else v < cut) and k not in gotkeys:
                raise Mismatch('%s: bucket %r (%r) is in the top %d of the records, not in the engine\'s' %
                    (name, k, v, size))
            if v == cut:
                break
        for k, _ in got:
            v = order_value(vis, a, k, want[k])
            if (v < cut if desc else v > cut):
                raise Mismatch('%s: engine bucket %r (%r) is below the records\' cut-off %r' %
                    (name, k, v, cut))
    prev = None
    for k, b in got:
        v = order_value(vis, a, k, want[k])
        if prev is not None and (v > prev if desc else v < prev):
            raise Mismatch('%s: engine buckets out of order at %r' % (name, k))
        prev = v
        compare(vis, b, want[k], '%s [%s]' % (name, k), level + 1)


def exercise_gaps(vis, rec):
    """Why the records cannot exercise the panel, or []."""
    gaps = []
    if rec['count'] == 0:
        return ['no record matches the query']

    def walk(node, level, acc):
        for m in vis.metrics:
            if m['type'] != 'count' and node['metrics'][m['id']] not in (None, 0.0, 0):
                acc.setdefault(('m', m['id']), True)
        if level == len(vis.buckets):
            return
        a = vis.buckets[level]
        for k, sub in node['buckets'][a['id']]:
            if sub['count'] > 0 and k != MISSING:
                acc[('b', a['id'])] = True
                if a['type'] == 'filters':
                    acc[('f', a['id'], k)] = True
            walk(sub, level + 1, acc)
    acc = {}
    walk(rec, 0, acc)
    for a in vis.buckets:
        if ('b', a['id']) not in acc:
            gaps.append('%s has no bucket' % vis.label(a))
        elif a['type'] == 'filters':
            for f in a['params']['filters']:
                if ('f', a['id'], vis.filter_key(f)) not in acc:
                    gaps.append('filter %r matches nothing' % vis.filter_key(f))
    for m in vis.metrics:
        if m['type'] != 'count' and ('m', m['id']) not in acc:
            gaps.append('%s has no value' % vis.label(m))
    return gaps


# ---- Lens -----------------------------------------------------------------

LENS_OPS = {'count': 'count', 'unique_count': 'cardinality', 'sum': 'sum',
    'average': 'avg', 'max': 'max', 'min': 'min', 'percentile': 'percentiles',
    'terms': 'terms', 'filters': 'filters', 'date_histogram': 'date_histogram',
    'range': 'range'}
# Fields of /work/plan-s4.md a mapping may not have yet: a panel on one is
# "not run" until the mapping names it (any other unmapped field fails).
PLAN_FIELDS = ('opensmtpd.reply.', 'opensmtpd.stats.', 'opensmtpd.session.end_reason',
    'opensmtpd.session.rcpt_accepted', 'opensmtpd.session.rcpt_refused',
    'opensmtpd.session.error_replies', 'opensmtpd.tx.accepted_count',
    'opensmtpd.tx.rejected_count')


def lens_vis(layer):
    """A Lens formBased layer as the aggregations Vis models: Lens's
    esaggs nests the bucket columns in columnOrder order and puts the
    metric columns under the innermost (Vis asks for them at every level,
    which only adds comparisons)."""
    aggs = []
    cols = layer.get('columns', {})
    for cid in layer.get('columnOrder', []):
        c = cols[cid]
        op = c.get('operationType')
        if op not in LENS_OPS:
            raise kql.KqlError('Lens operation %s is not modelled' % op)
        for k in ('filter', 'timeShift', 'reducedTimeRange', 'window'):
            if c.get(k):
                raise kql.KqlError('Lens column %s: %s is not modelled' % (cid, k))
        p = c.get('params', {})
        a = {'id': cid, 'enabled': True, 'type': LENS_OPS[op],
            'schema': 'bucket' if c.get('isBucketed') else 'metric',
            'params': {'customLabel': c.get('label')}}
        if op not in ('count', 'filters'):
            a['params']['field'] = c['sourceField']
        if op == 'terms':
            ob = p.get('orderBy', {})
            a['params'].update(size=p.get('size', 3), order=p.get('orderDirection', 'desc'),
                missingBucket=p.get('missingBucket', False),
                otherBucket=p.get('otherBucket', False))
            if ob.get('type') == 'column':
                a['params']['orderBy'] = ob['columnId']
            elif ob.get('type') == 'alphabetical':
                a['params']['orderBy'] = '_key'
            else:
                raise kql.KqlError('terms order %s is not modelled' % json.dumps(ob))
        elif op == 'filters':
            a['params']['filters'] = [{'input': dict(f['input']), 'label': f.get('label', '')}
                for f in p.get('filters', [])]
        elif op == 'date_histogram':
            a['params']['interval'] = p.get('interval', 'auto')
        elif op == 'range':
            if p.get('type') != 'range':
                raise kql.KqlError('range type %s is not modelled' % p.get('type'))
            a['params']['ranges'] = [{k: r[k] for k in ('from', 'to') if r.get(k) is not None}
                for r in p.get('ranges', [])]
        elif op == 'percentile':
            a['params']['percent'] = p['percentile']
        aggs.append(a)
    return {'aggs': aggs}


def lens_fields(at):
    """Every field a Lens panel's state names."""
    st = at.get('state', {})
    out = []
    for q in kql_of(st, at.get('title')):
        out += kql.fields_of(kql.parse(q))
    for f in st.get('filters', []):
        n, _dsl = filter_node(f)
        if n is not None:
            out += kql.fields_of(n)
    for layer in st.get('datasourceStates', {}).get('formBased', {}).get('layers', {}).values():
        for c in layer.get('columns', {}).values():
            if c.get('sourceField') and c['sourceField'] != '___records___':
                out.append(c['sourceField'])
            for f in c.get('params', {}).get('filters', []):
                out += kql.fields_of(kql.parse(f['input'].get('query', '')))
    return out


# ---- the checks --------------------------------------------------------------

class Checker:
    def __init__(self, engine, objects, records, fields_file):
        self.engine = engine
        self.records = records
        self.byid = {(o['type'], o['id']): o for o in objects}
        self.objects = objects
        self.results = []  # (status, title, why)
        self.enriched, self.nowhere, self.used = [], set(), []
        self.runtime_check = True
        self.only = None  # names a panel must mention to be run (--only-mentioning)
        self.used_all = []
        pipeline = os.path.join(os.path.dirname(fields_file), 'ingest-pipeline.json')
        self.pipeline_text = open(pipeline).read() if os.path.exists(pipeline) else ''
        self.dvs = {}
        for o in objects:
            if o['type'] == 'index-pattern':
                a = o['attributes']
                rt = json.loads(a.get('runtimeFieldMap') or '{}')
                self.dvs[o['id']] = {'title': a['title'],
                    'timeField': a.get('timeFieldName'), 'runtime': rt}
        runtime_types = {}
        for dv in self.dvs.values():
            for name, d in dv['runtime'].items():
                runtime_types[name] = d['type']
        self.fields = kql.Fields.from_files(fields_file, runtime_types)
        self.runtime = {}
        for dv in self.dvs.values():
            for name, d in dv['runtime'].items():
                src = d.get('script', {}).get('source')
                if src in RUNTIME_EQUIVALENTS:
                    self.runtime[name] = RUNTIME_EQUIVALENTS[src](self.fields)
        times = []
        for dv in self.dvs.values():
            if dv['timeField']:
                for r in records:
                    times += [t if self.fields.type(dv['timeField']) == 'date' else t // 10**6
                        for t in kql.values(r, dv['timeField'], self.fields)]
        self.span_ms = (max(times) - min(times)) if times else 0

    # -- fields the engine adds --

    def enrich(self):
        """Fields a panel uses that no record carries but the engine's
        documents do (the ingest pipeline's GeoIP and ASN of source.ip and
        destination.ip): the records cannot say what they hold, so their
        values are taken from the engine's copy of each record (same
        event.id and @timestamp) and the panel's aggregation is checked
        over them; the panel's line says so.  Fields in neither are named
        in the 'not exercised' reasons."""
        text = json.dumps(self.objects)
        used = [f for f in self.fields.types if not self.fields.is_runtime(f) and f in text]
        absent = [f for f in used if not any(kql.raw_values(r, f) for r in self.records)]
        self.enriched, self.nowhere = [], set(absent)
        if not absent:
            return
        res = self.engine.search({'size': 0, 'track_total_hits': True, 'aggs': {
            str(i): {'filter': {'exists': {'field': f}}} for i, f in enumerate(absent)}})
        self.enriched = [f for i, f in enumerate(absent)
            if res['aggregations'][str(i)]['doc_count'] > 0]
        self.nowhere = set(absent) - set(self.enriched)
        if not self.enriched:
            return
        total = res['hits']['total']['value']
        if total > 10000:
            raise Mismatch('%d documents: too many to take %s from the engine' %
                (total, ', '.join(self.enriched)))
        tf = next((dv['timeField'] for dv in self.dvs.values() if dv['timeField']), '@timestamp')
        res = self.engine.search({'size': total, 'sort': ['_doc'],
            '_source': self.enriched + ['event.id', tf]})
        by = {}
        for h in res['hits']['hits']:
            src = h['_source']
            key = json.dumps([kql.raw_values(src, 'event.id'), kql.raw_values(src, tf)])
            by.setdefault(key, []).append(src)
        merged = []
        for r in self.records:
            key = json.dumps([kql.raw_values(r, 'event.id'), kql.raw_values(r, tf)])
            if not by.get(key):
                raise Mismatch('record %s is not in the engine (to take %s from)' %
                    (key, ', '.join(self.enriched)))
            src = by[key].pop(0)
            m = copy.deepcopy(r)
            for f in self.enriched:
                vals = kql.raw_values(src, f)
                if not vals:
                    continue
                cur = m
                parts = f.split('.')
                for part in parts[:-1]:
                    cur = cur.setdefault(part, {})
                    if not isinstance(cur, dict):
                        raise Mismatch('cannot put %s into a record' % f)
                cur[parts[-1]] = vals if len(vals) > 1 else vals[0]
            merged.append(m)
        self.records = merged

    def by_pipeline(self, f):
        """Whether the ingest pipeline names f or an object above it
        (a GeoIP target_field, a rename target)."""
        parts = f.split('.')
        return any('"%s"' % '.'.join(parts[:i]) in self.pipeline_text
            for i in range(2, len(parts) + 1))

    def note(self, used):
        """What a panel line adds about where its fields come from."""
        taken = sorted(set(used) & set(self.enriched))
        if taken:
            return ' (%s from the engine\'s documents: in no record%s)' % (', '.join(taken),
                ', the ingest pipeline adds it' if all(self.by_pipeline(f) for f in taken) else '')
        return ''

    def nowhere_note(self, used):
        out = []
        for f in sorted(set(used) & self.nowhere):
            if self.by_pipeline(f):
                out.append('%s: in no record and in no document of the engine; the ingest '
                    'pipeline adds it where it can (GeoIP)' % f)
            else:
                out.append('%s: in no record and in no document of the engine, and the ingest '
                    'pipeline does not add it: does anything write it?' % f)
        return ' (%s)' % '; '.join(out) if out else ''

    def report(self, status, title, why=''):
        self.results.append((status, title, why))
        print('%s - %s%s' % (status, title, ': ' + why if why else ''))
        sys.stdout.flush()

    def runtime_mappings(self, ctx, used):
        rm = {n: d for n, d in ctx.dv['runtime'].items() if n in used}
        return {'runtime_mappings': rm} if rm else {}

    def dv_of(self, o, src):
        ids = [r['id'] for r in o.get('references', []) if r['type'] == 'index-pattern']
        if not ids:
            raise kql.KqlError('no data view reference')
        if ids[0] not in self.dvs:
            raise kql.KqlError('data view %s is not in the file' % ids[0])
        return self.dvs[ids[0]]

    def context_of(self, o):
        """The object's query and filters, with those of its saved search."""
        a = o['attributes']
        src = source_of(a)
        ctx = None
        for r in o.get('references', []):
            if r['type'] == 'search' and r['name'] == a.get('savedSearchRefName', 'search_0'):
                s = self.byid.get(('search', r['id']))
                if s is None:
                    raise kql.KqlError('saved search %s is not in the file' % r['id'])
                ctx = self.context_of(s)
        if ctx is None:
            ctx = Context(self.dv_of(o, src))
        return ctx.plus(kql_of(src, o['id']), src.get('filter', []))

    # -- data view runtime fields --

    def check_runtime(self):
        for dvid, dv in self.dvs.items():
            for name, d in dv['runtime'].items():
                title = 'data view %s: runtime field %s' % (dv['title'], name)
                try:
                    if name not in self.runtime:
                        raise Mismatch('no record-level equivalent of its script in panels.py '
                            '(RUNTIME_EQUIVALENTS): write one for the new script')
                    body = {'size': 0, 'track_total_hits': True,
                        'runtime_mappings': {name: d},
                        'aggs': {'v': {'terms': {'field': name, 'size': 10000}},
                        'n': {'filter': {'exists': {'field': name}}}}}
                    res = self.engine.search(body)
                    want = {}
                    with_value = 0
                    for r in self.records:
                        vs = set(kql.values(r, name, self.fields, self.runtime))
                        with_value += bool(vs)
                        for v in vs:
                            want[v] = want.get(v, 0) + 1
                    got = {b['key']: b['doc_count'] for b in res['aggregations']['v']['buckets']}
                    if got != want:
                        raise Mismatch('engine values %s, records %s' % (
                            sorted(got.items())[:5], sorted(want.items())[:5]))
                    if res['aggregations']['n']['doc_count'] != with_value:
                        raise Mismatch('%d documents with a value in the engine, %d in the records' %
                            (res['aggregations']['n']['doc_count'], with_value))
                    if not want:
                        self.report('not exercised', title, 'no record gives it a value')
                    else:
                        self.report('ok', title)
                except NotRun as e:
                    self.report('not run', title, str(e))
                except (Mismatch, kql.KqlError) as e:
                    self.report('FAIL', title, str(e))

    # -- saved searches --

    def check_search(self, o, ctx, title):
        a = o['attributes']
        q = Question(ctx, self.fields, self.runtime)
        for c in a.get('columns', []):
            if c != '_source':
                self.fields.type(c)
        sort = a.get('sort') or []
        if sort and isinstance(sort[0], str):
            sort = [sort]
        if not sort and ctx.dv['timeField']:
            # What Discover does without a saved sort.
            sort = [[ctx.dv['timeField'], 'desc']]
        used = q.used_fields() + [c for c in a.get('columns', [])] + [s[0] for s in sort]
        docs = [r for r in self.records if q.matches(r)]
        esort = [{f: {'order': d, 'missing': '_last'}} for f, d in sort]
        body = {'size': PAGE, 'track_total_hits': True, 'query': q.dsl,
            'sort': esort, '_source': False}
        cols = [c for c in a.get('columns', []) if c != '_source']
        body['aggs'] = {'c%d' % i: {'filter': kql.to_dsl(kql.Exists(c), self.fields)}
            for i, c in enumerate(cols)}
        body.update(self.runtime_mappings(ctx, used))
        self.used = used
        res = self.engine.search(body)
        total = res['hits']['total']['value']
        if total != len(docs):
            raise Mismatch('engine hits %d, records %d' % (total, len(docs)))
        for i, c in enumerate(cols):
            n = sum(1 for r in docs if kql.values(r, c, self.fields, self.runtime))
            got = res['aggregations']['c%d' % i]['doc_count']
            if got != n:
                raise Mismatch('column %s: %d hits have it in the engine, %d in the records' % (c, got, n))
        # The first page in the saved order: the sort values, hit by hit.
        def key(r):
            out = []
            for f, d in sort:
                vs = kql.values(r, f, self.fields, self.runtime)
                out.append((max(vs) if d == 'desc' else min(vs)) if vs else None)
            return out

        def ordered(keys):
            def cmp_key(k):
                return [(v is None, -v if (v is not None and d == 'desc') else v)
                    for v, (_f, d) in zip(k, sort)]
            return sorted(keys, key=cmp_key)
        want = ordered([key(r) for r in docs])[:PAGE]
        got = []
        for h in res['hits']['hits']:
            got.append([None if isinstance(v, int) and abs(v) >= 2**63 - 1 else v
                for v in h.get('sort', [])])
        if got != want:
            i = next((i for i, (g, w) in enumerate(zip(got, want)) if g != w), min(len(got), len(want)))
            raise Mismatch('first page in the order %s differs at hit %d: engine %r, records %r' %
                (sort, i + 1, got[i] if i < len(got) else None, want[i] if i < len(want) else None))
        gaps = []
        if not docs:
            gaps.append('no record matches the query')
        else:
            gaps += ['column %s is empty in every hit' % c for c in cols
                if not any(kql.values(r, c, self.fields, self.runtime) for r in docs)]
        return gaps

    # -- visualizations --

    def check_vis(self, o, ctx, title):
        return self.check_aggs(json.loads(o['attributes']['visState']), ctx)

    def check_aggs(self, vis, ctx):
        v = Vis(vis, self.fields, self.span_ms)
        q = Question(ctx, self.fields, self.runtime)
        docs = [r for r in self.records if q.matches(r)]
        rec = v.compute(docs, self.runtime)
        body = {'size': 0, 'track_total_hits': True, 'query': q.dsl,
            'aggs': v.request()}
        self.used = q.used_fields() + v.used_fields()
        body.update(self.runtime_mappings(ctx, self.used))
        try:
            res = self.engine.search(body)
        except NotRun as e:
            # Still ask what the engine can answer: the hits.
            res = self.engine.search({'size': 0, 'track_total_hits': True,
                'query': q.dsl})
            total = res['hits']['total']['value']
            if total != len(docs):
                raise Mismatch('engine hits %d, records %d' % (total, len(docs)))
            raise NotRun('%s (hits agree: %d; the aggregations were not run)' % (e, total))
        total = res['hits']['total']['value']
        if total != len(docs):
            raise Mismatch('engine hits %d, records %d' % (total, len(docs)))
        top = dict(res.get('aggregations', {}))
        top['doc_count'] = total
        compare(v, top, rec, 'all')
        return exercise_gaps(v, rec)

    # -- maps: every document layer's documents with a location --

    def check_map(self, o, title):
        a = o['attributes']
        state = json.loads(a.get('mapStateJSON') or '{}')
        gaps = []
        checked = 0
        for layer in json.loads(a.get('layerListJSON') or '[]'):
            sd = layer.get('sourceDescriptor', {})
            if 'indexPatternRefName' not in sd:
                continue
            ref = next((r for r in o['references'] if r['name'] == sd['indexPatternRefName']), None)
            if ref is None or ref['id'] not in self.dvs:
                raise kql.KqlError('layer %s: data view reference does not resolve' % layer.get('id'))
            if sd.get('type') not in ('ES_GEO_GRID', 'ES_SEARCH'):
                raise kql.KqlError('layer source %s is not modelled' % sd.get('type'))
            geo = sd['geoField']
            self.used.append(geo)
            ctx = Context(self.dvs[ref['id']])
            queries = []
            if sd.get('applyGlobalQuery', True):
                queries += kql_of(state, o['id'])
            queries += kql_of(layer, layer.get('id'))
            ctx = ctx.plus(queries, state.get('filters', []))
            if self.fields.type(geo) not in ('geo_point', 'geo_shape'):
                raise Mismatch('layer %s: %s is not a geo field' % (layer.get('id'), geo))
            q = Question(ctx, self.fields, self.runtime)
            self.used += q.used_fields()
            docs = [r for r in self.records if q.matches(r)]
            located = [r for r in docs if kql.raw_values(r, geo)]
            body = {'size': 0, 'track_total_hits': True, 'query': q.dsl,
                'aggs': {'geo': {'filter': {'exists': {'field': geo}}}}}
            res = self.engine.search(body)
            if res['hits']['total']['value'] != len(docs):
                raise Mismatch('layer %s: engine hits %d, records %d' % (
                    layer.get('label'), res['hits']['total']['value'], len(docs)))
            if res['aggregations']['geo']['doc_count'] != len(located):
                raise Mismatch('layer %s: %d hits with %s in the engine, %d in the records' % (
                    layer.get('label'), res['aggregations']['geo']['doc_count'], geo, len(located)))
            checked += 1
            if not docs:
                gaps.append('layer %s: no record matches the query' % layer.get('label'))
            elif not located:
                gaps.append('layer %s: no matching record has %s' % (layer.get('label'), geo))
        if not checked:
            raise kql.KqlError('no layer reads a data view')
        return gaps

    # -- by-value panels of dashboards: Lens layers, Maps --

    def panel_refs(self, d, p):
        """A by-value panel's references as its embeddable gets them: the
        dashboard's <panelIndex>:<name> ones, prefix taken off."""
        pre = p.get('panelIndex', '') + ':'
        return [dict(r, name=r['name'][len(pre):]) for r in d.get('references', [])
            if r['name'].startswith(pre)]

    def check_lens(self, at, refs, ctx_extra):
        st = at.get('state', {})
        layers = st.get('datasourceStates', {}).get('formBased', {}).get('layers', {})
        if not layers:
            raise kql.KqlError('no formBased layer')
        unmapped = sorted({f for f in lens_fields(at) if f not in self.fields.types})
        planned = [f for f in unmapped if f.startswith(PLAN_FIELDS)]
        if unmapped and len(planned) == len(unmapped):
            raise NotRun('%s: not in the mapping yet (fields of /work/plan-s4.md)' % ', '.join(planned))
        gaps = []
        for lid, layer in layers.items():
            r = next((r for r in refs if r['name'] == 'indexpattern-datasource-layer-' + lid), None)
            if r is None or r['id'] not in self.dvs:
                raise kql.KqlError('layer %s: data view reference does not resolve' % lid)
            ctx = Context(self.dvs[r['id']], kql_of(st, at.get('title')), st.get('filters', []))
            if ctx_extra is not None:
                ctx = ctx.plus(ctx_extra.queries, ctx_extra.filters)
            g = self.check_aggs(lens_vis(layer), ctx)
            gaps += g
            self.used_all += self.used
        self.used = self.used_all
        return gaps

    def dataset_note(self, filters):
        for f in filters or []:
            ds = f.get('query', {}).get('match_phrase', {}).get('event.dataset')
            if ds and not any(r.get('event', {}).get('dataset') == ds for r in self.records):
                return ' (no record of dataset %s yet)' % ds
        return ''

    def run_panel(self, d, p, ctx=None):
        at = p['embeddableConfig']['attributes']
        title = '%s / %s' % (d['attributes']['title'], at.get('title'))
        refs = self.panel_refs(d, p)
        self.used, self.used_all = [], []

        def check():
            if p['type'] == 'map':
                gaps = self.check_map({'attributes': at, 'references': refs, 'id': p['panelIndex']}, title)
                return gaps, self.dataset_note(json.loads(at.get('mapStateJSON') or '{}').get('filters'))
            gaps = self.check_lens(at, refs, ctx)
            return gaps, self.dataset_note(at.get('state', {}).get('filters'))
        self.judge(title, check)

    def judge(self, title, check):
        """Report the verdict of check(), which returns its gaps (what the
        records cannot tell) and a note on them, or None when there was
        nothing to run."""
        try:
            got = check()
            if got is None:
                return
            gaps, note = got
            if gaps:
                self.report('not exercised', title, '; '.join(gaps) + note + self.nowhere_note(self.used))
            else:
                self.report('ok', title + self.note(self.used))
        except NotRun as e:
            self.report('not run', title, str(e))
        except (Mismatch, kql.KqlError, ValueError, KeyError) as e:
            self.report('FAIL', title, '%s%s' % ('' if isinstance(e, (Mismatch, kql.KqlError))
                else type(e).__name__ + ' ', e))

    def by_value_panels(self):
        for d in self.objects:
            if d['type'] != 'dashboard':
                continue
            for p in json.loads(d['attributes'].get('panelsJSON') or '[]'):
                if p.get('type') in ('lens', 'map') and 'attributes' in p.get('embeddableConfig', {}):
                    yield d, p

    def wanted(self, thing):
        return self.only is None or any(n in json.dumps(thing) for n in self.only)

    def run_object(self, o, title, ctx=None):
        self.used = []

        def check():
            if o['type'] == 'map':
                return self.check_map(o, title), ''
            if o['type'] == 'visualization' and not json.loads(
                    o['attributes']['visState']).get('aggs'):
                # Markdown and the like: no query, nothing to compare.
                print('- %s: no aggregation (%s), nothing to run' % (
                    title, json.loads(o['attributes']['visState']).get('type')))
                return None
            c = self.context_of(o)
            if ctx is not None:
                c = c.plus(ctx.queries, ctx.filters)
            if o['type'] == 'search':
                return self.check_search(o, c, title), ''
            return self.check_vis(o, c, title), ''
        self.judge(title, check)

    def run(self):
        try:
            self.enrich()
        except Mismatch as e:
            self.report('FAIL', 'documents of the engine', str(e))
        if self.runtime_check:
            self.check_runtime()
        for o in self.objects:
            if o['type'] in ('search', 'visualization', 'map') and self.wanted(o):
                self.run_object(o, o['attributes']['title'])
        for d, p in self.by_value_panels():
            if self.wanted(p):
                self.run_panel(d, p)
        # A dashboard's own query or filters apply to each of its panels.
        for d in self.objects:
            if d['type'] != 'dashboard':
                continue
            a = d['attributes']
            src = source_of(a)
            try:
                qs, fs = kql_of(src, d['id']), src.get('filter', [])
            except kql.KqlError as e:
                self.report('FAIL', a['title'], str(e))
                continue
            panels = json.loads(a.get('panelsJSON') or '[]')
            for p in panels:
                if qs or fs:
                    if p.get('type') in ('lens', 'map') and 'attributes' in p.get('embeddableConfig', {}) \
                            and self.wanted(p):
                        self.run_panel(d, p, Context(None, qs, fs))
                cfg = p.get('embeddableConfig', {})
                if cfg.get('query') or cfg.get('filters'):
                    self.report('FAIL', '%s / panel %s' % (a['title'], p.get('panelIndex')),
                        'a panel query or filter in embeddableConfig is not modelled')
            if not qs and not fs:
                continue
            for p in panels:
                ref = next((r for r in d['references'] if r['name'] in (
                    p.get('panelRefName'), '%s:%s' % (p.get('panelIndex'), p.get('panelRefName')))), None)
                o = ref and self.byid.get((ref['type'], ref['id']))
                if o is None or o['type'] == 'map' or not self.wanted(o):
                    continue
                title = '%s / %s' % (a['title'], o['attributes']['title'])
                if o['type'] == 'visualization' and not json.loads(
                    o['attributes']['visState']).get('aggs'):
                    continue
                try:
                    dv = self.context_of(o).dv
                except kql.KqlError as e:
                    self.report('FAIL', title, str(e))
                    continue
                self.run_object(o, title, Context(dv, qs, fs))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--es', required=True, help='Elasticsearch URL')
    ap.add_argument('--objects', default=os.path.join(TOP, 'kibana', 'saved-objects.ndjson'))
    ap.add_argument('--mapping', default=os.path.join(TOP, 'kibana', 'elasticsearch',
        'component-template-mappings.json'))
    ap.add_argument('--index', help='what to search (default: the data view title)')
    ap.add_argument('--records', nargs='+', required=True)
    ap.add_argument('--only-mentioning', metavar='FIELD,...',
        help='only the searches, visualizations and maps whose JSON names one of these '
        'fields (the GeoIP panels on an engine with GeoIP)')
    args = ap.parse_args()

    objects = [json.loads(l) for l in open(args.objects) if l.strip()]
    records = []
    for f in args.records:
        with open(f) as fh:
            records += [json.loads(l) for l in fh if l.strip()]
    dvs = [o for o in objects if o['type'] == 'index-pattern']
    if len(dvs) != 1 and not args.index:
        print('FAIL - %d data views: say which index to search (--index)' % len(dvs))
        return 1
    engine = Engine(args.es, args.index or dvs[0]['attributes']['title'])
    failed = 0
    try:
        engine.call('POST', '/%s/_refresh' % engine.index)
        n = engine.search({'size': 0, 'track_total_hits': True})['hits']['total']['value']
    except (Mismatch, urllib.error.URLError) as e:
        print('FAIL - engine at %s: %s' % (args.es, e))
        return 1
    if n != len(records):
        print('FAIL - %s holds %d documents, the records are %d: index exactly the records' %
            (engine.index, n, len(records)))
        failed = 1
    c = Checker(engine, objects, records, args.mapping)
    # a subset of the panels: the data view's runtime field is not theirs
    c.runtime_check = not args.only_mentioning
    if args.only_mentioning:
        c.only = args.only_mentioning.split(',')
    c.run()
    if c.only and not c.results:
        print('FAIL - no panel names %s' % args.only_mentioning)
        return 1
    p = sum(1 for s, _t, _w in c.results if s == 'ok')
    f = sum(1 for s, _t, _w in c.results if s == 'FAIL') + failed
    k = sum(1 for s, _t, _w in c.results if s == 'not exercised')
    r = sum(1 for s, _t, _w in c.results if s == 'not run')
    print('panels: %d passed, %d failed, %d not exercised%s' % (p, f, k,
        ', %d not run' % r if r else ''))
    return 0 if f == 0 and k == 0 and r == 0 else 1


if __name__ == '__main__':
    sys.exit(main())
