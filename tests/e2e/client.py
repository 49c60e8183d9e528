#!/usr/bin/env python3
"""SMTP sessions for the filter-jsonlog end-to-end tests.

Usage: client.py PORT SCENARIO [ARG]

Each scenario is one or more real SMTP sessions against smtpd on
127.0.0.1:PORT.  It waits for every reply before the next command (smtpd
refuses pipelining) and checks the reply codes; it exits 0 when smtpd
answered as expected, 1 otherwise (with the dialogue on stderr).  The HELO
name of each session starts with "s-<scenario>" so the tests can find the
session's records and its raw stream.
"""

import base64
import socket
import ssl
import sys
import threading
import time

HOST = "127.0.0.1"

# Strings that must never reach a record (see run.sh, AUTH scenario).
AUTH_USER = b"e2e-user"
AUTH_PASS = b"Pw-e2e-s3cr3t"
AUTH_PLAIN = base64.b64encode(b"\0" + AUTH_USER + b"\0" + AUTH_PASS)
AUTH_LOGIN_USER = base64.b64encode(AUTH_USER)
AUTH_LOGIN_PASS = base64.b64encode(AUTH_PASS)

# The account of the STARTTLS + AUTH scenarios (smtpd 7.6: run.sh puts it
# in smtpd's credentials table), and a wrong password.
TLS_USER = b"e2e-tls-user"
TLS_PASS = b"Tls-e2e-s3cr3t"
TLS_WRONG = b"Wrong-e2e-passw0rd"
TLS_PLAIN = base64.b64encode(b"\0" + TLS_USER + b"\0" + TLS_PASS)
TLS_PLAIN_WRONG = base64.b64encode(b"\0" + TLS_USER + b"\0" + TLS_WRONG)
TLS_LOGIN_USER = base64.b64encode(TLS_USER)
TLS_LOGIN_PASS = base64.b64encode(TLS_PASS)
TLS_LOGIN_WRONG = base64.b64encode(TLS_WRONG)
# Every string above that must never reach a record or a log line.
SECRETS = [AUTH_PLAIN, AUTH_LOGIN_USER, AUTH_LOGIN_PASS, AUTH_PASS,
           AUTH_USER, TLS_PASS, TLS_WRONG, TLS_PLAIN, TLS_PLAIN_WRONG,
           TLS_LOGIN_USER, TLS_LOGIN_PASS, TLS_LOGIN_WRONG]


class Failed(Exception):
    pass


class Session:
    """One SMTP connection, one command at a time."""

    def __init__(self, port, timeout=60):
        self.sock = socket.create_connection((HOST, port), timeout=timeout)
        self.rfile = self.sock.makefile("rb")
        self.log = []
        self.expect(220)

    def reply(self):
        lines = []
        while True:
            line = self.rfile.readline()
            if not line:
                raise Failed("connection closed by server")
            self.log.append(b"<- " + line.rstrip(b"\r\n"))
            lines.append(line)
            if line[3:4] != b"-":
                return int(line[:3]), lines

    def expect(self, code):
        got, lines = self.reply()
        if got != code:
            raise Failed("expected %d, got %r" % (code, lines))
        return lines

    def send(self, line):
        self.log.append(b"-> " + line[:200])
        self.sock.sendall(line + b"\r\n")

    def cmd(self, line, code):
        self.send(line)
        return self.expect(code)

    def data(self, body):
        """DATA, the dot-stuffed body, the final dot; 250 expected."""
        self.cmd(b"DATA", 354)
        out = []
        for line in body.split(b"\n"):
            out.append(b"." + line if line.startswith(b".") else line)
        self.sock.sendall(b"\r\n".join(out) + b"\r\n.\r\n")
        self.log.append(b"-> <%d bytes of message>" % len(body))
        self.expect(250)

    def starttls(self):
        """STARTTLS, then the TLS handshake (self-signed: not verified)."""
        self.cmd(b"STARTTLS", 220)
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        self.rfile.close()
        self.sock = ctx.wrap_socket(self.sock, server_hostname="e2e.test")
        self.rfile = self.sock.makefile("rb")
        self.log.append(b"== " + self.sock.version().encode() + b" " +
                        self.sock.cipher()[0].encode())

    def quit(self):
        self.cmd(b"QUIT", 221)
        self.close()

    def close(self):
        self.rfile.close()
        self.sock.close()


def message(subject, size=0):
    """A small RFC 5322 message, padded to about SIZE bytes if asked."""
    head = (b"From: Alice <alice@example.org>\n"
            b"To: Bob <bob@example.test>\n"
            b"Subject: " + subject.encode() + b"\n"
            b"Message-ID: <" + subject.replace(" ", "-").encode() +
            b"@client.test>\n\n")
    body = b"Hello from the filter-jsonlog end-to-end tests.\n"
    line = b"0123456789abcdefghijklmnopqrstuvwxyz" * 2 + b"\n"
    while len(head) + len(body) < size:
        body += line
    return head + body


