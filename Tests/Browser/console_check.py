#!/usr/bin/env python3
"""The operator console in a real browser, at phone width: headless Chromium driven by selenium.

    console_check.py BACKCHANNELD [--screenshots DIR]

Starts backchanneld with an admin token and the mock-push authenticator, starts two requests, then, as an
operator on a 390-pixel-wide phone: is sent to the sign-in form, is refused a wrong token, signs in with
the right one (the session cookie HttpOnly, SameSite=Strict, expiring), filters the pending requests,
cancels one (its client then gets access_denied), has a form with a forged CSRF token refused (nothing
done), reloads the configuration after adding a client (the secrets of the configuration shown redacted),
issues an enrollment code for a push phone, enrolls one with it (Tests/Interop/push_device_check.py's protocol)
and revokes it, and visits every page, each audited as the approval pages are (pages_check.py). A second server with
one-second sessions shows a session ending: the page asks to sign in again, and the old cookie, sent
again, is refused by the server. With --screenshots, a PNG of each page goes to DIR.

Prints one line per check and "N passed, N failed"; exits 1 when any check fails.
"""
import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

from selenium.webdriver.common.by import By

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pages_check  # noqa: E402  (its checks, waits and the phone-width audit)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "Interop"))
import push_device_check  # noqa: E402  (a phone of the published device protocol)
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from pages_check import audited, check, free_port, phone, wait_for, wait_text  # noqa: E402

TOKEN = "console-admin-token-" + "0123456789abcdef" * 2
CLIENT = ("desk", "desk-secret-0042")


def configuration(extra_client=""):
    return f"""
policy: {{ min_client_secret_length: 8 }}
server:
  operations: {{ admin_token: "{TOKEN}", console_session_seconds: SESSION }}
clients:
  - {{ client_id: {CLIENT[0]}, client_secret: {CLIENT[1]}, client_name: Service desk }}
{extra_client}
authenticators:
  - {{ plugin: mock-push, configuration: {{ users: {{ carol: {{ action: silent }}, dave: {{ action: silent }} }} }} }}
  - {{ plugin: push }}
users:
  - {{ subject: carol }}
  - {{ subject: dave }}
"""


def client_request(url, form):
    basic = base64.b64encode(f"{CLIENT[0]}:{CLIENT[1]}".encode()).decode()
    request = urllib.request.Request(url, data=urllib.parse.urlencode(form).encode(), headers={"Authorization": "Basic " + basic})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:
        return json.load(error)


