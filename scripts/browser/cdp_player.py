#!/usr/bin/env python3
"""Drives headless Chromium over the DevTools protocol (Python standard library only) to play a
moq-relay web player page and report what it decoded.

    cdp_player.py --url URL --frames N --timeout S --screenshot PNG --report JSON [--chromium BIN]
                  [--delay S] [--log FILE]

Chromium runs headless as root (--no-sandbox), with a temporary --user-data-dir, --no-proxy-server,
and the DevTools protocol on a pipe (fd 3 commands in, fd 4 replies out; NUL-terminated JSON). The
page's window.__moqWait(N, ms) resolves with its figures; they are written to --report, and a PNG
screenshot of the page to --screenshot. Exits 0 when the page reported >= N decoded frames and no
error, 1 otherwise (also when Chromium cannot start: a browser test never passes without a browser).
"""
import argparse, base64, json, os, shutil, subprocess, sys, tempfile, time


class CDP:
    def __init__(self, proc, rfd, wfd):
        self.proc, self.rfd, self.wfd = proc, rfd, wfd
        self.next_id = 0
        self.buf = b""

    def send(self, method, params=None, session=None, timeout=60):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.wfd, json.dumps(msg).encode() + b"\0")
        deadline = time.time() + timeout
        while time.time() < deadline:
            reply = self.read(deadline)
            if reply is not None and reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
        raise TimeoutError(f"{method}: no reply within {timeout} s")

    def read(self, deadline):
        import select
        while b"\0" not in self.buf:
            left = deadline - time.time()
            if left <= 0:
                return None
            ready, _, _ = select.select([self.rfd], [], [], left)
            if not ready:
                return None
            chunk = os.read(self.rfd, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe (it exited)")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\0", 1)
        return json.loads(line)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--frames", type=int, default=100)
    ap.add_argument("--timeout", type=float, default=40)
    ap.add_argument("--screenshot", required=True)
    ap.add_argument("--report", required=True)
    ap.add_argument("--chromium", default=os.environ.get("CHROMIUM", "chromium"))
    ap.add_argument("--delay", type=float, default=0, help="seconds to wait before loading the page")
    ap.add_argument("--log", help="Chromium's stderr goes here")
    ap.add_argument("--audio-frames", type=int, default=0, help="also wait for this many decoded audio frames")
    ap.add_argument("--expect-error", help="pass when the page reports an error containing this text (and decoded nothing)")
    a = ap.parse_args()

    binary = shutil.which(a.chromium)
    if not binary:
        print(f"browser: FAIL: no Chromium ('{a.chromium}' not found; scripts/deps.sh installs the Debian package chromium)")
        return 1
    profile = tempfile.mkdtemp(prefix="moq-chromium-")
    to_chrome_r, to_chrome_w = os.pipe()
    from_chrome_r, from_chrome_w = os.pipe()

    def child_fds():
        import fcntl
        # Move both ends above 4 first, so neither dup2 overwrites the other.
        r = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 10)
        w = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 10)
        os.dup2(r, 3)
        os.dup2(w, 4)

    args = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
            "--no-proxy-server", f"--user-data-dir={profile}", "--window-size=1000,800", "--remote-debugging-pipe",
            "--disable-background-timer-throttling", "--disable-renderer-backgrounding", "--mute-audio",
            "--autoplay-policy=no-user-gesture-required",
            "--enable-logging=stderr", "--v=0", "about:blank"]
    log = open(a.log, "w") if a.log else subprocess.DEVNULL
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=log, preexec_fn=child_fds,
                            pass_fds=(3, 4, to_chrome_r, from_chrome_w))
    os.close(to_chrome_r)
    os.close(from_chrome_w)
    cdp = CDP(proc, from_chrome_r, to_chrome_w)
    rc = 1
    try:
        version = cdp.send("Browser.getVersion", timeout=30)
        print(f"browser: {version.get('product')} ({version.get('userAgent', '').split(') ')[-1]})")
        target = cdp.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = cdp.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        cdp.send("Page.enable", session=session)
        cdp.send("Runtime.enable", session=session)
        if a.delay:
            time.sleep(a.delay)
        cdp.send("Page.navigate", {"url": a.url}, session=session)
        # Wait for the module to install its hook.
        deadline = time.time() + 15
        while time.time() < deadline:
            r = cdp.send("Runtime.evaluate", {"expression": "typeof window.__moqWait", "returnByValue": True}, session=session)
            if r.get("result", {}).get("value") == "function":
                break
            time.sleep(0.1)
        else:
            status = cdp.send("Runtime.evaluate", {"expression": "document.body && document.body.innerText", "returnByValue": True}, session=session)
            print(f"browser: FAIL: the page never started its player: {status.get('result', {}).get('value')}")
            return 1
        expr = f"window.__moqWait({a.frames}, {int(a.timeout * 1000)}, {a.audio_frames})"
        r = cdp.send("Runtime.evaluate", {"expression": expr, "awaitPromise": True, "returnByValue": True},
                     session=session, timeout=a.timeout + 30)
        if "exceptionDetails" in r:
            print(f"browser: FAIL: {r['exceptionDetails']}")
            return 1
        report = r["result"]["value"]
        report["browser"] = version.get("product")
        shot = cdp.send("Page.captureScreenshot", {"format": "png"}, session=session)
        with open(a.screenshot, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        with open(a.report, "w") as f:
            json.dump(report, f, indent=1)
        if a.expect_error:
            ok = report["decoded"] == 0 and any(a.expect_error in e for e in report["errors"])
        else:
            ok = report["decoded"] >= a.frames and report.get("audioDecoded", 0) >= a.audio_frames and not report["errors"]
        audio = f", audio: {report['audioStatus']}, {report.get('audioDecoded', 0)} frames" if report.get("audioStatus") else ""
        print(f"browser: page says: {report['status']}; decoded {report['decoded']}, errors {report['errors']}{audio}")
        rc = 0 if ok else 1
        try:
            cdp.send("Browser.close", timeout=5)
        except Exception:
            pass
    except Exception as e:
        print(f"browser: FAIL: {e}")
        rc = 1
    finally:
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(profile, ignore_errors=True)
    return rc


if __name__ == "__main__":
    sys.exit(main())
