#!/usr/bin/env python3
# filter-jsonlog bench, driven by tests/bench/run.sh (`make bench`).
#
# Four parts, each optional (BENCH_PARTS):
#   throughput  a realistic 1M-event stream (0.6 and 0.7) piped through
#               `cat | filter -o FILE`, `cat | filter -o /dev/null` and
#               `cat | cat >/dev/null`: events/s, output MB/s, average
#               record, CPU per event, peak RSS, and filter/cat ratio;
#               then `cat` of the filter's output into a file, in the same
#               run: the filter's best time over writing its own output
#               alone (issue 15), and instructions per event (callgrind,
#               BENCH_CG_EVENTS of the same mix).
#   memory      100k sessions opened and held in a transaction: RSS per
#               open session; then all closed: what remains; then a second
#               open/close cycle: growth over time.
#   scaling     CPU per event with 1k, 10k and 100k sessions open (the
#               events spread over all of them).
#   syslog      the filter's -S sink against a real rsyslogd on a private
#               socket: records delivered per second and drops; first
#               against tests/bench/dgram-sink, a datagram socket of the
#               bench's own that only counts, so the sink itself is
#               measured, not the daemon (BENCH_DGRAM_RATES).
#   scaling also runs the whole warm-up + events stream into a file at
#               each k, against cat of that output into a file: the
#               issue 15 ratio with 1k, 10k and 100k sessions open.
#
# Child processes are reaped with wait4(2), so their own rusage (user, sys,
# peak RSS) is exact; RSS and CPU of a running filter come from /proc.
# Prints a table and appends one JSON line to tests/out/bench.jsonl.  Exits
# non-zero only if something is broken (a crash, missing output), never on
# a timing.

import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time

TOP = os.environ.get('BENCH_TOP') or os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__))))
TMP = os.environ['BENCH_TMP']
FILTER = os.environ.get('FILTER') or os.path.join(TOP, 'filter-jsonlog')
GEN = os.path.join(TOP, 'tests', 'bench', 'gen')
DGRAM_SINK = os.path.join(TOP, 'tests', 'bench', 'dgram-sink')
OUTDIR = os.path.join(TOP, 'tests', 'out')
QUICK = os.environ.get('BENCH_QUICK', '') not in ('', '0')


def env_int(name, full, quick):
    v = os.environ.get(name)
    return int(v) if v else (quick if QUICK else full)


EVENTS = env_int('BENCH_EVENTS', 1000000, 100000)
RUNS = env_int('BENCH_RUNS', 3, 1)
K = env_int('BENCH_K', 200, 200)
MEM = env_int('BENCH_MEM', 100000, 10000)
SCALE_EVENTS = env_int('BENCH_SCALE_EVENTS', 1000000, 100000)
SYSLOG_EVENTS = env_int('BENCH_SYSLOG_EVENTS', 1000000, 100000)
SYSLOG_RUNS = env_int('BENCH_SYSLOG_RUNS', 1, 1)
SYSLOG_SECONDS = env_int('BENCH_SYSLOG_SECONDS', 5, 2)
SYSLOG_RATES = [int(x) for x in os.environ.get(
    'BENCH_SYSLOG_RATES', '20000 100000 200000').split()]
DGRAM_RATES = [int(x) for x in os.environ.get(
    'BENCH_DGRAM_RATES', '100000 200000 400000').split()]
SEED = env_int('BENCH_SEED', 1, 1)
# the scaling part's file runs: at k=100k the output is about 6 GB
SCALE_FILE_RUNS = env_int('BENCH_SCALE_FILE_RUNS', 1, 1)
CG_EVENTS = env_int('BENCH_CG_EVENTS', 100000, 20000)
SESSIONS_MAX = env_int('BENCH_SESSIONS_MAX', 250000, 250000)
SCALE = [int(x) for x in os.environ.get(
    'BENCH_SCALE', '1000 10000' if QUICK else '1000 10000 100000').split()]
PARTS = os.environ.get('BENCH_PARTS',
                       'throughput memory scaling syslog').split()
VERSIONS = os.environ.get('BENCH_VERSIONS', '0.6 0.7').split()
CLK_TCK = os.sysconf('SC_CLK_TCK')
PAGE = 1 << 20

broken = []		# what makes the bench fail
notes = []		# worth a look, not a failure
children = []		# Popen objects still to stop on the way out


class Broken(Exception):
    pass


def say(msg=''):
    print(msg, flush=True)


def fail(msg):
    broken.append(msg)
    say('BROKEN: ' + msg)


def note(msg):
    notes.append(msg)
    say('note: ' + msg)


# ---- processes and /proc ---------------------------------------------

def spawn(argv, **kw):
    p = subprocess.Popen(argv, **kw)
    children.append(p)
    return p


def reap(p):
    """wait4() a child: (exit code or -signal, rusage or None)."""
    if p in children:
        children.remove(p)
    if p.returncode is not None:	# already reaped by poll()
        return p.returncode, None
    _, st, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(st)
    return p.returncode, ru


def stop_all():
    for p in list(children):
        if p.poll() is None:
            try:
                p.send_signal(signal.SIGTERM)
                p.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                try:
                    p.kill()
                    p.wait(timeout=5)
                except (OSError, subprocess.TimeoutExpired):
                    pass
        children.remove(p)


def proc_stat(pid):
    """(state, cpu seconds) of a running process."""
    with open('/proc/%d/stat' % pid) as f:
        s = f.read()
    f = s[s.rindex(')') + 2:].split()
    return f[0], (int(f[11]) + int(f[12])) / CLK_TCK


