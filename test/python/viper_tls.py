"""maadstml over HTTPS: lists topics and creates one against `tml serve --tls-cert --tls-key`.

Run by test/server/https.test.ts. maadstml 3.70 opens its aiohttp sessions with
TCPConnector(ssl=False): the connection is encrypted, but the client never checks the server's
certificate, so it reaches a self-signed server without being told to trust it (and would reach an
impostor just as well; docs/security.md). Arguments: port, token file. Prints one JSON line.
"""
import json
import sys

import maadstml as m

PORT, TOKEN_FILE = int(sys.argv[1]), sys.argv[2]
with open(TOKEN_FILE) as f:
    TOKEN = f.read()

created = m.vipercreatetopic(TOKEN, "https://127.0.0.1", PORT, "over-tls", "OTICS", "S", "S", "T", "D")
listed = m.viperlisttopics(TOKEN, "https://127.0.0.1", PORT) if hasattr(m, "viperlisttopics") else None
print(json.dumps({"created": created, "listed": listed}))
