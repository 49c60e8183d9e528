#!/usr/bin/env python3
"""Leak check of -P: python3 leak.py STREAM.in OUTPUT.json [FLAGS]

FLAGS is what -P was given (default all).  From the raw stream it takes
what the options promise to hide -- the local parts of every address
(tx-mail, tx-rcpt, MAIL FROM / RCPT TO lines, link-auth users that are
addresses), AUTH user names, smtp-in client ips and their rdns -- and
fails (exit 1, one line per leak) when any of it appears in the records:
  local: every '@' of the output follows a pseudonym (p.<16 hex> or
         u.<16 hex>), no local part of 5 bytes or more appears anywhere,
         and every domain of the input still does (with ip, but for a
         domain that is an address, cut like the others, or a client's
         rdns, hidden like it);
  user:  no user name (3 bytes or more) appears anywhere;
  ip:    no smtp-in client ip, nor its rdns, appears in that session's
         records outside destination.* (the server's own side).
With one option alone, a user name that is also a local part (alice and
alice@) is only checked by the option that hides it.
"""
import ipaddress
import json
import re
import sys


def fields(line):
    return line.rstrip("\n").split("|")


def addresses_of(stream):
    addrs, users, clients = set(), set(), {}
    for line in open(stream, encoding="utf-8", errors="surrogateescape"):
        if not line.startswith("report|"):
            continue
        f = fields(line)
        if len(f) < 6:
            continue
        ver, subsys, event, sid = f[1], f[3], f[4], f[5]
        old = ver == "0.4"
        auth_old = ver in ("0.4", "0.5", "0.6")
        if event in ("tx-mail", "tx-rcpt") and len(f) >= 9:
            # 0.4: address|result; later: result|address ('|' may be in it)
            a = "|".join(f[7:-1]) if old else "|".join(f[8:])
            addrs.add(a)
        elif event == "link-auth" and len(f) >= 8:
            u = "|".join(f[6:-1]) if auth_old else "|".join(f[7:])
            users.add(u)
            if "@" in u:
                addrs.add(u)
        elif event == "protocol-client" and len(f) >= 7:
            text = "|".join(f[6:])
            for m in re.finditer(r"<([^<>]*@[^<>]*)>", text):
                addrs.add(m.group(1))
        elif event == "link-connect" and subsys != "smtp-out" and len(f) >= 10:
            rdns, src = f[6], f[8]
            ip = src
            m = re.match(r"^\[(.*)\]:\d+$", src) or re.match(r"^(.*):\d+$", src)
            if m:
                ip = m.group(1)
            try:    # "unix:/path" and the like are no client address
                ipaddress.ip_address(ip.split("%")[0])
            except ValueError:
                ip = ""
            clients[sid] = (ip, rdns if rdns not in ("", "<unknown>") else None)
    addrs.discard("<>")
    addrs.discard("")
    return addrs, users, clients


def main():
    stream, out = sys.argv[1], sys.argv[2]
    flags = set((sys.argv[3] if len(sys.argv) > 3 else "all").split(","))
    if "all" in flags:
        flags = {"local", "user", "ip", "proto"}
    addrs, users, clients = addresses_of(stream)
    records = [json.loads(l) for l in open(out, encoding="utf-8")]
    text = "\n".join(json.dumps(r, ensure_ascii=False) for r in records)
    low = text.lower()
    bad = []
    lusers = set((u.rpartition("@")[0] or u).lower() for u in users)
    llocals = set((a.rpartition("@")[0] or a).lower() for a in addrs)

    if "local" in flags:
        for m in re.finditer(r"(.{0,20})@(?!timestamp\")", text):
            if not re.search(r"(^|[^0-9a-z])[pu]\.[0-9a-f]{16}$", m.group(1)):
                bad.append("an '@' after no pseudonym: ...%s@" % m.group(1))
        for a in addrs:
            local, _, domain = a.rpartition("@")
            if not _:
                local, domain = a, ""
            for piece in [local] + local.split("|"):
                # without -P user, a user name that is also a local part
                # (alice, alice@) is kept as a user name
                if "user" not in flags and piece.lower() in lusers:
                    continue
                if len(piece) >= 5 and piece.lower() in low:
                    bad.append("local part %r of %r" % (piece, a))
            # with ip, a domain that is an address is cut like the others
            literal = re.match(r"^\[.*\]$|^[0-9.]+$|^[0-9a-f:.]*:[0-9a-f:.]*$",
                               domain, re.I)
            # with ip, a domain equal to a client's rdns is hidden too
            rdnses = set(r.lower() for _, r in clients.values() if r)
            if domain and domain.lower() not in low and \
                    not ("ip" in flags and (literal or
                                            domain.lower() in rdnses)):
                bad.append("domain %r is gone" % domain)
    if "user" in flags:
        for u in users:
            name = u.rpartition("@")[0] or u
            if "local" not in flags and name.lower() in llocals:
                continue
            if len(name) >= 3 and name.lower() in low:
                bad.append("user name %r" % u)
    if "ip" in flags:
        for r in records:
            sid = r.get("opensmtpd", {}).get("session", {}).get("id")
            if sid not in clients or r["event"].get("provider") == "smtp-out":
                continue
            ip, rdns = clients[sid]
            if not ip:
                continue
            dst = r.pop("destination", {})
            rel = r.get("related", {})
            if "ip" in rel:
                rel["ip"] = [x for x in rel["ip"] if x != dst.get("ip")]
            t = json.dumps(r, ensure_ascii=False)
            if re.search(r"(?<![0-9a-fA-F.:])" + re.escape(ip) +
                         r"(?![0-9a-fA-F])", t, re.I):
                bad.append("client ip %s in %s" % (ip, r["event"]["id"]))
            if rdns and re.search(r"(?<![0-9a-z.@-])" + re.escape(rdns) +
                                  r"(?![0-9a-z-])", t, re.I):
                bad.append("rdns %s in %s" % (rdns, r["event"]["id"]))
    for b in sorted(set(bad)):
        print("leak: " + b)
    print("%d records, %d addresses, %d users, %d clients: %d leaks" %
          (len(records), len(addrs), len(users), len(clients), len(set(bad))))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
