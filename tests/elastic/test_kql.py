#!/usr/bin/env python3
"""Unit test of tests/elastic/kql.py, no engine needed:

    python3 tests/elastic/test_kql.py [-v]

The expected DSL of each construct is written out by hand from Kibana's
kuery functions (term on keyword fields, match/match_phrase on the others,
exists, wildcard on keyword, each leaf in a bool should of one; and as
bool filter, or as bool should, not as bool must_not), the syntax outside
the subset must raise KqlError, and the record evaluator must follow the
mapping (arrays, ignore_above, exists, booleans, ips).  Every query of
kibana/saved-objects.ndjson must parse and translate.
"""

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kql  # noqa: E402

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
MAPPING = {'mappings': {'properties': {
    '@timestamp': {'type': 'date'},
    'event': {'properties': {
        'action': {'type': 'keyword', 'ignore_above': 1024},
        'provider': {'type': 'keyword', 'ignore_above': 1024},
        'sequence': {'type': 'long'},
    }},
    'tls': {'properties': {'established': {'type': 'boolean'}}},
    'source': {'properties': {'ip': {'type': 'ip'}}},
    'user': {'properties': {'name': {'type': 'keyword', 'ignore_above': 1024,
        'fields': {'text': {'type': 'match_only_text'}}}}},
    'line': {'type': 'keyword', 'ignore_above': 8},
    'rcpt': {'type': 'object', 'properties': {'address': {'type': 'keyword'}}},
}}}
FIELDS = kql.Fields.from_mapping(MAPPING, {'rt': 'keyword'})


def leaf(q):
    return {'bool': {'should': [q], 'minimum_should_match': 1}}


def dsl(text):
    return kql.to_dsl(kql.parse(text), FIELDS)


