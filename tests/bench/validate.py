#!/usr/bin/env python3
# Check that a report stream is well formed (shared/protocol.md §2, §3):
# handshake, field counts per event and version, ids, timestamps, and the
# per-session order rules a filter relies on.  Used by run.sh on a sample
# of the generator's output, and runnable on the captured real streams.
#
# usage: validate.py [-q] [-b real.stream ...] stream ...
#   -b FILE  learn the (event -> next event) pairs seen per session in real
#            streams and list the generated pairs never seen there (for a
#            human to judge: the captures have no rejects, aborts, ...).
# Exit 1 and print the first errors when something is malformed.

import re
import sys

HEX8 = re.compile(r'^[0-9a-f]{8}$')
HEX16 = re.compile(r'^[0-9a-f]{16}$')
TS = re.compile(r'^[0-9]+\.[0-9]{6}$')

# Number of parameters; the last one takes the rest of the line when
# rest is True (it may contain '|').
PARAMS = {
    'link-connect': (4, True),
    'link-greeting': (1, True),
    'link-identify': (2, True),
    'link-tls': (1, True),
    'link-auth': (2, None),		# 0.6: username|result, 0.7: result|user★
    'link-disconnect': (0, False),
    'tx-reset': (1, False),
    'tx-begin': (1, False),
    'tx-mail': (3, True),
    'tx-rcpt': (3, True),
    'tx-envelope': (2, False),
    'tx-data': (2, False),
    'tx-commit': (2, False),
    'tx-rollback': (1, False),
    'protocol-client': (1, True),
    'protocol-server': (1, True),
    'filter-report': (3, True),
    'filter-response': (None, True),	# 2 or 3
    'timeout': (0, False),
}
PHASES = {'connected', 'helo', 'ehlo', 'tls', 'auth', 'mail-from', 'rcpt-to',
          'data', 'rset', 'quit', 'noop', 'help', 'wiz', 'commit', ''}
RESPONSES = {'proceed', 'junk', 'reject', 'disconnect', 'rewrite', 'report',
             ''}
TXRES = {'ok', 'permfail', 'tempfail'}
TX_EVENTS = {'tx-mail', 'tx-rcpt', 'tx-envelope', 'tx-data', 'tx-commit',
             'tx-rollback', 'tx-reset'}


