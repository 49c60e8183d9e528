"""The KQL subset our saved objects use: parse it, translate it to the
Elasticsearch query DSL as Kibana does, and evaluate it over a record.

    import kql
    fields = kql.Fields.from_files('kibana/elasticsearch/component-template-mappings.json',
        runtime={'opensmtpd.rcpt_domain': 'keyword'})
    node = kql.parse('event.action : "tx-commit" and not tls.established : true')
    dsl = kql.to_dsl(node, fields)          # what Kibana sends
    hit = kql.matches(node, record, fields)  # the same question of one record

The subset (semantics read in Kibana's kbn-es-query kuery grammar and its
is/and/or/not functions): `field : value`, quoted phrases, unquoted values
(true/false are booleans), `and`/`or`/`not` (case-insensitive, `not` binds
tighter than `and`, which binds tighter than `or`), parentheses,
`field : (a or b)` value lists, `field : *` (exists), `*` wildcards inside
values on keyword fields.  Anything else raises KqlError, so that a panel
with new syntax fails the check instead of being mis-translated: range
operators, nested `field:{...}`, values without a field, wildcards in
field names, null, backslash escapes in unquoted values, fields the
mapping does not know, wildcards on non-keyword fields, text fields (their
analysis is not modelled here).

Python 3, standard library only; tests/elastic/test_kql.py is its unit test.
"""

import datetime
import ipaddress
import json
import re

SPACE = ' \t\r\n\u00a0'
SPECIAL = '\\():<>"*{}'


class KqlError(Exception):
    pass


# ---- syntax tree -------------------------------------------------------

class MatchAll:
    def __repr__(self):
        return 'MatchAll()'


class And:
    def __init__(self, children):
        self.children = children

    def __repr__(self):
        return 'And(%r)' % (self.children,)


class Or:
    def __init__(self, children):
        self.children = children

    def __repr__(self):
        return 'Or(%r)' % (self.children,)


class Not:
    def __init__(self, child):
        self.child = child

    def __repr__(self):
        return 'Not(%r)' % (self.child,)


class Exists:
    def __init__(self, field):
        self.field = field

    def __repr__(self):
        return 'Exists(%r)' % (self.field,)


class Is:
    """field : value.  value is a str or a bool; wildcard is None or the
    list of literal pieces between the `*`s of an unquoted value."""

    def __init__(self, field, value, quoted=False, wildcard=None):
        self.field = field
        self.value = value
        self.quoted = quoted
        self.wildcard = wildcard

    def __repr__(self):
        if self.wildcard is not None:
            return 'Is(%r, wildcard=%r)' % (self.field, self.wildcard)
        return 'Is(%r, %r%s)' % (self.field, self.value,
            ', quoted' if self.quoted else '')


# ---- parser --------------------------------------------------------------
# A recursive descent over the grammar's rules, in the grammar's order:
# Or > And > Not > ( ) > field : values.