def one_mail(s, sender, rcpts, subject):
    s.cmd(b"MAIL FROM:<" + sender + b">", 250)
    for r in rcpts:
        s.cmd(b"RCPT TO:<" + r + b">", 250)
    s.data(message(subject))


def sc_helo(port):
    s = Session(port)
    s.cmd(b"HELO s-helo.client.test", 250)
    one_mail(s, b"alice@example.org", [b"bob@example.test"], "helo")
    s.quit()


def sc_auth(port):
    # AUTH before HELO: smtpd reports the line verbatim, credentials
    # included, and refuses it.
    s = Session(port)
    s.cmd(b"AUTH PLAIN " + AUTH_PLAIN, 503)
    s.cmd(b"EHLO s-auth.client.test", 250)
    # Without TLS smtpd offers no AUTH and refuses every attempt.
    s.cmd(b"AUTH PLAIN " + AUTH_PLAIN, 503)
    s.cmd(b"AUTH LOGIN " + AUTH_LOGIN_USER, 503)
    s.cmd(b"AUTH LOGIN", 503)
    s.quit()


def sc_rcpt(port):
    s = Session(port)
    s.cmd(b"EHLO s-rcpt.client.test", 250)
    s.cmd(b"MAIL FROM:<alice@example.org>", 250)
    s.cmd(b"RCPT TO:<bob@example.test>", 250)
    s.cmd(b"RCPT TO:<mallory@unknown.invalid>", 550)
    s.cmd(b"RCPT TO:<carol@example.test>", 250)
    s.data(message("three recipients one refused"))
    s.quit()


def sc_rset(port):
    s = Session(port)
    s.cmd(b"EHLO s-rset.client.test", 250)
    one_mail(s, b"alice@example.org", [b"bob@example.test"], "first")
    s.cmd(b"MAIL FROM:<alice@example.org>", 250)
    s.cmd(b"RCPT TO:<carol@example.test>", 250)
    s.cmd(b"RSET", 250)
    one_mail(s, b"dave@example.org", [b"erin@example.test"], "second")
    s.quit()


def sc_big(port):
    s = Session(port)
    s.cmd(b"EHLO s-big.client.test", 250)
    s.cmd(b"MAIL FROM:<alice@example.org> SIZE=1100000", 250)
    s.cmd(b"RCPT TO:<bob@example.test>", 250)
    s.data(message("one megabyte", 1024 * 1024))
    s.quit()


def sc_abort(port):
    s = Session(port)
    s.cmd(b"EHLO s-abort.client.test", 250)
    s.cmd(b"MAIL FROM:<alice@example.org>", 250)
    s.cmd(b"RCPT TO:<bob@example.test>", 250)
    s.cmd(b"DATA", 354)
    s.sock.sendall(b"Subject: cut short\r\n\r\nhalf a message\r\n")
    # Give smtpd the time to read the lines, then hang up mid-DATA.
    time.sleep(0.3)
    s.close()


def sc_8bit(port):
    s = Session(port)
    # smtpd refuses a HELO name that is not a domain, but reports the
    # command as sent: UTF-8 e-acute, a pipe, a Latin-1 byte (invalid
    # UTF-8) and a tab.
    s.cmd(b"EHLO s-8bit.caf\xc3\xa9|pipe\xe9\tx.test", 501)
    s.cmd(b"HELO \xff\xfe|\x1b[0m", 501)
    s.cmd(b"EHLO s-8bit.client.test", 250)
    # 8-bit in an address: refused (no SMTPUTF8), reported as sent.
    s.cmd(b"MAIL FROM:<j\xc3\xbcrgen|\xe9@example.org>", 553)
    # A pipe is legal in a local part: tx-mail and tx-rcpt carry it.
    s.cmd(b"MAIL FROM:<pipe|user@example.org>", 250)
    s.cmd(b"RCPT TO:<b|ob\xff@example.test>", 501)
    s.cmd(b"RCPT TO:<pipe|rcpt@unknown.invalid>", 550)
    s.cmd(b"RCPT TO:<bob@example.test>", 250)
    s.data(message("pipes and bytes") + b"Caf\xc3\xa9 \xe9|\n")
    # An unsupported MAIL parameter: tx-mail 00000000 permfail, no tx-begin.
    s.cmd(b"MAIL FROM:<alice@example.org> SMTPUTF8", 503)
    s.quit()


def sc_mail2(port):
    """A second MAIL FROM inside a transaction: refused, the first stays."""
    s = Session(port)
    s.cmd(b"EHLO s-mail2.client.test", 250)
    s.cmd(b"MAIL FROM:<alice@example.org>", 250)
    s.cmd(b"MAIL FROM:<mallory@example.org>", 503)
    s.cmd(b"RCPT TO:<bob@example.test>", 250)
    s.data(message("second mail from"))
    s.quit()


