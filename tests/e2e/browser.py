#!/usr/bin/python3
"""Drive headless Chromium through rbldb-web over the DevTools protocol.

usage: browser.py BASE_URL SHOTS_DIR PROFILE_DIR

Prints one line per check, "PASS what" or "FAIL what: detail", for
t_web_browser.sh to count; screenshots go to SHOTS_DIR.  Uses Debian's
chromium and python3-websocket, nothing from the network.
"""
import base64
import json
import os
import subprocess
import sys
import time
import urllib.request

import websocket

BASE, SHOTS, PROFILE = sys.argv[1], sys.argv[2], sys.argv[3]
WAIT = 30  # seconds any one step may take on a loaded machine


def report(ok, what, detail=""):
    print(("PASS " if ok else "FAIL ") + what + ("" if ok else ": " + str(detail)[:500]),
          flush=True)


class Browser:
    def __init__(self):
        self.proc = subprocess.Popen(
            ["chromium", "--headless=new", "--no-sandbox", "--disable-gpu",
             "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
             "--disable-extensions", "--disable-background-networking",
             "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1",
             "--user-data-dir=" + PROFILE, "--window-size=1200,900", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = os.path.join(PROFILE, "DevToolsActivePort")
        end = time.time() + WAIT
        while not os.path.exists(port_file) or os.path.getsize(port_file) == 0:
            if time.time() > end or self.proc.poll() is not None:
                raise RuntimeError("chromium did not start")
            time.sleep(0.1)
        port = open(port_file).read().split()[0]
        targets = []
        while not targets:
            targets = [t for t in json.load(urllib.request.urlopen(
                "http://127.0.0.1:%s/json/list" % port, timeout=10)) if t["type"] == "page"]
            if time.time() > end:
                raise RuntimeError("no page target")
        self.ws = websocket.create_connection(targets[0]["webSocketDebuggerUrl"],
                                              timeout=WAIT, suppress_origin=True)
        self.seq = 0
        self.events = []
        self.call("Page.enable")
        self.call("Runtime.enable")

    def call(self, method, **params):
        self.seq += 1
        self.ws.send(json.dumps({"id": self.seq, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.seq:
                if "error" in msg:
                    raise RuntimeError("%s: %s" % (method, msg["error"]))
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def wait_event(self, name):
        end = time.time() + WAIT
        while time.time() < end:
            for i, e in enumerate(self.events):
                if e["method"] == name:
                    del self.events[: i + 1]
                    return e
            msg = json.loads(self.ws.recv())
            if "method" in msg:
                self.events.append(msg)
        raise RuntimeError("no " + name)

    def js(self, expr):
        r = self.call("Runtime.evaluate", expression=expr, returnByValue=True)
        if "exceptionDetails" in r:
            raise RuntimeError("js: %s" % r["exceptionDetails"])
        return r["result"].get("value")

    def goto(self, path):
        self.events.clear()
        self.call("Page.navigate", url=BASE + path)
        self.wait_event("Page.loadEventFired")

    def after(self, action):
        """Run the JS ACTION that submits a form; wait for the next page."""
        self.events.clear()
        self.js(action)
        self.wait_event("Page.loadEventFired")

    def key(self, key, code, vk, text=None):
        for t in ("keyDown", "keyUp"):
            p = {"type": t, "key": key, "code": code, "windowsVirtualKeyCode": vk}
            if text and t == "keyDown":
                p["text"] = text
            self.call("Input.dispatchKeyEvent", **p)

    def shot(self, name):
        data = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        with open(os.path.join(SHOTS, name), "wb") as f:
            f.write(base64.b64decode(data["data"]))

    def close(self):
        try:
            self.call("Browser.close")
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def h1(b):
    return b.js("document.querySelector('h1') ? document.querySelector('h1').textContent : ''")


def notice(b):
    return b.js("Array.from(document.querySelectorAll('.notice')).map(e => e.textContent)"
                ".join(' | ')")


def remove(b, ip, zone, reason, csrf=None):
    """Open IP's page, fill in ZONE's removal form like a person, send it."""
    b.goto("/lookup?ip=" + ip)
    sel = "section.listed form input[name=zone][value='%s']" % zone
    if not b.js("!!document.querySelector(\"%s\")" % sel):
        raise RuntimeError("no removal form for %s in %s" % (ip, zone))
    form = "document.querySelector(\"%s\").form" % sel
    b.js("%s.closest('details').open = true" % form)
    b.js("%s.querySelector('textarea').value = %s" % (form, json.dumps(reason)))
    b.js("%s.querySelector('input[type=email]').value = 'postmaster@example.net'" % form)
    if csrf is not None:
        b.js("%s.querySelector('input[name=csrf]').value = %s" % (form, json.dumps(csrf)))
    b.after("%s.querySelector('button[type=submit]').click()" % form)


def run(b):
    dialogs = lambda: [e for e in b.events if e["method"] == "Page.javascriptDialogOpening"]

    b.goto("/")
    report("rbldb lookup" in b.js("document.title") or "Example" in b.js("document.title"),
           "home page loads", b.js("document.title"))
    b.shot("home.png")

    # The lookup by keyboard alone: Tab to the field, type, Enter.
    for _ in range(6):
        if b.js("document.activeElement && document.activeElement.id") == "ip":
            break
        b.key("Tab", "Tab", 9)
    report(b.js("document.activeElement.id") == "ip", "the address field is reachable by Tab")
    b.call("Input.insertText", text="192.0.2.5")
    b.events.clear()
    b.key("Enter", "Enter", 13, "\r")
    b.wait_event("Page.loadEventFired")
    report(b.js("location.search") == "?ip=192.0.2.5", "Enter submits the lookup",
           b.js("location.href"))
    report("192.0.2.5 is listed" in h1(b), "a listed address reads as listed", h1(b))
    reason = b.js("document.querySelector('section.listed dd').textContent")
    report("<script>alert(1)</script>" in reason, "an XSS reason shows as text", reason)
    report(b.js("document.querySelectorAll('main script, main img, main [onmouseover]')"
                ".length") == 0, "an XSS reason adds no element or handler")
    report(b.js("typeof window.__xss") == "undefined" and not dialogs(),
           "an XSS reason runs nothing")
    labels = b.js("Array.from(document.querySelectorAll('textarea, input:not([type=hidden])'))"
                  ".every(e => e.labels && e.labels.length > 0)")
    report(labels, "every field has a label")
    b.shot("lookup-listed.png")

    b.goto("/lookup?ip=192.0.2.6")
    report("192.0.2.6 is not listed" in h1(b), "an unlisted address reads as not listed", h1(b))
    b.shot("lookup-unlisted.png")
    b.goto("/lookup?ip=192.0.2.300")
    report(h1(b) == "Not an address", "an invalid address is explained", h1(b))
    b.shot("lookup-invalid.png")

    b.call("Emulation.setDeviceMetricsOverride", width=390, height=844,
           deviceScaleFactor=2, mobile=True)
    b.goto("/lookup?ip=192.0.2.5")
    width = b.js("document.documentElement.scrollWidth")
    report(width <= 390, "the lookup page fits a phone's width", width)
    b.shot("lookup-phone.png")
    b.call("Emulation.clearDeviceMetricsOverride")

    remove(b, "192.0.2.5", "relays.example.org", "We closed the open relay.")
    report("waiting for the operator" in notice(b), "queue: the request waits", notice(b))
    b.shot("removal-queue.png")
    remove(b, "198.51.100.7", "self.example.org", "Relay closed, smarthost only now.")
    report("delisted at once" in notice(b), "self: delisted at once", notice(b))
    report("is not listed" in h1(b), "self: the page shows it not listed", h1(b))
    b.shot("removal-self.png")
    remove(b, "203.0.113.9", "retest.example.org", "Please test again.")
    report("waiting for a relay test" in notice(b), "retest: waits for a relay test",
           notice(b))
    b.shot("removal-retest.png")

    remove(b, "192.0.2.77", "relays.example.org", "x", csrf="1.forged")
    report(h1(b) == "Form expired", "a forged CSRF token is refused", h1(b))
    b.shot("refused-csrf.png")
    remove(b, "192.0.2.77", "relays.example.org", "Fixed.")
    report("waiting for the operator" in notice(b), "the fourth request is taken", notice(b))
    remove(b, "192.0.2.88", "relays.example.org", "Fixed.")
    report(h1(b) == "Too many requests", "the fifth request of the client is rate-limited",
           h1(b))
    b.shot("refused-ratelimit.png")
    b.goto("/status")
    report(h1(b) == "Service status", "the status page loads", h1(b))
    b.shot("status.png")


def main():
    b = Browser()
    try:
        run(b)
    except Exception as e:  # one broken step fails the test, loudly
        report(False, "browser session", e)
    finally:
        b.close()


main()
