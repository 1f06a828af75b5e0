/**
 * The Python clients of the `python-*` profiles, passed with `python3 -c`:
 * one GET of argv[2] trusting only the CA file argv[1]; exit 0 on HTTP 200,
 * 1 with the exception on stderr otherwise. Proxies from the environment are
 * ignored: the probe talks to loopback only.
 */
export const PYTHON_URLLIB_CLIENT = `import ssl, sys, urllib.request
try:
    ctx = ssl.create_default_context(cafile=sys.argv[1])
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=ctx))
    with opener.open(sys.argv[2], timeout=15) as r:
        r.read()
        sys.exit(0 if r.status == 200 else 1)
except Exception as e:
    print(f"{type(e).__name__}: {e}", file=sys.stderr)
    sys.exit(1)
`;

export const PYTHON_REQUESTS_CLIENT = `import sys
try:
    import requests
except ImportError as e:
    print(f"python-requests is not installed: {e}", file=sys.stderr)
    sys.exit(3)
try:
    s = requests.Session()
    s.trust_env = False
    r = s.get(sys.argv[2], verify=sys.argv[1], timeout=15)
    sys.exit(0 if r.status_code == 200 else 1)
except Exception as e:
    print(f"{type(e).__name__}: {e}", file=sys.stderr)
    sys.exit(1)
`;