class _Parser:
    def __init__(self, text):
        self.s = text
        self.i = 0

    def error(self, what):
        raise KqlError('%s at offset %d in %r' % (what, self.i, self.s))

    def peek(self):
        return self.s[self.i] if self.i < len(self.s) else ''

    def spaces(self):
        while self.peek() and self.peek() in SPACE:
            self.i += 1

    def keyword(self, word):
        """Space+ word Space+ (word 'or' / 'and'); consumes it if there."""
        j = self.i
        if not (j < len(self.s) and self.s[j] in SPACE):
            return False
        while j < len(self.s) and self.s[j] in SPACE:
            j += 1
        if self.s[j:j + len(word)].lower() != word:
            return False
        j += len(word)
        if not (j < len(self.s) and self.s[j] in SPACE):
            return False
        while j < len(self.s) and self.s[j] in SPACE:
            j += 1
        self.i = j
        return True

    def not_keyword(self):
        """'not' Space+ at this very position."""
        j = self.i
        if self.s[j:j + 3].lower() == 'not' and j + 3 < len(self.s) and \
            self.s[j + 3] in SPACE:
            j += 3
            while j < len(self.s) and self.s[j] in SPACE:
                j += 1
            self.i = j
            return True
        return False

    def at_keyword(self):
        """Where an unquoted literal stops: ' or ', ' and ', 'not '."""
        s, i = self.s, self.i
        if s[i] in SPACE:
            for w in ('or', 'and'):
                e = i + 1 + len(w)
                if s[i + 1:e].lower() == w and e < len(s) and s[e] in SPACE:
                    return True
        return s[i:i + 3].lower() == 'not' and i + 3 < len(s) and s[i + 3] in SPACE

    def parse(self):
        self.spaces()
        if self.i == len(self.s):
            return MatchAll()
        node = self.or_query()
        self.spaces()
        if self.i != len(self.s):
            self.error('unexpected %r' % self.peek())
        return node

    def or_query(self):
        nodes = [self.and_query()]
        while self.keyword('or'):
            nodes.append(self.and_query())
        return nodes[0] if len(nodes) == 1 else Or(nodes)

    def and_query(self):
        nodes = [self.not_query()]
        while self.keyword('and'):
            nodes.append(self.not_query())
        return nodes[0] if len(nodes) == 1 else And(nodes)

    def not_query(self):
        if self.not_keyword():
            return Not(self.sub_query())
        return self.sub_query()

    def sub_query(self):
        if self.peek() == '(':
            self.i += 1
            self.spaces()
            node = self.or_query()
            self.spaces()
            if self.peek() != ')':
                self.error('expected )')
            self.i += 1
            return node
        return self.expression()

    def expression(self):
        start = self.i
        field, _quoted, wild = self.literal()
        if wild is not None:
            self.i = start
            self.error('a wildcard in a field name is outside the subset')
        if not isinstance(field, str):
            self.i = start
            self.error('a field name must be a string')
        self.spaces()
        c = self.peek()
        if c in ('<', '>'):
            self.error('range operators are outside the subset')
        if c != ':':
            self.i = start
            self.error('a value without a field (free text) is outside the subset')
        self.i += 1
        self.spaces()
        if self.peek() == '{':
            self.error('nested queries field:{...} are outside the subset')
        return self.list_of_values()(field)

    def list_of_values(self):
        if self.peek() == '(':
            self.i += 1
            self.spaces()
            partial = self.or_list()
            self.spaces()
            if self.peek() != ')':
                self.error('expected )')
            self.i += 1
            return partial
        return self.value()

    def or_list(self):
        parts = [self.and_list()]
        while self.keyword('or'):
            parts.append(self.and_list())
        if len(parts) == 1:
            return parts[0]
        return lambda f: Or([p(f) for p in parts])

    def and_list(self):
        parts = [self.not_list()]
        while self.keyword('and'):
            parts.append(self.not_list())
        if len(parts) == 1:
            return parts[0]
        return lambda f: And([p(f) for p in parts])

    def not_list(self):
        if self.not_keyword():
            part = self.list_of_values()
            return lambda f: Not(part(f))
        return self.list_of_values()

    def value(self):
        start = self.i
        value, quoted, wild = self.literal()
        if value is None and wild is None:
            self.i = start
            self.error('null is outside the subset')
        if wild is not None:
            if wild == ['', '']:
                return lambda f: Exists(f)
            return lambda f: Is(f, None, wildcard=wild)
        return lambda f: Is(f, value, quoted=quoted)

    def literal(self):
        """(value, quoted, wildcard pieces or None)."""
        if self.peek() == '"':
            return self.quoted(), True, None
        chars = []  # str, or None for a wildcard
        while self.i < len(self.s):
            c = self.s[self.i]
            if c == '\\':
                self.error('backslash escapes in unquoted values are outside the subset')
            if c == '*':
                chars.append(None)
                self.i += 1
                continue
            if c in SPECIAL or self.at_keyword():
                break
            chars.append(c)
            self.i += 1
        if not chars:
            self.error('expected a field name or value')
        # The grammar trims the whole sequence, wildcards included.
        while chars and chars[0] is not None and chars[0] in SPACE:
            chars.pop(0)
        while chars and chars[-1] is not None and chars[-1] in SPACE:
            chars.pop()
        if None in chars:
            pieces = ['']
            for c in chars:
                if c is None:
                    pieces.append('')
                else:
                    pieces[-1] += c
            return None, False, pieces
        text = ''.join(chars)
        if text == 'true':
            return True, False, None
        if text == 'false':
            return False, False, None
        if text == 'null':
            return None, False, None
        return text, False, None

    def quoted(self):
        self.i += 1
        out = []
        esc = {'t': '\t', 'r': '\r', 'n': '\n', '\\': '\\', '"': '"'}
        while True:
            if self.i >= len(self.s):
                self.error('unterminated quoted string')
            c = self.s[self.i]
            if c == '"':
                self.i += 1
                return ''.join(out)
            if c == '\\' and self.i + 1 < len(self.s):
                n = self.s[self.i + 1]
                if n in esc:
                    out.append(esc[n])
                    self.i += 2
                    continue
                if n == 'u' and re.match(r'[0-9a-fA-F]{4}$',
                    self.s[self.i + 2:self.i + 6]):
                    out.append(chr(int(self.s[self.i + 2:self.i + 6], 16)))
                    self.i += 6
                    continue
            out.append(c)
            self.i += 1