class Checker:
    def __init__(self, name):
        self.name = name
        self.errors = []
        self.sess = {}		# (subsystem, id) -> state dict
        self.closed = set()
        self.last_ts = None
        self.events = 0
        self.pairs = set()
        self.counts = {}

    def err(self, lineno, msg, line):
        if len(self.errors) < 20:
            self.errors.append('%s:%d: %s: %.160s' % (self.name, lineno,
                                                        msg, line))
        else:
            self.errors.append(None)

    def params(self, ev, version, rest):
        n, tail = PARAMS[ev]
        if n == 0:
            return [] if rest is None else None
        if rest is None:
            return None
        if ev == 'filter-response':
            p = rest.split('|', 2)
            return p if len(p) >= 2 else None
        if ev == 'link-auth':
            if version >= (0, 7):
                p = rest.split('|', 1)
            else:
                p = rest.rsplit('|', 1)
            return p if len(p) == 2 else None
        p = rest.split('|', n - 1) if tail else rest.split('|')
        return p if len(p) == n else None

    def line(self, lineno, line):
        if line.startswith('config|'):
            return
        f = line.split('|', 6)
        if len(f) < 6 or f[0] != 'report':
            self.err(lineno, 'not a report line', line)
            return
        _, ver, ts, sub, ev, sid = f[:6]
        rest = f[6] if len(f) == 7 else None
        try:
            version = tuple(int(x) for x in ver.split('.'))
        except ValueError:
            self.err(lineno, 'bad version', line)
            return
        if not TS.match(ts):
            self.err(lineno, 'bad timestamp', line)
        else:
            t = (int(ts.split('.')[0]), int(ts.split('.')[1]))
            if self.last_ts is not None and t < self.last_ts:
                self.err(lineno, 'timestamp goes back', line)
            self.last_ts = t
        if sub not in ('smtp-in', 'smtp-out'):
            self.err(lineno, 'bad subsystem', line)
        if not HEX16.match(sid):
            self.err(lineno, 'bad session id', line)
        if ev not in PARAMS:
            self.err(lineno, 'unknown event', line)
            return
        p = self.params(ev, version, rest)
        if p is None:
            self.err(lineno, 'wrong field count', line)
            return
        self.events += 1
        self.counts[ev] = self.counts.get(ev, 0) + 1
        self.semantics(lineno, line, version, sub, ev, sid, p)

    def semantics(self, lineno, line, version, sub, ev, sid, p):
        key = (sub, sid)
        s = self.sess.get(key)
        if key in self.closed:
            self.err(lineno, 'event after link-disconnect', line)
        if s is None:
            if ev != 'link-connect' and not (sub == 'smtp-out' and
                                             ev == 'link-disconnect'):
                self.err(lineno, 'session does not start with '
                         'link-connect', line)
            s = self.sess[key] = {'prev': None, 'msgid': None,
                                  'txopen': False}
        self.pairs.add((sub, s['prev'], ev))
        s['prev'] = ev
        if ev == 'link-disconnect':
            if sub == 'smtp-in' and s['txopen']:
                self.err(lineno, 'disconnect with an open tx', line)
            del self.sess[key]
            self.closed.add(key)
            return
        if ev == 'filter-response':
            if sub == 'smtp-out':
                self.err(lineno, 'filter-response on smtp-out', line)
            if p[0] not in PHASES or p[1] not in RESPONSES:
                self.err(lineno, 'bad filter-response', line)
            if p[1] in ('reject', 'disconnect', 'rewrite') and len(p) != 3:
                self.err(lineno, 'filter-response without param', line)
            return
        if ev == 'link-auth':
            res = p[0] if version >= (0, 7) else p[1]
            if res not in ('pass', 'fail', 'error'):
                self.err(lineno, 'bad link-auth result', line)
            return
        if ev == 'tx-begin':
            if not HEX8.match(p[0]) or p[0] == '00000000':
                self.err(lineno, 'bad msgid', line)
            if s['txopen']:
                self.err(lineno, 'tx-begin inside a tx', line)
            s['msgid'] = p[0]
            s['txopen'] = True
            return
        if ev in TX_EVENTS:
            if not HEX8.match(p[0]):
                self.err(lineno, 'bad msgid', line)
            if ev == 'tx-mail' and p[0] == '00000000':
                return
            if p[0] != s['msgid']:
                self.err(lineno, 'msgid differs from tx-begin', line)
            if ev in ('tx-mail', 'tx-rcpt', 'tx-data') and \
                    p[1] not in TXRES:
                self.err(lineno, 'bad tx result', line)
            if ev == 'tx-envelope' and not (HEX16.match(p[1]) and
                                            p[1].startswith(p[0])):
                self.err(lineno, 'evpid does not start with msgid', line)
            if ev == 'tx-commit' and not p[1].isdigit():
                self.err(lineno, 'bad size', line)
            if ev == 'tx-reset':
                if s['prev_tx'] not in ('tx-commit', 'tx-rollback'):
                    self.err(lineno, 'tx-reset not after commit or '
                             'rollback', line)
                s['txopen'] = False
            elif not s['txopen'] and not (sub == 'smtp-out' and
                                          ev in ('tx-rcpt', 'tx-envelope',
                                                 'tx-data', 'tx-commit')):
                self.err(lineno, ev + ' outside a tx', line)
            if ev in ('tx-envelope', 'tx-rcpt', 'tx-data', 'tx-commit') \
                    and sub == 'smtp-out' and not s['txopen']:
                s['txopen'] = True	# smtp-out quirk: tx goes on
            s['prev_tx'] = ev
            return
        if ev == 'link-connect' and p[1] not in ('pass', 'fail', 'error'):
            self.err(lineno, 'bad fcrdns', line)


def check(path, quiet):
    c = Checker(path)
    with open(path, 'rb') as fp:
        for lineno, raw in enumerate(fp, 1):
            if not raw.endswith(b'\n'):
                c.err(lineno, 'no newline at end', '')
            line = raw.rstrip(b'\n').decode('utf-8', 'surrogateescape')
            if '\0' in line:
                c.err(lineno, 'NUL byte', line)
                continue
            c.line(lineno, line)
    if not quiet:
        print('%s: %d events, %d sessions still open' %
              (path, c.events, len(c.sess)))
    return c


def main(argv):
    quiet = False
    base = []
    files = []
    i = 0
    while i < len(argv):
        if argv[i] == '-q':
            quiet = True
        elif argv[i] == '-b':
            i += 1
            base.append(argv[i])
        else:
            files.append(argv[i])
        i += 1
    if not files:
        print(__doc__ or 'usage: validate.py [-q] [-b real] stream ...',
              file=sys.stderr)
        return 2
    known = set()
    for b in base:
        known |= check(b, True).pairs
    rc = 0
    for f in files:
        c = check(f, quiet)
        errs = [e for e in c.errors if e is not None]
        for e in errs:
            print(e, file=sys.stderr)
        if len(c.errors) > len(errs):
            print('%s: %d more errors' % (f, len(c.errors) - len(errs)),
                  file=sys.stderr)
        if c.errors:
            rc = 1
        if base:
            for sub, a, b in sorted(c.pairs - known,
                                    key=lambda x: (x[0], str(x[1]), x[2])):
                print('%s: not in the captures: %s %s -> %s' %
                      (f, sub, a, b))
    return rc


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