def serve(backchanneld, directory, session_seconds, extra_client=""):
    """A backchanneld on free ports: (process, issuer, console URL, configuration file)."""
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, "backchannel.yaml")
    with open(path, "w") as file:
        file.write(configuration(extra_client).replace("SESSION", str(session_seconds)))
    port, operations = free_port(), free_port()
    server = subprocess.Popen(
        [backchanneld, "--config", path, "--data-dir", os.path.join(directory, "data"), "--port", str(port), "--operations-port", str(operations),
         "--log-level", "info"],
        stdout=open(os.path.join(directory, "server.log"), "w"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    issuer = f"http://127.0.0.1:{port}"
    started = wait_for(lambda: urllib.request.urlopen(issuer + "/.well-known/openid-configuration", timeout=1).status == 200
                       if server.poll() is None else None, 20)
    check(f"backchanneld starts (sessions of {session_seconds} s)", started)
    return server, issuer, f"http://127.0.0.1:{operations}/console", path


def start(issuer, user):
    return client_request(issuer + "/backchannel/authentication", {"scope": "openid", "login_hint": user, "binding_message": "desk"}).get("auth_req_id")


def poll(issuer, auth_req_id):
    return client_request(issuer + "/token", {"grant_type": "urn:openid:params:grant-type:ciba", "auth_req_id": auth_req_id})


def text(driver):
    return driver.execute_script("return document.body ? document.body.innerText : ''")


def sign_in(driver, console, token):
    driver.get(console + "/login")
    driver.find_element(By.ID, "token").send_keys(token)
    driver.find_element(By.CSS_SELECTOR, "#sign-in button").click()


def rows(driver, table):
    return driver.find_elements(By.CSS_SELECTOR, f"#{table} tbody tr")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("backchanneld")
    parser.add_argument("--screenshots")
    arguments = parser.parse_args()
    shots = arguments.screenshots
    directory = tempfile.mkdtemp(prefix="console-check-")
    servers = []
    driver = None
    try:
        server, issuer, console, path = serve(arguments.backchanneld, os.path.join(directory, "main"), 900)
        servers.append(server)
        carol, dave = start(issuer, "carol"), start(issuer, "dave")
        check("two requests are pending", bool(carol and dave))
        driver = phone()

        # Signing in.
        driver.get(console + "/pending")
        check("signed out, a console page leads to the sign-in form", driver.current_url.endswith("/console/login") and wait_text(driver, "Admin token"))
        audited(driver, "console-sign-in", shots)
        sign_in(driver, console, "not-the-admin-token")
        check("a wrong token is refused", wait_text(driver, "That is not the admin token.") and driver.get_cookie("backchannel_console") is None)
        sign_in(driver, console, TOKEN)
        check("the admin token signs in, to the pending requests", wait_text(driver, "Pending requests") and driver.current_url.endswith("/console/pending"))
        cookie = driver.get_cookie("backchannel_console") or {}
        check("the session cookie is HttpOnly, SameSite=Strict, for /console, and expires",
              cookie.get("httpOnly") is True and cookie.get("sameSite") == "Strict" and cookie.get("path") == "/console" and "expiry" in cookie, str(cookie))

        # Pending requests: both listed; a filter; a cancel.
        check("both pending requests are listed", len(rows(driver, "pending")) == 2 and "carol" in text(driver) and "dave" in text(driver))
        audited(driver, "console-pending", shots)
        driver.get(console + "/pending?subject=carol")
        listed = rows(driver, "pending")
        check("filtering by subject lists carol's request alone", len(listed) == 1 and "carol" in listed[0].text, text(driver))
        listed[0].find_element(By.CSS_SELECTOR, "button.danger").click()
        check("cancelling says so", wait_text(driver, "The request was cancelled"))
        check("the cancelled request's client is told access_denied", poll(issuer, carol).get("error") == "access_denied")

        # A form whose CSRF token is not the session's does nothing.
        driver.get(console + "/pending")
        driver.execute_script("document.querySelectorAll('input[name=csrf]').forEach(e => e.value = 'forged')")
        driver.find_element(By.CSS_SELECTOR, "#pending button.danger").click()
        check("a form with a forged CSRF token is refused", wait_text(driver, "did not come from this console. Nothing was done."))
        check("and the request stays pending", poll(issuer, dave).get("error") == "authorization_pending")
        log = open(os.path.join(directory, "main", "server.log")).read()
        check("the operator's log says why the sign-in and the form were refused, never what was sent",
              "reason=bad_token" in log and "reason=csrf" in log and "not-the-admin-token" not in log and "forged" not in log, log[-600:])

        # The configuration in force, its secrets redacted; a reload after adding a client.
        driver.get(console + "/configuration")
        shown = driver.find_element(By.ID, "configuration").text
        check("the configuration is shown with its secrets redacted",
              "(redacted)" in shown and CLIENT[1] not in shown and TOKEN not in shown and "Service desk" in shown, shown[:400])
        with open(path, "w") as file:
            file.write(configuration("  - { client_id: kiosk, client_secret: kiosk-secret-0042 }").replace("SESSION", "900"))
        driver.find_element(By.ID, "reload").click()
        check("reloading says it was applied", wait_text(driver, "Reloaded."))
        check("the reloaded configuration is the one in force", "kiosk" in driver.find_element(By.ID, "configuration").text)
        audited(driver, "console-configuration", shots)
        driver.get(console + "/clients")
        check("the clients page lists the reloaded client, and the desk's outcomes", "kiosk" in text(driver) and "backchannel_authentication success: 2" in text(driver), text(driver))
        audited(driver, "console-clients", shots)

        driver.get(console + "/authenticators")
        check("the authenticators page shows mock-push ready with one pending", "ready" in text(driver) and rows(driver, "authenticators")[0].text.split()[4] == "1",
              text(driver))
        audited(driver, "console-authenticators", shots)
        driver.get(console + "/users?subject=dave")
        check("a user is looked up through the directory", "dave" in driver.find_element(By.ID, "user").text)
        audited(driver, "console-users", shots)
        # Devices of the push authenticator: an enrollment code, a phone enrolling with it, its revocation.
        driver.get(console + "/devices?authenticator=push&subject=carol")
        check("carol has no device yet", "No device is enrolled for this subject." in text(driver), text(driver))
        driver.find_element(By.XPATH, "//button[contains(., 'Issue an enrollment code')]").click()
        check("an enrollment code is issued and shown once", wait_text(driver, "Enrollment code for carol"))
        code = driver.find_element(By.CSS_SELECTOR, "#enrollment-code code").text
        key = ec.generate_private_key(ec.SECP256R1())
        status, enrolled = push_device_check.call(issuer + "/authn/push/api/", "enroll", {
            "code": code, "public_key": push_device_check.public_key_text(key), "platform": "none", "label": "carol's phone"})
        check("a phone enrolls with the code", status == 200 and "device_id" in enrolled, f"{status} {enrolled}")
        driver.get(console + "/devices?authenticator=push&subject=carol")
        check("the enrolled phone is listed", enrolled.get("device_id", "?") in text(driver) and "carol's phone" in text(driver), text(driver))
        audited(driver, "console-devices", shots)
        driver.find_element(By.CSS_SELECTOR, "#devices button.danger").click()
        check("revoking it says so", wait_text(driver, "The device was revoked."))
        driver.get(console + "/devices?authenticator=push&subject=carol")
        check("and it is gone", "No device is enrolled for this subject." in text(driver))
        driver.get(console + "/audit")
        check("the audit tail shows the cancellation by the console", "request.cancelled" in text(driver) and "operator-console" in text(driver))
        check("the audit tail shows no subject in clear", "subject_hmac" in text(driver) and "subject=" not in text(driver))
        audited(driver, "console-audit", shots)
        driver.find_element(By.ID, "sign-out").click()
        check("signing out leads to the sign-in form", wait_text(driver, "Admin token"))
        driver.get(console + "/pending")
        check("and the console asks to sign in again", driver.current_url.endswith("/console/login"))

        # Session expiry, on a server whose sessions last one second.
        short, short_issuer, short_console, _ = serve(arguments.backchanneld, os.path.join(directory, "short"), 1)
        servers.append(short)
        sign_in(driver, short_console, TOKEN)
        check("a fresh session works", wait_text(driver, "Pending requests"))
        old = driver.get_cookie("backchannel_console") or {}
        # Waiting for the one event that is time itself: the session's end.
        time.sleep(1.5)
        driver.get(short_console + "/pending")
        check("after its expiry the console asks to sign in again", driver.current_url.endswith("/console/login"))
        driver.add_cookie({"name": "backchannel_console", "value": old.get("value", ""), "path": "/console", "httpOnly": True, "sameSite": "Strict"})
        driver.get(short_console + "/pending")
        check("the expired session's cookie, sent again, is refused by the server", driver.current_url.endswith("/console/login"))
    finally:
        if driver:
            driver.quit()
        for server in servers:
            server.terminate()
            server.wait(10)
        shutil.rmtree(directory, ignore_errors=True)
    print(f"{pages_check.passed} passed, {pages_check.failed} failed")
    sys.exit(1 if pages_check.failed else 0)


if __name__ == "__main__":
    main()
