"""An independent push device, written from docs/push-device-api.md alone, with Python's `cryptography`.

    push_device_check.py vectors VECTORS.json
        checks the test vectors: every message rebuilt byte for byte from its fields, every signature that
        should verify verifies, and each verdict is what the document says the server decides.

    push_device_check.py live API_URL CODE EXPECTED_SUMMARY
        enrols a fresh key with CODE at API_URL (<issuer>/authn/push/api/), waits for the pending challenge,
        fetches it, checks that it shows EXPECTED_SUMMARY, tries an answer over other authorization details
        (which the server must refuse), then approves, signed; prints one line per step.

Exit status 0 when every check passes.
"""
import base64
import hashlib
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

failures = 0


def check(description, condition, detail=""):
    global failures
    print(("ok   " if condition else "FAIL ") + description + ("" if condition else f": {detail}"), flush=True)
    if not condition:
        failures += 1


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64u(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_key_text(key):
    numbers = key.public_key().public_numbers()
    return b64u(numbers.x.to_bytes(32, "big") + numbers.y.to_bytes(32, "big"))


def public_key(text):
    raw = unb64u(text)
    return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b"\x04" + raw)


def sign(key, message):
    r, s = decode_dss_signature(key.sign(message.encode(), ec.ECDSA(hashes.SHA256())))
    return b64u(r.to_bytes(32, "big") + s.to_bytes(32, "big"))


def verifies(key_text, message, signature):
    raw = unb64u(signature)
    if len(raw) != 64:
        return False
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    try:
        public_key(key_text).verify(der, message.encode(), ec.ECDSA(hashes.SHA256()))
        return True
    except InvalidSignature:
        return False


def fetch_message(device_id, challenge_id, timestamp):
    return "\n".join(["backchannel-push/v1 fetch", device_id, challenge_id, str(timestamp)])


def answer_message(challenge, decision, picked, user_verified, details_digest):
    shown = "" if "choices" in challenge else challenge.get("binding_message", "")
    lines = ["backchannel-push/v1 answer", challenge["challenge_id"], challenge["request_hash"], shown, challenge["nonce"], decision,
             picked, "uv" if user_verified else "-"]
    if "authorization_details" in challenge:
        lines.append(details_digest)
    return "\n".join(lines)


def digest(text):
    return b64u(hashlib.sha256(text.encode()).digest())


def check_vectors(path):
    with open(path) as f:
        v = json.load(f)
    key = v["key"]["public_key"]
    private = ec.derive_private_key(int(v["key"]["private_key_d_hex"], 16), ec.SECP256R1())
    check("vectors: the private scalar gives the public key", public_key_text(private) == key)
    check("vectors: the enrollment sends that public key", v["enrollment"]["form"]["public_key"] == key)
    device = v["enrollment"]["answer"]["device_id"]
    pending = v["fetch_pending"]
    message = fetch_message(device, "", pending["form"]["timestamp"])
    check("vectors: the pending fetch's message, rebuilt", message == pending["message"], repr(message))
    check("vectors: the pending fetch's signature verifies", verifies(key, message, pending["form"]["signature"]))
    fetched = v["fetch_challenge"]
    message = fetch_message(device, fetched["form"]["challenge_id"], fetched["form"]["timestamp"])
    check("vectors: the challenge fetch's message, rebuilt", message == fetched["message"], repr(message))
    check("vectors: the challenge fetch's signature verifies", verifies(key, message, fetched["form"]["signature"]))
    challenge = fetched["answer"]
    answer = v["answer"]
    shown = digest(challenge["authorization_details"])
    check("vectors: the details digest is the SHA-256 of the details text", shown == answer["authorization_details_sha256"])
    message = answer_message(challenge, answer["decision"], answer["picked"], answer["user_verified"], shown)
    check("vectors: the answer's message, rebuilt", message == answer["message"], repr(message))
    check("vectors: the answer's signature verifies", verifies(key, message, answer["form"]["signature"]))
    mine = sign(private, message)
    check("vectors: a signature of this implementation verifies too", verifies(key, message, mine))
    matching = v["number_matching"]
    message = answer_message(matching["challenge"], "approve", matching["picked"], False, None)
    check("vectors: the number-matching answer's message, rebuilt", message == matching["message"], repr(message))
    check("vectors: the number-matching answer's signature verifies", verifies(key, message, matching["signature"]))
    for case in v["verdicts"]:
        # What the server decides: the digest first, then the signature over its own rebuilding of the message.
        if case["authorization_details_sha256"] != shown:
            verdict = "authorization_details_mismatch"
        elif not verifies(key, answer["message"], case["signature"]):
            verdict = "invalid_signature"
        else:
            verdict = "accepted"
        check(f"vectors: verdict on {case['case']}", verdict == case["verdict"], verdict)


def call(api, route, form):
    request = urllib.request.Request(api + route, data=urllib.parse.urlencode(form).encode(),
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def live(api, code, expected_summary):
    key = ec.generate_private_key(ec.SECP256R1())
    status, enrolled = call(api, "enroll", {"code": code, "public_key": public_key_text(key), "platform": "none", "label": "python"})
    check("live: enrolled", status == 200 and "device_id" in enrolled, f"{status} {enrolled}")
    device = enrolled.get("device_id", "")

    def fetch(route, challenge_id):
        timestamp = int(time.time())
        form = {"device_id": device, "timestamp": str(timestamp), "signature": sign(key, fetch_message(device, challenge_id, timestamp))}
        if challenge_id:
            form["challenge_id"] = challenge_id
        return call(api, route, form)

    ids = []
    for _ in range(100):
        status, pending = fetch("pending", "")
        ids = pending.get("challenges", [])
        if ids:
            break
        time.sleep(0.1)
    check("live: a challenge is pending", bool(ids), str(pending))
    if not ids:
        return
    status, challenge = fetch("challenge", ids[0])
    check("live: the challenge is fetched", status == 200, f"{status} {challenge}")
    check("live: the challenge shows the expected summary", expected_summary in challenge.get("authorization_details_summaries", []),
          str(challenge))
    details = challenge.get("authorization_details", "")
    check("live: its details are a JSON array of typed objects",
          all("type" in entry for entry in json.loads(details or "[]")) and bool(details), details)
    shown = digest(details)

    def answer(decision, details_digest):
        form = {"device_id": device, "challenge_id": challenge["challenge_id"], "decision": decision, "user_verified": "true",
                "authorization_details_sha256": details_digest,
                "signature": sign(key, answer_message(challenge, decision, "", True, details_digest))}
        return call(api, "answer", form)

    other = digest(details.replace('"type"', '"type" '))
    status, refused = answer("approve", other)
    check("live: an approval over other details is refused", status == 409 and refused.get("error") == "authorization_details_mismatch",
          f"{status} {refused}")
    status, approved = answer("approve", shown)
    check("live: the signed approval is recorded", status == 200 and approved.get("result") == "approved", f"{status} {approved}")
    status, again = answer("approve", shown)
    check("live: a retried answer is already_answered", status == 409 and again.get("error") == "already_answered", f"{status} {again}")


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "vectors":
        check_vectors(sys.argv[2])
    elif len(sys.argv) >= 5 and sys.argv[1] == "live":
        live(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        print(__doc__)
        return 64
    print(f"{'all checks passed' if failures == 0 else f'{failures} checks failed'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