def tls_session(port, name):
    s = Session(port)
    s.cmd(b"EHLO s-%s.client.test" % name, 250)
    s.starttls()
    # After STARTTLS the client says EHLO again; now AUTH is offered.
    lines = s.cmd(b"EHLO s-%s.client.test" % name, 250)
    if not any(b"AUTH" in l for l in lines):
        raise Failed("no AUTH offered after STARTTLS: %r" % lines)
    return s


def sc_tlsplain(port):
    """STARTTLS, AUTH PLAIN with the credentials in the command."""
    s = tls_session(port, b"tlsplain")
    s.cmd(b"AUTH PLAIN " + TLS_PLAIN, 235)
    one_mail(s, b"alice@example.org", [b"bob@example.test"], "tls plain")
    s.quit()


def sc_tlslogin(port):
    """STARTTLS, AUTH LOGIN: user name and password on their own lines."""
    s = tls_session(port, b"tlslogin")
    s.cmd(b"AUTH LOGIN", 334)
    s.cmd(TLS_LOGIN_USER, 334)
    s.cmd(TLS_LOGIN_PASS, 235)
    one_mail(s, b"alice@example.org", [b"bob@example.test"], "tls login")
    s.quit()


def sc_tlsfail(port):
    """STARTTLS, then two AUTH attempts with a wrong password."""
    s = tls_session(port, b"tlsfail")
    s.cmd(b"AUTH PLAIN " + TLS_PLAIN_WRONG, 535)
    # LOGIN with the user name as initial response: smtpd reports that
    # line as sent (base64 user name); the filter must mask it.
    s.cmd(b"AUTH LOGIN " + TLS_LOGIN_USER, 334)
    s.cmd(TLS_LOGIN_WRONG, 535)
    s.quit()


def sc_stuck(port):
    """One message smtpd accepts but cannot deliver (it stays queued)."""
    s = Session(port)
    s.cmd(b"EHLO s-stuck.client.test", 250)
    one_mail(s, b"alice@example.org", [b"held@stuck.test"], "stuck")
    s.quit()


def sc_manyrcpt(port, n=150):
    """One message to N recipients: records beyond the size cap."""
    s = Session(port)
    s.cmd(b"EHLO s-manyrcpt.client.test", 250)
    s.cmd(b"MAIL FROM:<newsletter-sender@example.org>", 250)
    for i in range(int(n)):
        s.cmd(b"RCPT TO:<subscriber-number-%04d.with-a-long-name@example.test>"
              % i, 250)
    s.data(message("newsletter"))
    s.quit()


def sc_relay(port):
    s = Session(port)
    s.cmd(b"EHLO s-relay.client.test", 250)
    one_mail(s, b"alice@example.org", [b"bob@remote.test"], "relayed")
    s.quit()


def sc_concurrent(port, n=100):
    """N sessions open at the same time, each sends one message."""
    n = int(n)
    opened = threading.Barrier(n + 1, timeout=120)
    errors = []

    def worker(i):
        s = None
        try:
            s = Session(port, timeout=120)
            s.cmd(b"EHLO s-concurrent-%d.client.test" % i, 250)
            opened.wait()
            one_mail(s, b"load%d@example.org" % i,
                     [b"bob@example.test"], "load %d" % i)
            s.quit()
        except (OSError, Failed, threading.BrokenBarrierError) as e:
            errors.append("session %d: %s" % (i, e))
            opened.abort()
            if s is not None:
                s.close()

    threads = []
    for i in range(n):
        t = threading.Thread(target=worker, args=(i,))
        t.start()
        threads.append(t)
        # smtpd listens with a backlog of 5: stagger the connects.
        time.sleep(0.02)
    try:
        opened.wait()
    except threading.BrokenBarrierError:
        pass
    for t in threads:
        t.join()
    if errors:
        raise Failed("; ".join(errors[:5]))


SCENARIOS = {
    "helo": sc_helo,
    "auth": sc_auth,
    "rcpt": sc_rcpt,
    "rset": sc_rset,
    "big": sc_big,
    "abort": sc_abort,
    "8bit": sc_8bit,
    "mail2": sc_mail2,
    "stuck": sc_stuck,
    "tlsplain": sc_tlsplain,
    "tlslogin": sc_tlslogin,
    "tlsfail": sc_tlsfail,
    "manyrcpt": sc_manyrcpt,
    "relay": sc_relay,
    "concurrent": sc_concurrent,
}


def main():
    if len(sys.argv) < 3 or sys.argv[2] not in SCENARIOS:
        sys.stderr.write("usage: client.py PORT %s [ARG]\n" %
                         "|".join(SCENARIOS))
        return 2
    port = int(sys.argv[1])
    try:
        SCENARIOS[sys.argv[2]](port, *sys.argv[3:])
    except (OSError, Failed) as e:
        sys.stderr.write("client %s: %s\n" % (sys.argv[2], e))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