def proc_rchar(pid):
    with open('/proc/%d/io' % pid) as f:
        for line in f:
            if line.startswith('rchar:'):
                return int(line.split()[1])
    return 0


def proc_rss(pid):
    """(VmRSS, VmHWM) in kB."""
    rss = hwm = 0
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith('VmRSS:'):
                rss = int(line.split()[1])
            elif line.startswith('VmHWM:'):
                hwm = int(line.split()[1])
    return rss, hwm


def wait_idle(p, nbytes, timeout=600):
    """Wait until the filter has read nbytes and sleeps with CPU flat."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if p.poll() is not None:
            raise Broken('filter exited (status %s) while being fed' %
                         p.returncode)
        try:
            state, cpu = proc_stat(p.pid)
            rchar = proc_rchar(p.pid)
        except OSError:
            raise Broken('filter vanished while being fed')
        if rchar >= nbytes and state in ('S', 'D'):
            if last is not None and last == cpu:
                return cpu
            last = cpu
            time.sleep(0.03)
            continue
        last = None
        time.sleep(0.005)
    raise Broken('filter did not consume its input in %d s' % timeout)


def feed(p, path, start=0, length=None):
    """Write part of a file into the filter's stdin; bytes written."""
    fd = p.stdin.fileno()
    n = 0
    with open(path, 'rb') as f:
        f.seek(start)
        while length is None or n < length:
            want = PAGE if length is None else min(PAGE, length - n)
            buf = f.read(want)
            if not buf:
                break
            mv = memoryview(buf)
            while mv:
                try:
                    w = os.write(fd, mv)
                except BrokenPipeError:
                    raise Broken('filter closed its input')
                mv = mv[w:]
            n += len(buf)
    return n


COUNTER = re.compile(r'(\w+)=(\d+)')


def counters(path):
    """The last counter line the filter wrote to stderr, as a dict."""
    last = None
    try:
        with open(path, 'rb') as f:
            for line in f:
                if b'events=' in line:
                    last = line.decode('utf-8', 'replace')
    except OSError:
        return {}
    if last is None:
        return {}
    return {k: int(v) for k, v in COUNTER.findall(last)}


def usr1_counters(p, errpath, timeout=5):
    """Ask a running filter for its counters (SIGUSR1)."""
    def nlines():
        with open(errpath, 'rb') as f:
            return sum(1 for line in f if b'events=' in line)
    before = nlines()
    p.send_signal(signal.SIGUSR1)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if nlines() > before:
            return counters(errpath)
        if p.poll() is not None:
            raise Broken('filter died on SIGUSR1 (status %s)' %
                         p.returncode)
        time.sleep(0.01)
    note('no counter line after SIGUSR1')
    return {}


def count_lines(path):
    n = 0
    with open(path, 'rb') as f:
        while True:
            b = f.read(PAGE * 4)
            if not b:
                return n
            n += b.count(b'\n')


def report_events(path):
    n = 0
    with open(path, 'rb') as f:
        for line in f:
            if line.startswith(b'report|'):
                n += 1
    return n


def handshake_len(path):
    """Bytes before the first report line."""
    n = 0
    with open(path, 'rb') as f:
        for line in f:
            if line.startswith(b'report|'):
                break
            n += len(line)
    return n


def gen(args, out):
    with open(out, 'wb') as f:
        r = subprocess.run([GEN] + [str(a) for a in args], stdout=f)
    if r.returncode != 0:
        raise Broken('gen %s failed' % ' '.join(map(str, args)))


def errfile(name):
    return os.path.join(TMP, name + '.err')


def check_status(what, status, errpath):
    if status != 0:
        tail = ''
        try:
            with open(errpath, 'rb') as f:
                tail = f.read()[-400:].decode('utf-8', 'replace')
        except OSError:
            pass
        how = ('killed by signal %d' % -status if status < 0 else
               'exit status %d' % status)
        fail('%s: filter %s %s' % (what, how, tail.strip()))
        return False
    return True


# ---- pipelines ---------------------------------------------------------

class HwmSampler(threading.Thread):
    """Track a child's VmHWM until it exits.

    ru_maxrss from wait4() is no good for a child of this (larger) Python
    process: Linux carries the parent's high-water mark across the
    vfork+exec that spawns it.  VmHWM belongs to the new address space.
    """

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid = pid
        self.hwm = 0
        self.done = threading.Event()

    def run(self):
        while not self.done.is_set():
            try:
                self.hwm = max(self.hwm, proc_rss(self.pid)[1])
            except (OSError, ValueError, IndexError):
                pass
            self.done.wait(0.01)


def pipeline(stream, argv, errpath):
    """cat stream | argv; wall time and the consumer's and cat's rusage."""
    r, w = os.pipe()
    t0 = time.perf_counter()
    cat = spawn(['cat', stream], stdout=w)
    os.close(w)
    with open(errpath, 'wb') as err:
        p = spawn(argv, stdin=r, stdout=subprocess.DEVNULL, stderr=err)
    os.close(r)
    hwm = HwmSampler(p.pid)
    hwm.start()
    status, ru = reap(p)
    wall = time.perf_counter() - t0
    hwm.done.set()
    hwm.join()
    cstatus, cru = reap(cat)
    return {
        'status': status,
        'wall_s': wall,
        'user_s': ru.ru_utime,
        'sys_s': ru.ru_stime,
        'maxrss_kb': hwm.hwm or None,	# None: too quick to sample
        'maxrss_kb_rusage': ru.ru_maxrss,
        'cat_user_s': cru.ru_utime,
        'cat_sys_s': cru.ru_stime,
    }


