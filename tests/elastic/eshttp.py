"""The one HTTP helper of tests/elastic's checkers (check.py, index.py).

Named eshttp, not http: a module http.py beside them would shadow Python's
own http package, which urllib.request imports.  Standard library only.
"""

import json
import urllib.error
import urllib.request


def request(method, url, body=None, ctype="application/json", timeout=120):
    """Send one request; return (HTTP status, decoded JSON answer).

    body: None, bytes or str (sent as it is), or any other value (sent as
    JSON).  An HTTP error status is returned, not raised; an answer that is
    not JSON comes back as {"raw": text}.  A network error (refused, timed
    out) is raised."""
    if body is None or isinstance(body, bytes):
        data = body
    elif isinstance(body, str):
        data = body.encode()
    else:
        data = json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", ctype)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        raw = e.read()
        try:
            return e.code, json.loads(raw)
        except ValueError:
            return e.code, {"raw": raw.decode("utf-8", "replace")}
