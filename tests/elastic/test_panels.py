#!/usr/bin/env python3
"""Unit test of panels.py's record-level answers and of its comparison
rules, no engine needed:

    python3 tests/elastic/test_panels.py [-v]

The engine answers here are written by hand, in the shape Elasticsearch
gives them, to show that each rule accepts what is right and rejects what
is wrong (terms cut-off ties, bucket order, counts, metrics, filters,
missing buckets, what counts as not exercised).  The real comparison with
an engine is panels.py itself; panels_mutants.py checks it can fail there.
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kql  # noqa: E402
import panels  # noqa: E402

FIELDS = kql.Fields.from_mapping({'mappings': {'properties': {
    '@timestamp': {'type': 'date'},
    'k': {'type': 'keyword'},
    'n': {'type': 'long'},
    'b': {'type': 'boolean'},
    's': {'type': 'keyword'},
}}})


def rec(k=None, n=None, s=None, t='2026-01-01T00:00:00Z', b=None):
    r = {'@timestamp': t}
    if k is not None:
        r['k'] = k
    if n is not None:
        r['n'] = n
    if s is not None:
        r['s'] = s
    if b is not None:
        r['b'] = b
    return r


def vis(*aggs):
    return panels.Vis({'aggs': [dict(a, id=str(i + 1), enabled=True)
        for i, a in enumerate(aggs)]}, FIELDS, 0)


def count():
    return {'type': 'count', 'schema': 'metric', 'params': {}}


def metric(t, f):
    return {'type': t, 'schema': 'metric', 'params': {'field': f}}


def terms(f, size, order_by='1', missing=False):
    return {'type': 'terms', 'schema': 'bucket', 'params': {'field': f, 'size': size,
        'orderBy': order_by, 'order': 'desc', 'missingBucket': missing}}


def answer(total, buckets=None, **metrics):
    """An engine node: doc_count, metrics by id, one bucket agg '2'."""
    node = {'doc_count': total}
    for k, v in metrics.items():
        node[k.lstrip('m')] = {'value': v}
    if buckets is not None:
        node['2'] = {'buckets': [dict({'key': k, 'doc_count': c}, **sub)
            for k, c, sub in buckets]}
    return node


# k: a x3, b x2, c x2, d x1
DOCS = [rec('a'), rec('a'), rec('a'), rec('b'), rec('b'), rec('c'), rec('c'), rec('d'),
    rec(None)]


class Terms(unittest.TestCase):
    def setUp(self):
        self.v = vis(count(), terms('k', 2))
        self.r = self.v.compute(DOCS, {})

    def check(self, buckets):
        panels.compare(self.v, answer(9, [(k, c, {}) for k, c in buckets]), self.r, 'all')

    def test_either_tied_bucket_is_right(self):
        self.check([('a', 3), ('b', 2)])
        self.check([('a', 3), ('c', 2)])

    def test_wrong_answers(self):
        for bad, why in [
            ([('b', 2), ('c', 2)], 'in the top 2'),
            ([('a', 3), ('d', 1)], 'below'),
            ([('a', 3)], 'buckets in the engine'),
            ([('a', 3), ('b', 3)], 'engine counts 3, records 2'),
            ([('b', 2), ('a', 3)], 'out of order'),
            ([('a', 3), ('z', 2)], 'not a value of the records'),
        ]:
            with self.assertRaises(panels.Mismatch) as cm:
                self.check(bad)
            self.assertIn(why, str(cm.exception), bad)

    def test_hits(self):
        with self.assertRaises(panels.Mismatch):
            panels.compare(self.v, answer(8, [('a', 3, {}), ('b', 2, {})]), self.r, 'all')

    def test_order_by_metric(self):
        v = vis(metric('cardinality', 's'), terms('k', 1))
        docs = [rec('a', s='x'), rec('a', s='x'), rec('a', s='x'),
            rec('b', s='x'), rec('b', s='y')]
        r = v.compute(docs, {})
        self.assertEqual(v.request()['2']['terms']['order'], {'1': 'desc'})
        # b has fewer documents but more distinct s.
        panels.compare(v, answer(5, [('b', 2, {'1': {'value': 2}})], m1=2), r, 'all')
        with self.assertRaises(panels.Mismatch):
            panels.compare(v, answer(5, [('a', 3, {'1': {'value': 1}})], m1=2), r, 'all')

    def test_missing_bucket(self):
        v = vis(count(), terms('k', 10, missing=True))
        r = v.compute(DOCS, {})
        self.assertEqual(v.request()['2']['terms']['missing'], panels.MISSING)
        panels.compare(v, answer(9, [('a', 3, {}), ('b', 2, {}), ('c', 2, {}),
            ('d', 1, {}), (panels.MISSING, 1, {})]), r, 'all')
        with self.assertRaises(panels.Mismatch):
            panels.compare(v, answer(9, [('a', 3, {}), ('b', 2, {}), ('c', 2, {}),
                ('d', 1, {})]), r, 'all')

    def test_boolean_keys(self):
        v = vis(count(), terms('b', 5))
        r = v.compute([rec(b=True), rec(b=True), rec(b=False)], {})
        panels.compare(v, {'doc_count': 3, '2': {'buckets': [
            {'key': 1, 'key_as_string': 'true', 'doc_count': 2},
            {'key': 0, 'key_as_string': 'false', 'doc_count': 1}]}}, r, 'all')


class Metrics(unittest.TestCase):
    def test_sum_max_avg_cardinality(self):
        v = vis(metric('sum', 'n'), metric('max', 'n'), metric('avg', 'n'),
            metric('cardinality', 'n'))
        r = v.compute([rec(n=1), rec(n=2), rec(n=2), rec()], {})
        ok = {'doc_count': 4, '1': {'value': 5.0}, '2': {'value': 2.0},
            '3': {'value': 5 / 3}, '4': {'value': 2}}
        panels.compare(v, ok, r, 'all')
        for k, bad in [('1', 6.0), ('2', 1.0), ('3', 1.5), ('4', 3)]:
            wrong = dict(ok, **{k: {'value': bad}})
            with self.assertRaises(panels.Mismatch):
                panels.compare(v, wrong, r, 'all')

    def test_no_values(self):
        v = vis(metric('max', 'n'))
        r = v.compute([rec('a')], {})
        panels.compare(v, {'doc_count': 1, '1': {'value': None}}, r, 'all')
        self.assertEqual(panels.exercise_gaps(v, r), ['max n has no value'])


class Filters(unittest.TestCase):
    def setUp(self):
        self.v = vis(count(), {'type': 'filters', 'schema': 'segment', 'params': {
            'filters': [{'input': {'query': 'k : a', 'language': 'kuery'}, 'label': 'A'},
            {'input': {'query': 'k : z', 'language': 'kuery'}, 'label': ''}]}})
        self.r = self.v.compute(DOCS, {})

    def test_keys_and_counts(self):
        self.assertEqual(sorted(self.v.request()['2']['filters']['filters']), ['A', 'k : z'])
        good = {'doc_count': 9, '2': {'buckets': {'A': {'doc_count': 3}, 'k : z': {'doc_count': 0}}}}
        panels.compare(self.v, good, self.r, 'all')
        with self.assertRaises(panels.Mismatch):
            panels.compare(self.v, {'doc_count': 9, '2': {'buckets': {
                'A': {'doc_count': 2}, 'k : z': {'doc_count': 0}}}}, self.r, 'all')
        with self.assertRaises(panels.Mismatch):
            panels.compare(self.v, {'doc_count': 9, '2': {'buckets': {
                'A': {'doc_count': 3}}}}, self.r, 'all')

    def test_a_filter_matching_nothing_is_not_exercised(self):
        self.assertEqual(panels.exercise_gaps(self.v, self.r), ["filter 'k : z' matches nothing"])


class Exercise(unittest.TestCase):
    def test_only_the_missing_bucket(self):
        v = vis(count(), terms('s', 5, missing=True))
        r = v.compute([rec('a'), rec('b')], {})
        self.assertEqual(panels.exercise_gaps(v, r), ['terms s has no bucket'])

    def test_no_hits(self):
        v = vis(count(), terms('k', 5))
        self.assertEqual(panels.exercise_gaps(v, v.compute([], {})),
            ['no record matches the query'])

    def test_exercised(self):
        v = vis(count(), terms('k', 5))
        self.assertEqual(panels.exercise_gaps(v, v.compute(DOCS, {})), [])


class Histogram(unittest.TestCase):
    def test_interval(self):
        self.assertEqual(panels.histogram_interval('auto', 3600 * 1000), ('1m', 60000))
        self.assertEqual(panels.histogram_interval('auto', 0), ('1s', 1000))
        self.assertEqual(panels.histogram_interval('h', 0), ('1h', 3600000))
        with self.assertRaises(kql.KqlError):
            panels.histogram_interval('3q', 0)

    def test_buckets(self):
        v = panels.Vis({'aggs': [{'id': '1', 'type': 'count', 'schema': 'metric', 'params': {}},
            {'id': '2', 'type': 'date_histogram', 'schema': 'segment',
            'params': {'field': '@timestamp', 'interval': 'auto'}}]}, FIELDS, 3600 * 1000)
        docs = [rec(t='2026-01-01T00:00:59.999Z'), rec(t='2026-01-01T00:00:00Z'),
            rec(t='2026-01-01T00:01:00Z')]
        r = v.compute(docs, {})
        base = kql.parse_time('2026-01-01T00:00:00Z')
        self.assertEqual([(k, s['count']) for k, s in r['buckets']['2']],
            [(base, 2), (base + 60000, 1)])
        panels.compare(v, {'doc_count': 3, '2': {'buckets': [
            {'key': base, 'doc_count': 2}, {'key': base + 60000, 'doc_count': 1}]}}, r, 'all')
        with self.assertRaises(panels.Mismatch):
            panels.compare(v, {'doc_count': 3, '2': {'buckets': [
                {'key': base, 'doc_count': 3}]}}, r, 'all')


class SavedFilters(unittest.TestCase):
    def test_shapes(self):
        n, q = panels.filter_node({'meta': {}, 'query': {'match_phrase': {'k': 'a'}}})
        self.assertTrue(kql.matches(n, rec('a'), FIELDS))
        self.assertFalse(kql.matches(n, rec('b'), FIELDS))
        self.assertEqual(q, {'match_phrase': {'k': 'a'}})
        n, _q = panels.filter_node({'meta': {'negate': True}, 'query': {'match_phrase': {'k': 'a'}}})
        self.assertFalse(kql.matches(n, rec('a'), FIELDS))
        self.assertEqual(panels.filter_node({'meta': {'disabled': True},
            'query': {'match_phrase': {'k': 'a'}}}), (None, None))
        n, _q = panels.filter_node({'meta': {}, 'exists': {'field': 'n'}})
        self.assertTrue(kql.matches(n, rec(n=1), FIELDS))
        n, _q = panels.filter_node({'meta': {}, 'query': {'bool': {'should': [
            {'match_phrase': {'k': 'a'}}, {'match_phrase': {'k': 'b'}}], 'minimum_should_match': 1}}})
        self.assertTrue(kql.matches(n, rec('b'), FIELDS))
        with self.assertRaises(kql.KqlError):
            panels.filter_node({'meta': {}, 'query': {'range': {'n': {'gte': 1}}}})


class Refuse(unittest.TestCase):
    def test_unmodelled_aggregations(self):
        for a in [{'type': 'percentile_ranks', 'schema': 'metric', 'params': {'field': 'n'}},
            {'type': 'significant_terms', 'schema': 'bucket', 'params': {'field': 'k'}},
            dict(terms('k', 5), params=dict(terms('k', 5)['params'], otherBucket=True)),
            terms('nope', 5)]:
            with self.assertRaises(kql.KqlError):
                vis(count(), a)



def lens_layer(*cols):
    """A Lens formBased layer of (id, column) pairs, in that order."""
    return {'columnOrder': [c for c, _ in cols], 'columns': dict(cols)}


LCOUNT = ('m', {'operationType': 'count', 'sourceField': '___records___',
    'isBucketed': False, 'label': 'n'})


class Lens(unittest.TestCase):
    def test_terms_by_metric_column(self):
        v = panels.Vis(panels.lens_vis(lens_layer(
            ('t', {'operationType': 'terms', 'sourceField': 'k', 'isBucketed': True, 'label': 'k',
                'params': {'size': 2, 'orderBy': {'type': 'column', 'columnId': 's'},
                    'orderDirection': 'desc'}}),
            LCOUNT,
            ('s', {'operationType': 'sum', 'sourceField': 'n', 'isBucketed': False, 'label': 'sum'})
        )), FIELDS, 0)
        self.assertEqual([a['type'] for a in v.buckets], ['terms'])
        self.assertEqual(v.terms_order(v.buckets[0]), {'s': 'desc'})
        req = v.request()
        self.assertEqual(req['t']['terms']['size'], 2)
        self.assertEqual(req['t']['aggs']['s'], {'sum': {'field': 'n'}})
        recs = [rec(k='a', n=1), rec(k='b', n=5), rec(k='b', n=5), rec(k='c', n=3)]
        node = v.compute(recs, {})
        self.assertEqual(dict((k, sub['metrics']['s']) for k, sub in node['buckets']['t']),
            {'a': 1.0, 'b': 10.0, 'c': 3.0})

    def test_filters_range_date(self):
        v = panels.Vis(panels.lens_vis(lens_layer(
            ('d', {'operationType': 'date_histogram', 'sourceField': '@timestamp',
                'isBucketed': True, 'label': 't', 'params': {'interval': 'auto'}}),
            ('f', {'operationType': 'filters', 'isBucketed': True, 'label': 'f',
                'params': {'filters': [{'input': {'query': 'k : a', 'language': 'kuery'},
                    'label': 'A'}]}}),
            ('r', {'operationType': 'range', 'sourceField': 'n', 'isBucketed': True, 'label': 'r',
                'params': {'type': 'range', 'ranges': [{'from': None, 'to': 2, 'label': ''}]}}),
            LCOUNT)), FIELDS, 1000)
        req = v.request()
        self.assertIn('date_histogram', req['d'])
        self.assertEqual(list(req['d']['aggs']['f']['filters']['filters']), ['A'])
        self.assertEqual(req['d']['aggs']['f']['aggs']['r']['range']['ranges'], [{'to': 2}])

    def test_percentile_between_neighbours(self):
        v = panels.Vis(panels.lens_vis(lens_layer(
            ('p', {'operationType': 'percentile', 'sourceField': 'n', 'isBucketed': False,
                'label': 'p95', 'params': {'percentile': 95}}))), FIELDS, 0)
        self.assertEqual(v.request()['p']['percentiles']['percents'], [95])
        recs = [rec(n=x) for x in (1, 2, 3, 4, 100)]
        r = v.compute(recs, {})
        ok = {'doc_count': 5, 'p': {'values': {'95.0': 80.0}}}
        panels.compare(v, ok, r, 'all')
        for bad in (3.0, 101.0, None):
            with self.assertRaises(panels.Mismatch):
                panels.compare(v, {'doc_count': 5, 'p': {'values': {'95.0': bad}}}, r, 'all')

    def test_unmodelled_lens(self):
        for c in [{'operationType': 'formula', 'isBucketed': False, 'label': 'x'},
                {'operationType': 'terms', 'sourceField': 'k', 'isBucketed': True, 'label': 'x',
                    'params': {'size': 3, 'orderBy': {'type': 'rare'}}},
                dict(LCOUNT[1], filter={'query': 'k : a', 'language': 'kuery'}),
                dict(LCOUNT[1], timeShift='1d')]:
            with self.assertRaises(kql.KqlError):
                panels.lens_vis(lens_layer(('c', c)))

    def test_lens_fields(self):
        at = {'title': 't', 'state': {'query': {'query': 'k : a', 'language': 'kuery'},
            'filters': [{'meta': {}, 'query': {'match_phrase': {'s': 'x'}}}],
            'datasourceStates': {'formBased': {'layers': {'l': lens_layer(LCOUNT,
                ('u', {'operationType': 'unique_count', 'sourceField': 'n', 'isBucketed': False,
                    'label': 'u'}))}}}}}
        self.assertEqual(sorted(panels.lens_fields(at)), ['k', 'n', 's'])


if __name__ == '__main__':
    unittest.main()