def summarize(runs, events):
    """Median and best of repeated runs, by wall time."""
    for r in runs:
        r['events_per_s'] = events / r['wall_s']
        r['cpu_ns_per_event'] = (r['user_s'] + r['sys_s']) * 1e9 / events
    by = sorted(runs, key=lambda r: r['wall_s'])
    med = by[(len(by) - 1) // 2]
    out = dict(med)
    out['events'] = events
    out['runs'] = len(runs)
    out['best_events_per_s'] = by[0]['events_per_s']
    out['median_events_per_s'] = statistics.median(
        r['events_per_s'] for r in runs)
    out['best_cpu_ns_per_event'] = min(r['cpu_ns_per_event'] for r in runs)
    out['all_wall_s'] = [round(r['wall_s'], 4) for r in runs]
    return out


def throughput(results):
    res = results.setdefault('throughput', {})
    for ver in VERSIONS:
        stream = os.path.join(TMP, 'tp-%s.stream' % ver)
        gen(['-n', EVENTS, '-k', K, '-p', ver, '-s', SEED], stream)
        events = EVENTS
        in_bytes = os.path.getsize(stream)
        out = os.path.join(TMP, 'out.json')
        runs = {'cat': [], 'null': [], 'file': [], 'write': []}
        for rep in range(RUNS):
            r = pipeline(stream, ['cat'], errfile('cat'))
            runs['cat'].append(r)

            r = pipeline(stream, [FILTER, '-o', '/dev/null'],
                         errfile('null'))
            r['counters'] = counters(errfile('null'))
            if check_status('throughput %s /dev/null' % ver, r['status'],
                            errfile('null')):
                runs['null'].append(r)

            if os.path.exists(out):
                os.unlink(out)
            settle_disk()
            r = pipeline(stream, [FILTER, '-o', out], errfile('file'))
            r['counters'] = counters(errfile('file'))
            if not check_status('throughput %s file' % ver, r['status'],
                                errfile('file')):
                continue
            if not os.path.exists(out) or os.path.getsize(out) == 0:
                fail('throughput %s: no output in the file sink' % ver)
                continue
            r['out_bytes'] = os.path.getsize(out)
            r['records'] = count_lines(out)
            if rep == 0:
                check_records(out, ver)
            if r['records'] != events:
                note('throughput %s: %d records in the file for %d '
                     'events' % (ver, r['records'], events))
            runs['file'].append(r)
            # the same bytes written by cat: what writing the output
            # costs by itself (issue 15: the filter within 1.5 times it)
            runs['write'].append(write_only(out))
            os.unlink(out)
        v = res[ver] = {'events': events, 'in_bytes': in_bytes,
                        'avg_line': in_bytes / events}
        for kind in ('cat', 'null', 'file', 'write'):
            if runs[kind]:
                v[kind] = summarize(runs[kind], events)
        if 'file' in v:
            f = v['file']
            f['out_mb_per_s'] = f['out_bytes'] / f['wall_s'] / 1e6
            f['avg_record'] = f['out_bytes'] / max(f['records'], 1)
        # Fastest against fastest: cat takes some 50 ms here, so its
        # median moves with every other process on the machine.
        for kind in ('null', 'file'):
            if kind in v and 'cat' in v:
                v[kind]['ratio_vs_cat'] = (min(v[kind]['all_wall_s']) /
                                           min(v['cat']['all_wall_s']))
        if 'file' in v and 'write' in v:
            v['file']['ratio_vs_write'] = (min(v['file']['all_wall_s']) /
                                           min(v['write']['all_wall_s']))
        v['instructions'] = instructions(ver)
        os.unlink(stream)


def settle_disk():
    """Before a timed write: the previous run's gigabyte or two written
    back, so that its writeback does not slow this one (cat of the
    filter's output ran up to twice as long as the filter itself)."""
    os.sync()
    time.sleep(0.2)


def write_only(out):
    """cat FILE > FILE2: the time to write the filter's output alone."""
    copy = out + '.cat'
    if os.path.exists(copy):
        os.unlink(copy)
    # Once untimed first, then timed.  The filter's run writes into the
    # page cache its previous output left free; a copy next to that output
    # needs as much memory again, which this VM gives back to its host
    # when freed and takes long to fault in anew (the first cat of 1.7 GB:
    # 2.5-3.6 s; the next, in the pages the first left: 0.5 s).  Both are
    # then timed on memory the kernel already has.
    with open(copy, 'wb') as o:
        reap(spawn(['cat', out], stdout=o))
    os.unlink(copy)
    settle_disk()
    t0 = time.perf_counter()
    with open(copy, 'wb') as o:
        p = spawn(['cat', out], stdout=o)
        status, ru = reap(p)
    wall = time.perf_counter() - t0
    os.unlink(copy)
    if status != 0:
        fail('throughput: cat of the output exited %d' % status)
    return {'status': status, 'wall_s': wall, 'user_s': ru.ru_utime,
            'sys_s': ru.ru_stime, 'maxrss_kb': None}


def instructions(ver):
    """Instructions per event (callgrind) on CG_EVENTS of the same mix."""
    if shutil.which('valgrind') is None:
        note('throughput: no valgrind, no instruction count')
        return None
    stream = os.path.join(TMP, 'cg-%s.stream' % ver)
    gen(['-n', CG_EVENTS, '-k', K, '-p', ver, '-s', SEED], stream)
    cg = os.path.join(TMP, 'callgrind.out')
    with open(stream, 'rb') as inp, open(errfile('cg'), 'wb') as err:
        p = spawn(['valgrind', '--tool=callgrind',
                   '--callgrind-out-file=' + cg, FILTER, '-o', '/dev/null'],
                  stdin=inp, stdout=subprocess.DEVNULL, stderr=err)
        status, _ = reap(p)
    os.unlink(stream)
    if os.path.exists(cg):
        os.unlink(cg)
    with open(errfile('cg'), 'r', errors='replace') as f:
        m = re.search(r'Collected : (\d+)', f.read())
    if status != 0 or m is None:
        note('throughput: callgrind run failed (status %d)' % status)
        return None
    return int(m.group(1)) / CG_EVENTS


def check_records(out, ver):
    """The first and last record must be JSON objects."""
    with open(out, 'rb') as f:
        first = f.readline()
        f.seek(max(0, os.path.getsize(out) - 65536))
        last = f.read().splitlines()[-1]
    for what, line in (('first', first), ('last', last)):
        try:
            if not isinstance(json.loads(line), dict):
                raise ValueError('not an object')
        except ValueError as e:
            fail('throughput %s: %s record is not JSON (%s): %.120r' %
                 (ver, what, e, line))


# ---- memory ------------------------------------------------------------

def memory(results):
    memory_run(results, 'memory', [])
    # the same with summaries on: what they keep per session (issue 13)
    memory_run(results, 'memory_summaries', ['-r', 'tx,session'])


def memory_run(results, key, extra):
    n = MEM
    o1 = os.path.join(TMP, 'mem-open1.stream')
    c1 = os.path.join(TMP, 'mem-close1.stream')
    o2 = os.path.join(TMP, 'mem-open2.stream')
    c2 = os.path.join(TMP, 'mem-close2.stream')
    gen(['-m', n, '-s', SEED, '-w', o1], c1)
    gen(['-H', '-m', n, '-s', SEED + 1, '-w', o2], c2)
    ev_open = report_events(o1)
    ev_close = report_events(c1)
    hs = handshake_len(o1)
    err = errfile('mem')
    with open(err, 'wb') as ef:
        p = spawn([FILTER, '-o', '/dev/null', '-n', str(SESSIONS_MAX)] +
                  extra,
                  stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                  stderr=ef)
    r = {'sessions': n, 'events_open': ev_open, 'events_close': ev_close}
    try:
        fed = feed(p, o1, 0, hs)
        wait_idle(p, fed)
        r['rss_start_kb'] = proc_rss(p.pid)[0]
        t0 = time.perf_counter()
        fed += feed(p, o1, hs)
        cpu = wait_idle(p, fed)
        r['open_s'] = time.perf_counter() - t0
        r['rss_open_kb'] = proc_rss(p.pid)[0]
        r['counters_open'] = usr1_counters(p, err)
        fed += feed(p, c1)
        wait_idle(p, fed)
        r['rss_closed_kb'] = proc_rss(p.pid)[0]
        r['counters_closed'] = usr1_counters(p, err)
        fed += feed(p, o2)
        wait_idle(p, fed)
        r['rss_open2_kb'] = proc_rss(p.pid)[0]
        fed += feed(p, c2)
        cpu = wait_idle(p, fed)
        r['rss_closed2_kb'] = proc_rss(p.pid)[0]
        r['cpu_s'] = cpu
        r['maxrss_kb'] = proc_rss(p.pid)[1]
    except Broken as e:
        p.kill()
        reap(p)
        fail('memory: %s' % e)
        return
    p.stdin.close()
    status, ru = reap(p)
    r['counters_exit'] = counters(err)
    check_status('memory', status, err)
    r['bytes_per_session'] = ((r['rss_open_kb'] - r['rss_start_kb']) *
                              1024 / n)
    r['remains_kb'] = r['rss_closed_kb'] - r['rss_start_kb']
    r['growth_kb'] = r['rss_closed2_kb'] - r['rss_closed_kb']
    co = r['counters_open']
    if co and co.get('sessions', n) < n:
        note('memory: filter holds %d sessions, expected %d (evicted=%s)'
             % (co.get('sessions'), n, co.get('evicted')))
    results[key] = r
    for f in (o1, c1, o2, c2):
        os.unlink(f)


# ---- scaling -----------------------------------------------------------

def scaling(results):
    res = results.setdefault('scaling', {})
    for k in SCALE:
        warm = os.path.join(TMP, 'sc-warm.stream')
        main = os.path.join(TMP, 'sc-main.stream')
        gen(['-k', k, '-n', SCALE_EVENTS, '-s', SEED, '-w', warm], main)
        wsize = os.path.getsize(warm)
        runs = []
        for rep in range(RUNS):
            err = errfile('scale')
            with open(err, 'wb') as ef:
                p = spawn([FILTER, '-o', '/dev/null', '-n',
                           str(SESSIONS_MAX)], stdin=subprocess.PIPE,
                          stdout=subprocess.DEVNULL, stderr=ef)
            try:
                fed = feed(p, warm)
                c0 = wait_idle(p, fed)
                c_open = usr1_counters(p, err)
                t0 = time.perf_counter()
                fed += feed(p, main)
                c1 = wait_idle(p, fed)
                wall = time.perf_counter() - t0
                rss, hwm = proc_rss(p.pid)
            except Broken as e:
                p.kill()
                reap(p)
                fail('scaling k=%d: %s' % (k, e))
                break
            p.stdin.close()
            status, ru = reap(p)
            if not check_status('scaling k=%d' % k, status, err):
                break
            runs.append({
                'cpu_s': c1 - c0,
                'wall_s': wall,
                'cpu_ns_per_event': (c1 - c0) * 1e9 / SCALE_EVENTS,
                'events_per_s': SCALE_EVENTS / wall,
                'sessions_open': c_open.get('sessions'),
                'rss_kb': rss,
                'maxrss_kb': hwm,
            })
        if runs:
            by = sorted(runs, key=lambda x: x['cpu_s'])
            med = dict(by[(len(by) - 1) // 2])
            med['best_cpu_ns_per_event'] = by[0]['cpu_ns_per_event']
            med['all_cpu_s'] = [round(x['cpu_s'], 3) for x in runs]
            med['events'] = SCALE_EVENTS
            med['warm_bytes'] = wsize
            med.update(scaling_file(warm, main, k))
            res[str(k)] = med
        os.unlink(warm)
        os.unlink(main)


def scaling_file(warm, main, k):
    """The warm-up and the events through -o FILE, then cat of the output
    into a file (best of RUNS each): the issue 15 ratio at k open."""
    both = os.path.join(TMP, 'sc-both.stream')
    with open(both, 'wb') as o:
        for part in (warm, main):
            with open(part, 'rb') as i:
                shutil.copyfileobj(i, o)
    events = report_events(both)
    out = os.path.join(TMP, 'sc-out.json')
    files, writes = [], []
    for rep in range(SCALE_FILE_RUNS):
        if os.path.exists(out):
            os.unlink(out)
        settle_disk()
        r = pipeline(both, [FILTER, '-o', out, '-n', str(SESSIONS_MAX)],
                     errfile('scale-file'))
        if not check_status('scaling k=%d file' % k, r['status'],
                            errfile('scale-file')):
            break
        files.append(r['wall_s'])
        out_bytes = os.path.getsize(out)
        writes.append(write_only(out)['wall_s'])
    for f in (both, out):
        if os.path.exists(f):
            os.unlink(f)
    if not files:
        return {}
    return {'file_events': events, 'file_wall_s': min(files),
            'write_wall_s': min(writes),
            'file_events_per_s': events / min(files),
            'file_out_bytes': out_bytes,
            'file_ratio_vs_write': min(files) / min(writes)}


# ---- syslog ------------------------------------------------------------

RSYSLOG_CONF = '''\
global(workDirectory="{d}" maxMessageSize="64k")
module(load="imuxsock" SysSock.Use="off")
template(name="msgonly" type="list") {{
  property(name="msg" position.from="2")
  constant(value="\\n")
}}
ruleset(name="jsonlog") {{
  action(type="omfile" file="{d}/jsonlog.json" template="msgonly")
}}
input(type="imuxsock" Socket="{d}/log.sock" CreatePath="on"
      RateLimit.Interval="0" ruleset="jsonlog")
*.* action(type="omfile" file="{d}/other.log")
'''


def start_rsyslogd(exe, d):
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    conf = os.path.join(d, 'rsyslog.conf')
    with open(conf, 'w') as f:
        f.write(RSYSLOG_CONF.format(d=d))
    r = subprocess.run([exe, '-N1', '-f', conf], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)
    if r.returncode != 0:
        raise Broken('rsyslogd -N1: %s' % r.stdout.decode()[-300:])
    with open(os.path.join(d, 'rsyslogd.out'), 'wb') as o:
        p = spawn([exe, '-n', '-f', conf, '-i',
                   os.path.join(d, 'rsyslogd.pid')],
                  stdout=o, stderr=subprocess.STDOUT)
    sock = os.path.join(d, 'log.sock')
    for _ in range(100):
        if os.path.exists(sock):
            return p, sock
        if p.poll() is not None:
            break
        time.sleep(0.05)
    raise Broken('rsyslogd did not create its socket')


def stop_rsyslogd(p):
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(timeout=15)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    if p in children:
        children.remove(p)


def settle(out, p, t0, quiet=1.5, limit=300):
    """Wait until rsyslogd's file stops growing; (lines, last growth)."""
    size, last = -1, time.perf_counter()
    while True:
        s = os.path.getsize(out) if os.path.exists(out) else 0
        now = time.perf_counter()
        if s != size:
            size, last = s, now
        elif now - last > quiet:
            break
        if now - t0 > limit:
            break
        if p is not None and p.poll() is not None:
            p = None
        time.sleep(0.05)
    return (count_lines(out) if os.path.exists(out) else 0), last


def feed_paced(p, lines, rate):
    """Write lines at rate per second, in 10 ms slices."""
    fd = p.stdin.fileno()
    per = max(1, int(rate / 100))
    t0 = time.perf_counter()
    for i in range(0, len(lines), per):
        buf = b''.join(lines[i:i + per])
        mv = memoryview(buf)
        while mv:
            try:
                w = os.write(fd, mv)
            except BrokenPipeError:
                raise Broken('filter closed its input')
            mv = mv[w:]
        delay = t0 + (i + per) / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)


def syslog_run(exe, stream, events, rate):
    """One filter -S run against a fresh rsyslogd; rate 0 = all at once.

    The filter's stdin stays open until rsyslogd has written what it
    will, as smtpd's would: delivered counts what got through while
    running, not what a drain at exit saved.
    """
    d = os.path.join(TMP, 'rsl')
    rs, sock = start_rsyslogd(exe, d)
    out = os.path.join(d, 'jsonlog.json')
    err = errfile('syslog')
    r = {'rate': rate, 'events': events}
    try:
        rs_cpu0 = proc_stat(rs.pid)[1]
        with open(err, 'wb') as ef:
            p = spawn([FILTER, '-S', sock], stdin=subprocess.PIPE,
                      stdout=subprocess.DEVNULL, stderr=ef)
        hwm = HwmSampler(p.pid)
        hwm.start()
        t0 = time.perf_counter()
        if rate:
            with open(stream, 'rb') as f:
                lines = f.readlines()
            feed_paced(p, lines, rate)
            fed = sum(len(x) for x in lines)
        else:
            fed = feed(p, stream)
        wait_idle(p, fed)
        r['feed_s'] = time.perf_counter() - t0
        cpu = proc_stat(p.pid)[1]
        n, last = settle(out, p, t0)
        r['counters_running'] = usr1_counters(p, err)
        p.stdin.close()
        status, ru = reap(p)
        hwm.done.set()
        hwm.join()
        n, _ = settle(out, None, t0, quiet=1.0)
        rs_cpu = proc_stat(rs.pid)[1] - rs_cpu0
    finally:
        stop_rsyslogd(rs)
    r['counters'] = counters(err)
    if not check_status('syslog', status, err):
        return None
    if n == 0:
        fail('syslog: rsyslogd wrote no records')
        return None
    with open(out, 'rb') as f:
        sample = f.readline()
    try:
        json.loads(sample)
    except ValueError:
        note('syslog: a delivered record is not JSON: %.120r' % sample)
    r.update({
        'filter_cpu_s': cpu,
        'cpu_ns_per_event': cpu * 1e9 / events,
        'maxrss_kb': hwm.hwm,
        'delivered': n,
        'lost': events - n,
        'dropped': r['counters'].get('dropped'),
        'deliver_s': last - t0,
        'delivered_per_s': n / max(last - t0, 1e-6),
        'rsyslogd_cpu_s': rs_cpu,
    })
    return r


def dgram_run(stream, events, rate):
    """One filter -S run into dgram-sink; rate 0 = all at once."""
    sock = os.path.join(TMP, 'dgram.sock')
    rx = spawn([DGRAM_SINK, sock], stdout=subprocess.PIPE)
    if rx.stdout.readline().strip() != b'ready':
        raise Broken('dgram-sink did not start')
    err = errfile('dgram')
    r = {'rate': rate, 'events': events}
    try:
        with open(err, 'wb') as ef:
            p = spawn([FILTER, '-S', sock], stdin=subprocess.PIPE,
                      stdout=subprocess.DEVNULL, stderr=ef)
        t0 = time.perf_counter()
        if rate:
            with open(stream, 'rb') as f:
                lines = f.readlines()
            feed_paced(p, lines, rate)
            fed = sum(len(x) for x in lines)
        else:
            fed = feed(p, stream)
        wait_idle(p, fed)
        r['feed_s'] = time.perf_counter() - t0
        p.stdin.close()
        status, ru = reap(p)
        wall = time.perf_counter() - t0
    finally:
        rx.send_signal(signal.SIGTERM)
        got = rx.stdout.read().split()
        rstatus, rru = reap(rx)
    r['counters'] = counters(err)
    if not check_status('syslog dgram', status, err):
        return None
    if rstatus != 0 or len(got) != 2:
        fail('syslog: dgram-sink exited %d (%r)' % (rstatus, got))
        return None
    n = int(got[0])
    r.update({
        'wall_s': wall,
        'filter_cpu_s': ru.ru_utime + ru.ru_stime,
        'cpu_ns_per_event': (ru.ru_utime + ru.ru_stime) * 1e9 / events,
        'delivered': n,
        'delivered_bytes': int(got[1]),
        'lost': events - n,
        'dropped': r['counters'].get('dropped'),
        'delivered_per_s': n / max(wall, 1e-6),
        'receiver_cpu_s': (rru.ru_utime + rru.ru_stime) if rru else None,
    })
    return r


def dgram(res):
    """The syslog sink into a receiver that only counts."""
    if not os.access(DGRAM_SINK, os.X_OK):
        note('syslog: %s missing (make bench builds it), the datagram '
             'sink rows skipped' % DGRAM_SINK)
        return
    by_rate(res, 'dg.stream', DGRAM_RATES, dgram_run, 'syslog dgram',
            'dgram-')


def by_rate(res, name, rates, run, what, prefix):
    """A burst, then each feed rate: SYSLOG_RUNS of run(stream, n, rate),
    the median by delivered/s in res[prefix + 'burst' or 'rate-R']."""
    stream = os.path.join(TMP, name)
    for rate in [0] + rates:
        n = SYSLOG_EVENTS if rate == 0 else min(SYSLOG_EVENTS,
                                                int(rate * SYSLOG_SECONDS))
        gen(['-n', n, '-k', K, '-p', '0.6', '-s', SEED], stream)
        runs = []
        for rep in range(SYSLOG_RUNS):
            try:
                x = run(stream, n, rate)
            except Broken as e:
                fail('%s: %s' % (what, e))
                break
            if x is not None:
                runs.append(x)
        os.unlink(stream)
        if not runs:
            continue
        by = sorted(runs, key=lambda x: x['delivered_per_s'])
        med = dict(by[(len(by) - 1) // 2])
        med['best_delivered_per_s'] = by[-1]['delivered_per_s']
        med['all_lost'] = [x['lost'] for x in runs]
        res[prefix + ('burst' if rate == 0 else 'rate-%d' % rate)] = med


def syslog(results):
    res = results.setdefault('syslog', {})
    try:
        with open('/proc/sys/net/unix/max_dgram_qlen') as f:
            res['max_dgram_qlen'] = int(f.read())
    except (OSError, ValueError):
        pass
    dgram(res)
    exe = shutil.which('rsyslogd') or '/usr/sbin/rsyslogd'
    if not os.access(exe, os.X_OK):
        note('syslog: rsyslogd not installed (mk/deps.sh bench), skipped')
        return
    by_rate(res, 'sl.stream', SYSLOG_RATES,
            lambda stream, n, rate: syslog_run(exe, stream, n, rate),
            'syslog', '')


# ---- the generator itself ------------------------------------------------

def selfcheck():
    """The generator's streams must be well formed (validate.py)."""
    sample = os.path.join(TMP, 'check.stream')
    warm = os.path.join(TMP, 'check.warm')
    cases = [['-n', 20000, '-p', '0.6'], ['-n', 20000, '-p', '0.7'],
             ['-m', 300, '-p', '0.7', '-w', warm],
             ['-k', 500, '-n', 5000, '-w', warm]]
    for args in cases:
        gen(args + ['-s', SEED], sample)
        files = [warm, sample] if '-w' in args else [sample]
        with open(sample + '.all', 'wb') as o:
            for f in files:
                with open(f, 'rb') as i:
                    shutil.copyfileobj(i, o)
        r = subprocess.run([sys.executable, os.path.join(
            TOP, 'tests', 'bench', 'validate.py'), '-q', sample + '.all'],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if r.returncode != 0:
            fail('gen %s: malformed stream:\n%s' % (
                ' '.join(map(str, args)), r.stdout.decode()[:1500]))
    for f in (sample, sample + '.all', warm):
        if os.path.exists(f):
            os.unlink(f)


# ---- table -------------------------------------------------------------

def fmt_n(x, digits=0):
    if x is None:
        return '-'
    return '{:,.{d}f}'.format(x, d=digits)


def table(results, meta):
    say()
    say('filter-jsonlog bench  %s  commit %s  %d cores  load %s -> %s' % (
        meta['date'], meta['commit'], meta['cores'], meta['load_start'],
        meta['load_end']))
    say('(median of %d runs; "best" = fastest run; other developers share '
        'this machine, so expect noise)' % RUNS)
    tp = results.get('throughput')
    if tp:
        say()
        say('throughput: %s events, k=%d open, realistic mix' %
            (fmt_n(EVENTS), K))
        say('%-4s %-26s %11s %11s %8s %7s %11s %8s %6s' % (
            'ver', 'pipeline', 'events/s', 'best ev/s', 'MB/s out',
            'rec B', 'usr+sys ns', 'peak RSS', 'x cat'))
        for ver, v in tp.items():
            rows = (('cat', 'cat | cat >/dev/null'),
                    ('file', 'cat | filter -o FILE'),
                    ('null', 'cat | filter -o /dev/null'))
            for kind, label in rows:
                x = v.get(kind)
                if not x:
                    continue
                mbs = x.get('out_mb_per_s')
                if kind == 'cat':
                    mbs = v['in_bytes'] / x['wall_s'] / 1e6
                rss = x['maxrss_kb']
                say('%-4s %-26s %11s %11s %8s %7s %11s %8s %6s' % (
                    ver, label, fmt_n(x['median_events_per_s']),
                    fmt_n(x['best_events_per_s']), fmt_n(mbs, 1),
                    fmt_n(x.get('avg_record') if kind == 'file' else
                          v['avg_line'] if kind == 'cat' else None),
                    '%d+%d' % (x['user_s'] * 1e9 / x['events'],
                               x['sys_s'] * 1e9 / x['events']),
                    fmt_n(rss / 1024, 1) + ' MB' if rss else '-',
                    fmt_n(x.get('ratio_vs_cat'), 1)))
        say('  (cat rows: MB/s and rec B are its input; usr+sys ns: CPU '
            'of the consumer per event; x cat: fastest wall time over '
            'cat\'s fastest)')
        for ver, v in tp.items():
            f, w = v.get('file'), v.get('write')
            if not f or not w:
                continue
            say('%-4s filter -o FILE %.3f s, cat of its output > FILE '
                '%.3f s (best of %d): x%.2f; %s instructions per event '
                '(callgrind, %s events)' % (
                    ver, min(f['all_wall_s']), min(w['all_wall_s']),
                    len(w['all_wall_s']), f['ratio_vs_write'],
                    fmt_n(v.get('instructions')), fmt_n(CG_EVENTS)))
            # the writer thread: the kernel's copy of the output runs
            # next to the rendering, so CPU time can exceed wall time
            say('     its CPU in the median run: %.3f s user + %.3f s sys '
                'in %.3f s of wall time (%.2f cores busy)' % (
                    f['user_s'], f['sys_s'], f['wall_s'],
                    (f['user_s'] + f['sys_s']) / max(f['wall_s'], 1e-9)))
    m = results.get('memory')
    ms = results.get('memory_summaries')
    if m:
        say()
        say('memory: %s sessions open (each in a transaction, %d events '
            'to open, %d to close)' % (fmt_n(m['sessions']),
                                       m['events_open'], m['events_close']))
        say('  RSS at start %s MB, with all open %s MB -> %s bytes per '
            'open session' % (fmt_n(m['rss_start_kb'] / 1024, 1),
                              fmt_n(m['rss_open_kb'] / 1024, 1),
                              fmt_n(m['bytes_per_session'])))
        if ms:
            say('  with -r tx,session (summaries): %s bytes per open '
                'session%s' % (fmt_n(ms['bytes_per_session']),
                               '' if ms['bytes_per_session'] < 1000 else
                               ' (over the 1000-byte budget)'))
        say('  all closed: %s MB (%s MB above start); second open/close '
            'cycle: %s MB open, %s MB closed (growth %s kB)' % (
                fmt_n(m['rss_closed_kb'] / 1024, 1),
                fmt_n(m['remains_kb'] / 1024, 1),
                fmt_n(m['rss_open2_kb'] / 1024, 1),
                fmt_n(m['rss_closed2_kb'] / 1024, 1),
                fmt_n(m['growth_kb'])))
        co = m.get('counters_open') or {}
        ce = m.get('counters_exit') or {}
        say('  filter counters with all open: sessions=%s evicted=%s; at '
            'exit: %s' % (co.get('sessions', '?'), co.get('evicted', '?'),
                          ' '.join('%s=%s' % kv for kv in ce.items())))
    sc = results.get('scaling')
    if sc:
        say()
        say('scaling: %s events spread over k open sessions (after a '
            'warm-up that opens them)' % fmt_n(SCALE_EVENTS))
        say('%10s %10s %12s %12s %11s %9s %12s %8s' % (
            'k', 'open', 'CPU ns/ev', 'best ns/ev', 'events/s', 'RSS MB',
            'file ev/s', 'x write'))
        base = None
        for k, x in sc.items():
            if base is None:
                base = x['cpu_ns_per_event']
            say('%10s %10s %12s %12s %11s %9s %12s %8s' % (
                fmt_n(int(k)), fmt_n(x.get('sessions_open')),
                fmt_n(x['cpu_ns_per_event']),
                fmt_n(x['best_cpu_ns_per_event']),
                fmt_n(x['events_per_s']), fmt_n(x['rss_kb'] / 1024, 1),
                fmt_n(x.get('file_events_per_s')),
                fmt_n(x.get('file_ratio_vs_write'), 2)))
        last = list(sc.values())[-1]
        say('  cost at k=%s / cost at k=%s: %.2f' % (
            list(sc)[-1], list(sc)[0],
            last['cpu_ns_per_event'] / max(base, 1e-9)))
        say('  (file ev/s, x write: warm-up and events through -o FILE, '
            'best of %d, and that time over cat of the output into a '
            'file; output %s GB at the last k)' % (
                SCALE_FILE_RUNS,
                fmt_n(last.get('file_out_bytes', 0) / 1e9, 1)))
    sl = results.get('syslog')
    if sl:
        say()
        say('syslog: filter -S to rsyslogd (imuxsock -> omfile, '
            'net.unix.max_dgram_qlen=%s), stdin kept open until rsyslogd '
            'is done' % sl.get('max_dgram_qlen', '?'))
        say('%-12s %9s %10s %13s %9s %9s %9s %8s' % (
            'feed', 'events', 'delivered', 'delivered/s', 'lost',
            'dropped=', 'CPU ns/ev', 'receiver'))
        dg = [(n, x) for n, x in sl.items() if n.startswith('dgram')]
        if dg:
            say('  into tests/bench/dgram-sink (a socket of its own that '
                'only counts: the sink, not a daemon)')
        for name, x in dg:
            say('%-12s %9s %10s %13s %9s %9s %9s %6.1f s' % (
                'all at once' if name == 'dgram-burst' else
                fmt_n(x['rate']) + '/s', fmt_n(x['events']),
                fmt_n(x['delivered']), fmt_n(x['delivered_per_s']),
                fmt_n(x['lost']), x['dropped'],
                fmt_n(x['cpu_ns_per_event']), x['receiver_cpu_s'] or 0))
        if any(not n.startswith('dgram') and isinstance(x, dict)
               for n, x in sl.items()):
            say('  into rsyslogd')
        for name, x in sl.items():
            if not isinstance(x, dict) or name.startswith('dgram'):
                continue
            say('%-12s %9s %10s %13s %9s %9s %9s %6.1f s' % (
                'all at once' if name == 'burst' else
                fmt_n(x['rate']) + '/s', fmt_n(x['events']),
                fmt_n(x['delivered']), fmt_n(x['delivered_per_s']),
                fmt_n(x['lost']), x['dropped'],
                fmt_n(x['cpu_ns_per_event']), x['rsyslogd_cpu_s']))


def git_commit():
    try:
        c = subprocess.run(['git', '-C', TOP, 'describe', '--always',
                            '--dirty'], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL).stdout.decode()
        return c.strip() or 'unknown'
    except OSError:
        return 'unknown'


def loadavg():
    with open('/proc/loadavg') as f:
        return f.read().split()[0]


def main():
    meta = {
        'date': time.strftime('%Y-%m-%dT%H:%M:%S%z'),
        'commit': git_commit(),
        'cores': os.cpu_count(),
        'load_start': loadavg(),
        'filter': FILTER,
        'quick': QUICK,
        'seed': SEED,
    }
    say('bench: %s, %s events, %d runs, parts: %s%s' % (
        FILTER, fmt_n(EVENTS), RUNS, ' '.join(PARTS),
        ' (quick)' if QUICK else ''))
    results = {}
    selfcheck()
    for part in PARTS:
        fn = {'throughput': throughput, 'memory': memory,
              'scaling': scaling, 'syslog': syslog}.get(part)
        if fn is None:
            fail('unknown part %s' % part)
            continue
        say('bench: %s ...' % part)
        t = time.perf_counter()
        try:
            fn(results)
        except Broken as e:
            fail('%s: %s' % (part, e))
        say('bench: %s done in %.1f s' % (part, time.perf_counter() - t))
    meta['load_end'] = loadavg()
    table(results, meta)
    os.makedirs(OUTDIR, exist_ok=True)
    rec = dict(meta)
    rec['results'] = results
    rec['notes'] = notes
    rec['broken'] = broken
    with open(os.path.join(OUTDIR, 'bench.jsonl'), 'a') as f:
        f.write(json.dumps(rec, sort_keys=True) + '\n')
    say()
    say('bench: one JSON line appended to tests/out/bench.jsonl')
    if broken:
        say('bench: BROKEN:')
        for b in broken:
            say('  ' + b)
        return 1
    return 0


if __name__ == '__main__':
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(143))
    try:
        rc = main()
    finally:
        stop_all()
    sys.exit(rc)
