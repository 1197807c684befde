#!/usr/bin/env python3
"""The approval pages in a real browser, at phone width: headless Chromium driven by selenium.

    pages_check.py BACKCHANNELD [--screenshots DIR]

Starts what a newcomer's machine would run: the examples' stand-in SMS gateway
(Examples/LocalSMS/gateway.py, on a port of its own) and an SMTP server (aiosmtpd) on loopback, and backchanneld with the mock-push, SMS and e-mail authenticators. Then, as a user on a
390-pixel-wide phone: approves carol's request on the mock-push device page by clicking; types a wrong
SMS code, then the right one; opens the e-mail's link and approves; each followed by a token poll that
gets tokens. Every page is audited on the way: viewport, no horizontal scrolling, readable type, tap
targets of 44 px or more, labelled fields, WCAG AA contrast, and every control reachable by keyboard.
With --screenshots, a PNG of each page goes to DIR (README links the ones in docs/screenshots).

Prints one line per check and "N passed, N failed"; exits 1 when any check fails.
"""
import argparse
import base64
import email
import email.policy
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

from aiosmtpd.controller import Controller
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

CLIENT = ("console", "console-secret-0042")
passed = failed = 0


def check(name, condition, detail=""):
    global passed, failed
    if condition:
        passed += 1
        print(f"ok   {name}", flush=True)
    else:
        failed += 1
        print(f"FAIL {name} {detail}", flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition, seconds=10):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            value = condition()
        except OSError:  # not listening yet
            value = None
        if value:
            return value
        time.sleep(0.1)
    return None


# --- The stand-ins: the examples' SMS gateway and an SMTP server, both keeping what they receive. ---
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
texts, mails = [], []