def parse(text):
    """The syntax tree of a KQL query string (KqlError outside the subset)."""
    if not isinstance(text, str):
        raise KqlError('query is not a string: %r' % (text,))
    return _Parser(text).parse()


def fields_of(node):
    """Every field name a tree refers to."""
    if isinstance(node, (And, Or)):
        return [f for c in node.children for f in fields_of(c)]
    if isinstance(node, Not):
        return fields_of(node.child)
    if isinstance(node, (Is, Exists)):
        return [node.field]
    return []


# ---- fields --------------------------------------------------------------

class Fields:
    """Field name -> (Elasticsearch type, mapping definition), from the
    index template's mapping (multi-fields included) and the data view's
    runtime fields."""

    def __init__(self, types, runtime=None):
        self.types = dict(types)
        self.runtime = dict(runtime or {})
        for name, t in self.runtime.items():
            self.types[name] = ({'type': t}, True)

    @classmethod
    def from_mapping(cls, mapping, runtime=None):
        types = {}

        def walk(props, prefix):
            for k, d in props.items():
                name = prefix + k
                if 'properties' in d:
                    walk(d['properties'], name + '.')
                    continue
                types[name] = (d, False)
                for sub, sd in d.get('fields', {}).items():
                    types[name + '.' + sub] = (sd, False)
        m = mapping.get('template', mapping).get('mappings', mapping)
        walk(m.get('properties', {}), '')
        return cls(types, runtime)

    @classmethod
    def from_files(cls, mapping_file, runtime=None):
        with open(mapping_file) as f:
            return cls.from_mapping(json.load(f), runtime)

    def type(self, name):
        if name not in self.types:
            raise KqlError('field %s is not in the mapping' % name)
        return self.types[name][0]['type']

    def definition(self, name):
        self.type(name)
        return self.types[name][0]

    def is_runtime(self, name):
        return name in self.runtime


TEXT_TYPES = ('text', 'match_only_text', 'wildcard')
DATE_TYPES = ('date', 'date_nanos')


def _check_field(node, fields):
    t = fields.type(node.field)
    if t in TEXT_TYPES:
        raise KqlError('field %s is %s: text analysis is outside the subset' %
            (node.field, t))
    return t


# ---- translation ---------------------------------------------------------

def _query_string_escape(s):
    return re.sub(r'([+\-=&|><!(){}\[\]^"~*?:\\/])', r'\\\1', s)


def to_dsl(node, fields):
    """The query DSL Kibana builds for a tree (filters, not must, for and)."""
    if isinstance(node, MatchAll):
        return {'match_all': {}}
    if isinstance(node, And):
        return {'bool': {'filter': [to_dsl(c, fields) for c in node.children]}}
    if isinstance(node, Or):
        return {'bool': {'should': [to_dsl(c, fields) for c in node.children],
            'minimum_should_match': 1}}
    if isinstance(node, Not):
        return {'bool': {'must_not': to_dsl(node.child, fields)}}
    if isinstance(node, Exists):
        fields.type(node.field)
        q = {'exists': {'field': node.field}}
    elif isinstance(node, Is):
        t = _check_field(node, fields)
        f = node.field
        if node.wildcard is not None:
            if t != 'keyword':
                raise KqlError('wildcard on %s field %s is outside the subset' % (t, f))
            q = {'wildcard': {f: {'value': '*'.join(
                _query_string_escape(p) for p in node.wildcard)}}}
        elif t in DATE_TYPES:
            q = {'range': {f: {'gte': node.value, 'lte': node.value}}}
        elif t == 'keyword':
            q = {'term': {f: {'value': node.value}}}
        else:
            q = {'match_phrase' if node.quoted else 'match': {f: node.value}}
    else:
        raise KqlError('unknown node %r' % (node,))
    return {'bool': {'should': [q], 'minimum_should_match': 1}}


# ---- records -------------------------------------------------------------
# What Elasticsearch indexes for a field of one record: the values under
# the dotted path (arrays at any level flattened, as object arrays are),
# converted as the mapped type converts them.  A value the type refuses
# raises (the engine would refuse the document).

def raw_values(record, path):
    cur = [record]
    for part in path.split('.'):
        nxt = []
        for c in cur:
            if isinstance(c, dict) and part in c:
                v = c[part]
                nxt.extend(v if isinstance(v, list) else [v])
        cur = []
        for v in nxt:  # arrays of arrays flatten too
            cur.extend(v if isinstance(v, list) else [v])
    return [v for v in cur if v is not None]