class Translate(unittest.TestCase):
    def test_empty_is_match_all(self):
        self.assertEqual(dsl(''), {'match_all': {}})
        self.assertEqual(dsl('   '), {'match_all': {}})

    def test_keyword_term(self):
        want = leaf({'term': {'event.action': {'value': 'tx-commit'}}})
        self.assertEqual(dsl('event.action : "tx-commit"'), want)
        self.assertEqual(dsl('event.action:tx-commit'), want)
        self.assertEqual(dsl('event.action :   tx-commit  '), want)

    def test_multi_word_unquoted_value(self):
        self.assertEqual(dsl('event.action : a b'),
            leaf({'term': {'event.action': {'value': 'a b'}}}))

    def test_boolean_match(self):
        self.assertEqual(dsl('tls.established : true'),
            leaf({'match': {'tls.established': True}}))
        self.assertEqual(dsl('tls.established : "true"'),
            leaf({'match_phrase': {'tls.established': 'true'}}))

    def test_long_and_ip_match(self):
        self.assertEqual(dsl('event.sequence : 3'), leaf({'match': {'event.sequence': '3'}}))
        self.assertEqual(dsl('source.ip : "192.0.2.7"'),
            leaf({'match_phrase': {'source.ip': '192.0.2.7'}}))

    def test_date_is_a_range(self):
        self.assertEqual(dsl('@timestamp : "2026-01-01T00:00:00Z"'), leaf({'range': {
            '@timestamp': {'gte': '2026-01-01T00:00:00Z', 'lte': '2026-01-01T00:00:00Z'}}}))

    def test_exists(self):
        self.assertEqual(dsl('user.name : *'), leaf({'exists': {'field': 'user.name'}}))
        self.assertEqual(dsl('user.name:*'), leaf({'exists': {'field': 'user.name'}}))

    def test_wildcard_on_keyword(self):
        self.assertEqual(dsl('line : 4*'), leaf({'wildcard': {'line': {'value': '4*'}}}))
        self.assertEqual(dsl('line : *a-b*'),
            leaf({'wildcard': {'line': {'value': '*a\\-b*'}}}))

    def test_and_or_not(self):
        a = leaf({'term': {'event.provider': {'value': 'smtp-in'}}})
        b = leaf({'term': {'event.action': {'value': 'tx-rcpt'}}})
        t = leaf({'match': {'tls.established': True}})
        self.assertEqual(dsl('event.provider : "smtp-in" and event.action : "tx-rcpt"'),
            {'bool': {'filter': [a, b]}})
        self.assertEqual(dsl('event.provider : "smtp-in" OR event.action : "tx-rcpt"'),
            {'bool': {'should': [a, b], 'minimum_should_match': 1}})
        self.assertEqual(dsl('not tls.established : true'), {'bool': {'must_not': t}})
        self.assertEqual(dsl('NOT tls.established : true'), {'bool': {'must_not': t}})

    def test_precedence(self):
        a = leaf({'term': {'event.provider': {'value': 'a'}}})
        b = leaf({'term': {'event.provider': {'value': 'b'}}})
        c = leaf({'term': {'event.provider': {'value': 'c'}}})
        # and binds tighter than or; not tighter than and.
        self.assertEqual(dsl('event.provider:a or event.provider:b and event.provider:c'),
            {'bool': {'should': [a, {'bool': {'filter': [b, c]}}], 'minimum_should_match': 1}})
        self.assertEqual(dsl('not event.provider:a and event.provider:b'),
            {'bool': {'filter': [{'bool': {'must_not': a}}, b]}})
        self.assertEqual(dsl('(event.provider:a or event.provider:b) and event.provider:c'),
            {'bool': {'filter': [{'bool': {'should': [a, b], 'minimum_should_match': 1}}, c]}})
        self.assertEqual(dsl('not (event.provider:a or event.provider:b)'),
            {'bool': {'must_not': {'bool': {'should': [a, b], 'minimum_should_match': 1}}}})

    def test_value_lists(self):
        f = leaf({'term': {'event.action': {'value': 'fail'}}})
        e = leaf({'term': {'event.action': {'value': 'error'}}})
        self.assertEqual(dsl('event.action : ("fail" or "error")'),
            {'bool': {'should': [f, e], 'minimum_should_match': 1}})
        self.assertEqual(dsl('event.action : (fail and not error)'),
            {'bool': {'filter': [f, {'bool': {'must_not': e}}]}})
        self.assertEqual(dsl('line : (4* or 5*)'), {'bool': {'should': [
            leaf({'wildcard': {'line': {'value': '4*'}}}),
            leaf({'wildcard': {'line': {'value': '5*'}}})], 'minimum_should_match': 1}})

    def test_keyword_inside_a_word_is_not_an_operator(self):
        self.assertEqual(dsl('event.action : order'),
            leaf({'term': {'event.action': {'value': 'order'}}}))
        self.assertEqual(dsl('event.action : band'),
            leaf({'term': {'event.action': {'value': 'band'}}}))

    def test_quoted_escapes(self):
        self.assertEqual(dsl(r'event.action : "a \"b\" \\ c"'),
            leaf({'term': {'event.action': {'value': 'a "b" \\ c'}}}))
        self.assertEqual(dsl('event.action : "x and y"'),
            leaf({'term': {'event.action': {'value': 'x and y'}}}))

    def test_runtime_keyword(self):
        self.assertEqual(dsl('rt : x'), leaf({'term': {'rt': {'value': 'x'}}}))


class Refuse(unittest.TestCase):
    def refused(self, text, what):
        with self.assertRaises(kql.KqlError) as cm:
            dsl(text)
        self.assertIn(what, str(cm.exception))

    def test_outside_the_subset(self):
        self.refused('event.sequence >= 3', 'range operators')
        self.refused('event.sequence < 3', 'range operators')
        self.refused('rcpt:{ address : x }', 'nested')
        self.refused('tx-commit', 'free text')
        self.refused('"tx-commit"', 'free text')
        self.refused('event.* : x', 'wildcard in a field name')
        self.refused('event.action : null', 'null')
        self.refused(r'event.action : a\:b', 'backslash')
        self.refused('user.name.text : bob', 'text analysis')
        self.refused('event.sequence : 3*', 'wildcard on long')
        self.refused('no.such.field : x', 'not in the mapping')
        self.refused('no.such.field : *', 'not in the mapping')

    def test_syntax_errors(self):
        self.refused('event.action : "x', 'unterminated')
        self.refused('(event.action : x', 'expected )')
        self.refused('event.action : x)', "unexpected ')'")
        self.refused('event.action :', 'expected a field name or value')
        self.refused('event.action : x and ', 'expected a field name or value')
        # Without a blank after it, "and" is part of the value (as in Kibana).
        self.assertEqual(dsl('event.action : x and'),
            leaf({'term': {'event.action': {'value': 'x and'}}}))

    def test_not_a_string(self):
        with self.assertRaises(kql.KqlError):
            kql.parse(None)