def start_gateway(port):
    """Examples/LocalSMS/gateway.py on `port`: each text it prints is kept."""
    gateway = subprocess.Popen([sys.executable, os.path.join(ROOT, "Examples", "LocalSMS", "gateway.py"), "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, text=True)

    def read():
        for line in gateway.stdout:
            if line.startswith("SMS to "):
                texts.append(line.split(": ", 1)[1].strip())
    threading.Thread(target=read, daemon=True).start()
    return gateway


class Mailbox:
    async def handle_DATA(self, server, session, envelope):
        mails.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


# RFC 9396's payment type, as README's example configures it.
PAYMENT_TYPE = """
  authorization_details_types:
    payment_initiation:
      summary: "Transfer {{instructedAmount.amount}} {{instructedAmount.currency}} to {{creditorName}}"
      fields:
        instructedAmount:
          type: object
          required: true
          fields:
            currency: { type: string, required: true, min_length: 3, max_length: 3 }
            amount: { type: decimal, required: true }
        creditorName: { type: string, required: true, max_length: 140 }
        creditorAccount: { type: object, required: true, fields: { iban: { type: string, required: true, max_length: 34 } } }
        remittanceInformationUnstructured: { type: string, max_length: 140 }
"""

PAYMENT = [{"type": "payment_initiation", "instructedAmount": {"currency": "EUR", "amount": "250.00"}, "creditorName": "ACME Ltd",
            "creditorAccount": {"iban": "DE02100100109307118603"}, "remittanceInformationUnstructured": "Invoice 2026-117"}]


# --- Talking to the server as the client does. ---
def post(url, form):
    basic = base64.b64encode(f"{CLIENT[0]}:{CLIENT[1]}".encode()).decode()
    request = urllib.request.Request(url, data=urllib.parse.urlencode(form).encode(), headers={"Authorization": "Basic " + basic})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def start(issuer, acr, binding, extra=None):
    status, answer = post(issuer + "/backchannel/authentication",
                          {"scope": "openid", "login_hint": "carol", "acr_values": acr, "binding_message": binding, **(extra or {})})
    check(f"{acr}: the authentication request is acknowledged", status == 200, str(answer))
    return answer.get("auth_req_id", "")


def poll(issuer, auth_req_id):
    def attempt():
        status, answer = post(issuer + "/token", {"grant_type": "urn:openid:params:grant-type:ciba", "auth_req_id": auth_req_id})
        return answer if status == 200 or answer.get("error") not in ("authorization_pending", "slow_down") else None
    return wait_for(attempt, 15) or {}


def wait_text(driver, text, seconds=10):
    """Whether the page shows `text` within `seconds` (a click may still be navigating)."""
    def shows():
        try:
            return text in driver.execute_script("return document.body ? document.body.innerText : ''")
        except Exception:  # the page is being replaced
            return False
    return bool(wait_for(shows, seconds))


# --- What every page must meet at phone width. ---
AUDIT = """
const report = {};
const visible = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden'; };
const meta = document.querySelector('meta[name=viewport]');
report.viewport = !!meta && meta.content.includes('width=device-width');
report.lang = !!document.documentElement.lang;
report.title = document.title.trim().length > 0;
report.h1 = document.querySelectorAll('h1').length === 1;
report.scrollWidth = document.documentElement.scrollWidth;
report.innerWidth = screen.width;  // the phone's width: without a viewport meta, the layout grows past it
report.bodyFont = parseFloat(getComputedStyle(document.body).fontSize);
report.unlabelled = [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
  .filter(visible).filter(e => e.labels.length === 0 && !e.getAttribute('aria-label')).map(e => e.name);
report.smallTargets = [...document.querySelectorAll('button, a, input:not([type=hidden])')].filter(visible)
  .map(e => [e.textContent.trim() || e.name, e.getBoundingClientRect()]).filter(([, r]) => r.height < 44 || r.width < 44)
  .map(([n, r]) => `${n} ${Math.round(r.width)}x${Math.round(r.height)}`);
const rgb = c => (c.match(/[\\d.]+/g) || []).map(Number);
const luminance = ([r, g, b]) => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }; return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
const background = e => { for (; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor); if (c.length === 3 || c[3] > 0) return c.slice(0, 3); } return [255, 255, 255]; };
report.lowContrast = [...document.querySelectorAll('h1, h2, p, label, button, span, strong, a')].filter(visible)
  .filter(e => [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())).map(e => {
    const style = getComputedStyle(e); const fg = luminance(rgb(style.color)), bg = luminance(background(e));
    const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    const size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight) >= 700;
    const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    return [e.textContent.trim().slice(0, 30), ratio, needed]; }).filter(([, r, n]) => r < n).map(([t, r]) => `${t} ${r.toFixed(2)}`);
report.emptyBoxes = [...document.querySelectorAll('p, div, [role=status]')].filter(visible)
  .filter(e => !e.innerText.trim() && !e.querySelector('input, button, img')).map(e => e.className || e.tagName);
report.controls = [...document.querySelectorAll('button, a[href], input:not([type=hidden]), select')].filter(visible).length;
// A box that scrolls sideways (a wide table at phone width) is a Tab stop of its own in Chromium.
report.scrollers = [...document.querySelectorAll('div, pre')].filter(e => e.scrollWidth > e.clientWidth
  && ['auto', 'scroll'].includes(getComputedStyle(e).overflowX)).length;
return report;
"""


def audit(driver, name, screenshots=None):
    """Each check of a page at phone width, as (description, passed, detail)."""
    report = driver.execute_script(AUDIT)
    results = [
        ("viewport meta, lang, title and one h1", report["viewport"] and report["lang"] and report["title"] and report["h1"], str(report)),
        (f"no horizontal scrolling at {report['innerWidth']} px", report["scrollWidth"] <= report["innerWidth"], f"scrollWidth {report['scrollWidth']}"),
        ("body text is at least 16 px", report["bodyFont"] >= 16, str(report["bodyFont"])),
        ("every field has a label", not report["unlabelled"], str(report["unlabelled"])),
        ("every tap target is at least 44x44 px", not report["smallTargets"], str(report["smallTargets"])),
        ("text contrast meets WCAG AA", not report["lowContrast"], str(report["lowContrast"])),
        ("no empty boxes", not report["emptyBoxes"], str(report["emptyBoxes"])),
    ]
    driver.execute_script("document.activeElement && document.activeElement.blur(); window.focus();")
    if screenshots:
        driver.save_screenshot(os.path.join(screenshots, name + ".png"))
    # Keyboard: Tab from the top of the page reaches every control.
    reached = set()
    for index in range(report["controls"] + report["scrollers"] + 2):
        (driver.find_element(By.TAG_NAME, "body") if index == 0 else driver.switch_to.active_element).send_keys(Keys.TAB)
        element = driver.switch_to.active_element
        if element.tag_name in ("button", "a", "input", "select"):
            reached.add(element.id)  # the element itself: two buttons may read alike
    results.append(("every control is reachable with Tab", len(reached) >= report["controls"], f"{len(reached)} of {report['controls']}"))
    return results


def audited(driver, name, screenshots):
    for description, ok, detail in audit(driver, name, screenshots):
        check(f"{name}: {description}", ok, detail)


# A page that gets every one of those wrong: the audit must notice each.
BAD_PAGE = """<!doctype html><html><head><title></title></head><body style="font-size:12px">
<h1>One</h1><h1>Two</h1><p style="color:#aaa">faint text</p><p style="padding:1rem;background:#efe"></p>
<input name="code"><button style="padding:0;font-size:10px">Go</button>
<div style="width:1500px">wide</div><span tabindex="-1"><button tabindex="-1">Hidden from Tab</button></span>
</body></html>"""


def phone():
    """Headless Chromium as a phone: 390 CSS pixels wide at twice the density, with a touch screen."""
    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    options.add_experimental_option("mobileEmulation", {"deviceMetrics": {"width": 390, "height": 844, "pixelRatio": 2, "touch": True}})
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    return webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("backchanneld")
    parser.add_argument("--screenshots")
    arguments = parser.parse_args()
    if arguments.screenshots:
        os.makedirs(arguments.screenshots, exist_ok=True)

    directory = tempfile.mkdtemp(prefix="backchannel-browser-")
    gateway_port = free_port()
    gateway = start_gateway(gateway_port)
    mailbox = Controller(Mailbox(), hostname="127.0.0.1", port=free_port())
    mailbox.start()
    port = free_port()
    issuer = f"http://127.0.0.1:{port}"
    with open(os.path.join(directory, "backchannel.yaml"), "w") as f:
        f.write(f"""
policy:
  interval: 1
""" + PAYMENT_TYPE + f"""
clients:
  - {{ client_id: {CLIENT[0]}, client_secret: {CLIENT[1]}, client_name: Support Console, authorization_details_types: [payment_initiation] }}
authenticators:
  - {{ plugin: mock-push, configuration: {{ users: {{ carol: {{ action: silent }} }} }} }}
  - plugin: sms
    configuration: {{ provider: webhook, url: "http://127.0.0.1:{gateway_port}/messages", from: Backchannel }}
  - plugin: email
    configuration:
      smtp: {{ host: 127.0.0.1, port: {mailbox.port}, security: none }}
      from: login@example.com
      require_code: true
users:
  - {{ subject: carol, email: carol@example.com, phone_number: "+15550102" }}
""")
    server = subprocess.Popen(
        [arguments.backchanneld, "--config", os.path.join(directory, "backchannel.yaml"), "--data-dir", os.path.join(directory, "data"),
         "--port", str(port), "--operations-port", str(free_port()), "--log-level", "warning"],
        stdout=open(os.path.join(directory, "server.log"), "w"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    driver = None
    try:
        started = wait_for(lambda: urllib.request.urlopen(issuer + "/.well-known/openid-configuration", timeout=1).status == 200
                           if server.poll() is None else None, 20)
        check("backchanneld starts", started)
        driver = phone()

        # The audit itself: every check fails on a page built to fail it.
        driver.get("data:text/html;base64," + base64.b64encode(BAD_PAGE.encode()).decode())
        for description, ok, _ in audit(driver, "bad-page"):
            check(f"the audit catches a page that fails: {description}", not ok)

        # Mock push: carol opens her device, by keyboard, and approves by clicking.
        auth_req_id = start(issuer, "mock-push", "K7 push")
        driver.get(issuer + "/authn/mock-push/")
        field = driver.find_element(By.ID, "user")
        field.send_keys("carol", Keys.ENTER)
        check("mock-push: the device page shows the request with its binding message", wait_text(driver, "K7 push"))
        audited(driver, "mock-push-device", arguments.screenshots)
        driver.find_element(By.CSS_SELECTOR, ".card button[value=approve]").click()
        check("mock-push: approving says so", wait_text(driver, "Approved. The client can now collect its tokens."))
        check("mock-push: the token poll gets tokens", "id_token" in poll(issuer, auth_req_id))

        # Mock push with a payment to approve: the summary and every field beside the binding message.
        auth_req_id = start(issuer, "mock-push", "PAY 7", {"authorization_details": json.dumps(PAYMENT)})
        driver.get(issuer + "/authn/mock-push/?user=carol")
        check("mock-push: the page shows the payment's summary", wait_text(driver, "Transfer 250.00 EUR to ACME Ltd"))
        shown = driver.find_element(By.CSS_SELECTOR, ".card").text
        check("mock-push: every field of the payment is listed, and the binding message beside it",
              all(value in shown for value in ("DE02100100109307118603", "Invoice 2026-117", "creditorAccount.iban", "PAY 7")), shown)
        audited(driver, "mock-push-payment", arguments.screenshots)
        driver.find_element(By.CSS_SELECTOR, ".card button[value=approve]").click()
        check("mock-push: approving the payment says so", wait_text(driver, "Approved. The client can now collect its tokens."))
        tokens = poll(issuer, auth_req_id)
        check("mock-push: the tokens carry exactly the approved payment", tokens.get("authorization_details") == PAYMENT, str(tokens))

        # SMS: the link from the text, a wrong code, then the right one.
        auth_req_id = start(issuer, "sms", "K7 sms")
        text = wait_for(lambda: texts[-1] if texts else None)
        check("sms: the example gateway, on a port of its own, received the text", bool(text))
        link = re.search(r"https?://\S+", text or "").group(0)
        code = re.search(r"code: (\d+)", text or "").group(1)
        driver.get(link)
        check("sms: the page shows the binding message", "K7 sms" in driver.page_source)
        audited(driver, "sms-code", arguments.screenshots)
        wrong = "".join(str((int(d) + 1) % 10) for d in code)
        driver.find_element(By.ID, "code").send_keys(wrong, Keys.ENTER)
        check("sms: a wrong code is refused", wait_text(driver, "That code is wrong."))
        check("sms: the refusal is a status message", "wrong" in driver.find_element(By.CSS_SELECTOR, "[role=status]").text)
        audited(driver, "sms-wrong-code", arguments.screenshots)
        driver.find_element(By.ID, "code").send_keys(code)
        driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        check("sms: the right code approves", wait_text(driver, "Approved. You can close this page."))
        check("sms: the token poll gets tokens", "id_token" in poll(issuer, auth_req_id))

        # E-mail: the link and the code from the mail's text part.
        auth_req_id = start(issuer, "email", "K7 mail")
        mail = wait_for(lambda: mails[-1] if mails else None)
        check("email: the SMTP server received the mail", mail is not None)
        body = mail.get_body(preferencelist=("plain",)).get_content() if mail else ""
        link = re.search(r"https?://\S+", body).group(0)
        code = re.search(r"\b(\d{6})\b", body).group(1)
        driver.get(link)
        check("email: the page shows the binding message", "K7 mail" in driver.page_source)
        audited(driver, "email-link", arguments.screenshots)
        driver.find_element(By.ID, "code").send_keys(code)
        driver.find_element(By.CSS_SELECTOR, "button[value=approve]").click()
        check("email: approving says so", wait_text(driver, "Approved. You can close this page."))
        check("email: the token poll gets tokens", "id_token" in poll(issuer, auth_req_id))
    finally:
        if driver:
            driver.quit()
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        mailbox.stop()
        # SIGKILL: a parent that ignores SIGTERM (a test runner that handles it itself) passes that on.
        gateway.kill()
        if failed:
            print(open(os.path.join(directory, "server.log")).read())
        shutil.rmtree(directory, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
