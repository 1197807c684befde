#!/usr/bin/env python3
"""Checks a running Backchannel server the way a strict OpenID Connect client library does (authlib):
discovery metadata, a CIBA flow with the claims parameter, the ID token's signature and claims
(at_hash included), and the UserInfo endpoint. Run by Tests/backchanneldTests/InteropTests.swift:

    oidc_client_check.py ISSUER CLIENT_ID CLIENT_SECRET LOGIN_HINT

The issuer is plain http on loopback in the tests, so AUTHLIB_INSECURE_TRANSPORT must be set; over
https it is not needed. Exits 0 when every check passes, printing one line per check.
"""
import base64
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

from authlib.jose import JsonWebKey, jwt
from authlib.oidc.core import CodeIDToken
from authlib.oidc.discovery import OpenIDProviderMetadata

issuer, client_id, client_secret, login_hint = sys.argv[1:5]
basic = "Basic " + base64.b64encode(f"{urllib.parse.quote(client_id)}:{urllib.parse.quote(client_secret)}".encode()).decode()
passed = failed = 0


def check(name, condition, detail=""):
    global passed, failed
    if condition:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name} {detail}")


def request(url, form=None, headers=None):
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as response:
            return response.status, dict(response.headers), json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read() or b"{}")


# Discovery, validated as authlib validates provider metadata.
status, _, metadata = request(issuer + "/.well-known/openid-configuration")
check("discovery answers 200", status == 200)
try:
    OpenIDProviderMetadata(metadata).validate()
    check("authlib accepts the provider metadata", True)
except ValueError as error:
    check("authlib accepts the provider metadata", False, str(error))
check("the metadata names this issuer", metadata.get("issuer") == issuer)

# A CIBA flow that asks for claims in the ID token and at UserInfo.
claims = {"id_token": {"email": {"essential": True}}, "userinfo": {"name": None}}
status, _, acknowledgement = request(
    metadata["backchannel_authentication_endpoint"],
    {"scope": "openid email", "login_hint": login_hint, "claims": json.dumps(claims)},
    {"Authorization": basic},
)
check("the authentication request is acknowledged", status == 200, str(acknowledgement))
tokens = {}
deadline = time.time() + 30
while time.time() < deadline:
    time.sleep(acknowledgement.get("interval", 1))
    status, _, answer = request(
        metadata["token_endpoint"],
        {"grant_type": "urn:openid:params:grant-type:ciba", "auth_req_id": acknowledgement["auth_req_id"]},
        {"Authorization": basic},
    )
    if status == 200:
        tokens = answer
        break
    if answer.get("error") not in ("authorization_pending", "slow_down"):
        break
check("polling ends in tokens", "id_token" in tokens, str(tokens))

# The ID token: signature from the JWKS, then authlib's claim checks (iss, aud, exp, iat, auth_time, at_hash).
_, _, jwks = request(metadata["jwks_uri"])
try:
    id_token = jwt.decode(
        tokens["id_token"],
        JsonWebKey.import_key_set(jwks),
        claims_cls=CodeIDToken,
        claims_options={"iss": {"essential": True, "value": issuer}, "aud": {"essential": True, "value": client_id}},
        claims_params={"access_token": tokens["access_token"]},
    )
    id_token.validate()
    check("authlib verifies the ID token, at_hash included", True)
    check("the ID token carries the email the claims parameter asked for", bool(id_token.get("email")), str(dict(id_token)))
except Exception as error:  # authlib raises several error types; any is a failure here
    check("authlib verifies the ID token, at_hash included", False, repr(error))

# UserInfo: the scope's claims and the requested one, for the bearer of the access token.
status, _, userinfo = request(metadata["userinfo_endpoint"], headers={"Authorization": "Bearer " + tokens.get("access_token", "")})
check("UserInfo answers 200", status == 200, str(userinfo))
check("UserInfo's sub is the ID token's", userinfo.get("sub") == (id_token.get("sub") if "id_token" in dir() else None))
check("UserInfo releases the email scope's claim", "email" in userinfo, str(userinfo))
check("UserInfo releases the claim the claims parameter asked for", "name" in userinfo, str(userinfo))
status, headers, _ = request(metadata["userinfo_endpoint"])
check("UserInfo without a token is 401 with a Bearer challenge", status == 401 and headers.get("WWW-Authenticate", "").startswith("Bearer"))

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
