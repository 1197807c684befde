#!/usr/bin/env python3
"""A CIBA flow by a client that authenticates with private_key_jwt, its client assertions signed by a standard
third-party library (authlib's RFC 7523 implementation), the ID token verified with authlib's JOSE. Run by
Tests/backchanneldTests/InteropTests.swift:

    ciba_private_key_jwt_check.py ISSUER CLIENT_ID PRIVATE_KEY_PEM_FILE KID LOGIN_HINT

Exits 0 when every check passes, printing one line per check.
"""
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

from authlib.jose import JsonWebKey, jwt
from authlib.oauth2.rfc7523 import private_key_jwt_sign

issuer, client_id, key_file, kid, login_hint = sys.argv[1:6]
private_key = open(key_file).read()
passed = failed = 0


def check(name, condition, detail=""):
    global passed, failed
    if condition:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name} {detail}")


def post(url, form):
    """A form POST authenticated by a fresh client assertion (its own jti), addressed to the endpoint called."""
    now = int(time.time())
    assertion = private_key_jwt_sign(private_key, client_id, url, alg="ES256", header={"kid": kid}, expires_at=now + 60)
    if isinstance(assertion, bytes):
        assertion = assertion.decode()
    body = {**form, "client_id": client_id, "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion}
    request = urllib.request.Request(url, data=urllib.parse.urlencode(body).encode())
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


with urllib.request.urlopen(issuer + "/.well-known/openid-configuration", timeout=10) as response:
    metadata = json.loads(response.read())
check("discovery announces private_key_jwt", "private_key_jwt" in metadata.get("token_endpoint_auth_methods_supported", []))
status, ack = post(metadata["backchannel_authentication_endpoint"],
                   {"scope": "openid", "login_hint": login_hint, "binding_message": "INTEROP"})
check("the authentication request is acknowledged", status == 200 and "auth_req_id" in ack, f"{status} {ack}")
tokens = {}
for _ in range(200):
    status, tokens = post(metadata["token_endpoint"], {"grant_type": "urn:openid:params:grant-type:ciba", "auth_req_id": ack.get("auth_req_id", "")})
    if tokens.get("error") not in ("authorization_pending", "slow_down"):
        break
    time.sleep(0.05 if tokens.get("error") == "authorization_pending" else 1)
check("the token request gets tokens", status == 200 and "id_token" in tokens, f"{status} {tokens}")
with urllib.request.urlopen(metadata["jwks_uri"], timeout=10) as response:
    keys = JsonWebKey.import_key_set(json.loads(response.read()))
claims = jwt.decode(tokens.get("id_token", ""), keys)
claims.validate()
check("the ID token verifies and names the client and the user", claims["aud"] == client_id and claims["sub"] == login_hint and claims["iss"] == issuer,
      str(dict(claims)))
status, replay = post(metadata["token_endpoint"], {"grant_type": "urn:openid:params:grant-type:ciba", "auth_req_id": ack.get("auth_req_id", "")})
check("the redeemed auth_req_id is not redeemed again", status == 400 and replay.get("error") == "invalid_grant", f"{status} {replay}")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