def parse_time(s, nanos=False):
    """RFC 3339 -> epoch milliseconds (date) or nanoseconds (date_nanos);
    a date keeps milliseconds, the rest of the fraction is cut."""
    m = re.match(r'^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$', s)
    if not m:
        raise ValueError('not an RFC 3339 time: %r' % s)
    base = datetime.datetime.strptime(m.group(1), '%Y-%m-%dT%H:%M:%S')
    if m.group(3) != 'Z':
        sign = 1 if m.group(3)[0] == '+' else -1
        base -= sign * datetime.timedelta(hours=int(m.group(3)[1:3]),
            minutes=int(m.group(3)[4:6]))
    secs = int((base - datetime.datetime(1970, 1, 1)).total_seconds())
    frac = (m.group(2) or '') + '000000000'
    if nanos:
        return secs * 10**9 + int(frac[:9])
    return secs * 1000 + int(frac[:3])


def convert(value, definition):
    """One JSON value as the mapped type indexes it; None if not indexed."""
    t = definition['type']
    if t in ('keyword', 'constant_keyword'):
        if isinstance(value, bool):
            s = 'true' if value else 'false'
        elif isinstance(value, (int, float)):
            s = json.dumps(value)
        elif isinstance(value, str):
            s = value
        else:
            raise ValueError('object for keyword: %r' % (value,))
        if len(s) > definition.get('ignore_above', 2**31):
            return None
        return s
    if t in ('long', 'integer', 'short', 'byte'):
        if isinstance(value, bool):
            raise ValueError('boolean for %s' % t)
        if isinstance(value, str):
            value = float(value)
        if isinstance(value, float):
            value = int(value)
        return value
    if t in ('double', 'float'):
        return float(value)
    if t == 'boolean':
        if value in (True, 'true'):
            return True
        if value in (False, 'false', ''):
            return False
        raise ValueError('not a boolean: %r' % (value,))
    if t == 'ip':
        return canonical_ip(value)
    if t in DATE_TYPES:
        return parse_time(value, t == 'date_nanos')
    raise KqlError('type %s of a queried or aggregated field is not modelled' % t)


def canonical_ip(value):
    """An ip as Elasticsearch writes it back (RFC 5952; an IPv4-mapped
    IPv6 address comes back as the IPv4 address)."""
    a = ipaddress.ip_address(value)
    if a.version == 6 and a.ipv4_mapped is not None:
        a = a.ipv4_mapped
    return str(a)


def values(record, field, fields, runtime=None):
    """The indexed values of field in record (runtime: name -> function
    of the record returning the values its script emits)."""
    d = fields.definition(field)
    if fields.is_runtime(field):
        if runtime is None or field not in runtime:
            raise KqlError('runtime field %s has no record-level equivalent' % field)
        raw = runtime[field](record)
    else:
        raw = raw_values(record, field)
    out = []
    for v in raw:
        c = convert(v, d)
        if c is not None:
            out.append(c)
    return out


def _literal_for(node, t):
    """The value of `field : value` as the field's type reads the query."""
    v = node.value
    if t == 'keyword' or t == 'constant_keyword':
        return convert(v, {'type': 'keyword'})
    if t == 'boolean':
        return convert(v, {'type': 'boolean'})
    if t in ('long', 'integer', 'short', 'byte'):
        return convert(v, {'type': 'long'})
    if t == 'ip':
        return canonical_ip(v)
    if t in DATE_TYPES:
        return parse_time(v, t == 'date_nanos')
    raise KqlError('type %s is not modelled' % t)


def matches(node, record, fields, runtime=None):
    """Whether Elasticsearch would match record with the tree."""
    if isinstance(node, MatchAll):
        return True
    if isinstance(node, And):
        return all(matches(c, record, fields, runtime) for c in node.children)
    if isinstance(node, Or):
        return any(matches(c, record, fields, runtime) for c in node.children)
    if isinstance(node, Not):
        return not matches(node.child, record, fields, runtime)
    if isinstance(node, Exists):
        return len(values(record, node.field, fields, runtime)) > 0
    if isinstance(node, Is):
        t = _check_field(node, fields)
        vals = values(record, node.field, fields, runtime)
        if node.wildcard is not None:
            if t != 'keyword':
                raise KqlError('wildcard on %s field %s is outside the subset' %
                    (t, node.field))
            rx = re.compile('^' + '.*'.join(re.escape(p) for p in node.wildcard) + '$', re.S)
            return any(rx.match(v) for v in vals)
        want = _literal_for(node, t)
        return want in vals
    raise KqlError('unknown node %r' % (node,))