class Records(unittest.TestCase):
    R = {'@timestamp': '2026-01-01T00:00:00.123456Z',
        'event': {'action': 'tx-rcpt', 'sequence': 4},
        'tls': {'established': True}, 'source': {'ip': '2001:0db8::0007'},
        'line': 'a-very-long-line',
        'rcpt': [{'address': 'a@x'}, {'address': 'b@y'}]}

    def m(self, text, rec=None):
        return kql.matches(kql.parse(text), rec or self.R, FIELDS)

    def test_keyword_exact(self):
        self.assertTrue(self.m('event.action : "tx-rcpt"'))
        self.assertFalse(self.m('event.action : "TX-RCPT"'))
        self.assertFalse(self.m('event.action : "tx"'))

    def test_arrays_of_objects_flatten(self):
        self.assertTrue(self.m('rcpt.address : "b@y"'))
        self.assertTrue(self.m('rcpt.address : *'))
        self.assertFalse(self.m('rcpt.address : "c@z"'))

    def test_exists_and_not(self):
        self.assertFalse(self.m('user.name : *'))
        self.assertTrue(self.m('not user.name : *'))
        self.assertTrue(self.m('not tls.established : true',
            {'event': {'action': 'x'}}))
        self.assertFalse(self.m('not tls.established : true'))

    def test_ignore_above_is_not_indexed(self):
        self.assertFalse(self.m('line : *'))
        self.assertFalse(self.m('line : a*'))
        self.assertTrue(self.m('line : a*', {'line': 'abc'}))
        self.assertFalse(self.m('line : b*', {'line': 'abc'}))

    def test_typed_values(self):
        self.assertTrue(self.m('event.sequence : 4'))
        self.assertTrue(self.m('source.ip : "2001:db8::7"'))
        self.assertTrue(self.m('tls.established : true',
            {'tls': {'established': 'true'}}))
        self.assertEqual(kql.values(self.R, '@timestamp', FIELDS), [1767225600123])

    def test_date_nanos(self):
        f = kql.Fields.from_mapping({'mappings': {'properties': {
            '@timestamp': {'type': 'date_nanos'}}}})
        self.assertEqual(kql.values(self.R, '@timestamp', f), [1767225600123456000])

    def test_runtime_needs_an_equivalent(self):
        with self.assertRaises(kql.KqlError):
            self.m('rt : x')
        self.assertTrue(kql.matches(kql.parse('rt : y'), self.R, FIELDS,
            {'rt': lambda r: ['x', 'y']}))


class SavedObjects(unittest.TestCase):
    def test_every_query_translates(self):
        fields = kql.Fields.from_files(os.path.join(TOP, 'kibana', 'elasticsearch',
            'component-template-mappings.json'), {'opensmtpd.rcpt_domain': 'keyword'})
        n = 0
        with open(os.path.join(TOP, 'kibana', 'saved-objects.ndjson')) as f:
            for line in f:
                a = json.loads(line)['attributes']
                src = a.get('kibanaSavedObjectMeta', {}).get('searchSourceJSON')
                qs = [json.loads(src).get('query', {}).get('query', '')] if src else []
                for agg in json.loads(a.get('visState', '{}')).get('aggs', []):
                    qs += [x['input']['query'] for x in agg['params'].get('filters', [])]
                for layer in json.loads(a.get('layerListJSON', '[]')):
                    if 'query' in layer:
                        qs.append(layer['query']['query'])
                # by-value Lens and Maps panels of the dashboards
                for p in json.loads(a.get('panelsJSON', '[]')):
                    at = p.get('embeddableConfig', {}).get('attributes', {})
                    st = at.get('state', {})
                    if 'query' in st:
                        qs.append(st['query']['query'])
                    for l in st.get('datasourceStates', {}).get('formBased', {}).get('layers', {}).values():
                        for c in l['columns'].values():
                            qs += [x['input']['query'] for x in c.get('params', {}).get('filters', [])]
                    for layer in json.loads(at.get('layerListJSON', '[]')):
                        if 'query' in layer:
                            qs.append(layer['query']['query'])
                for q in qs:
                    kql.to_dsl(kql.parse(q), fields)
                    n += 1
        self.assertGreater(n, 40)


if __name__ == '__main__':
    unittest.main()
