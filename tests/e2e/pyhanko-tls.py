#!/usr/bin/env python3
"""pyHanko's command line for the end-to-end test, trusting the test
gateway's self-signed TLS certificate when it fetches revocation data.

The signatures' certificates name the gateway's CRL (`https://127.0.0.1:…`),
and pyHanko fetches it. pyhanko-certvalidator's fetcher trusts certifi's
bundle and nothing else (no environment variable changes that), so this adds
the certificate `tests/e2e/run` made ($E2E_TLS_CERT) to a copy of the bundle
in the run's directory, as a machine trusting its gateway would, then runs
pyHanko with the given arguments. Without $E2E_TLS_CERT it is plain pyHanko.
"""

import os
import sys

import certifi

extra = os.environ.get("E2E_TLS_CERT")
if extra:
    bundle = os.path.join(os.path.dirname(extra), "ca-bundle.pem")
    with open(certifi.where(), encoding="ascii") as base, open(extra, encoding="ascii") as cert:
        text = base.read() + "\n" + cert.read()
    with open(bundle, "w", encoding="ascii") as out:
        out.write(text)
    certifi.where = lambda: bundle

from pyhanko.__main__ import launch  # noqa: E402  (after the bundle is set)

sys.argv[0] = "pyhanko"
sys.exit(launch())
