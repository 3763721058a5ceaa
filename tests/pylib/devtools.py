"""A DevTools protocol client for tests that drive headless chromium: the little of RFC 6455 it
needs (text frames, masked from the client), and a browser started with a debugging port."""
import base64
import json
import os
import shutil
import socket
import struct
import subprocess
import tempfile
import time
import urllib.request


class WebSocket:
    """The little of RFC 6455 a DevTools client needs: text frames, masked from the client."""

    def __init__(self, url):
        assert url.startswith("ws://")
        hostport, path = url[5:].split("/", 1)
        host, port = hostport.split(":")
        self.sock = socket.create_connection((host, int(port)), timeout=60)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET /{path} HTTP/1.1\r\nHost: {hostport}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            head += self.sock.recv(1)
        assert b" 101 " in head.split(b"\r\n")[0], head
        self.next_id = 0
        self.on_event = None  # called with every event received while waiting for a reply
        self.pending = []  # events that came while waiting for a reply, for wait_event

    def _recv_exact(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("websocket closed")
            data += chunk
        return data

    def send(self, obj):
        payload = json.dumps(obj).encode()
        mask = os.urandom(4)
        n = len(payload)
        head = bytes([0x81]) + (bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + struct.pack(">H", n)
                                if n < 65536 else bytes([0x80 | 127]) + struct.pack(">Q", n))
        self.sock.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def recv(self):
        message = b""
        while True:
            b0, b1 = self._recv_exact(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._recv_exact(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._recv_exact(8))[0]
            message += self._recv_exact(n)
            if b0 & 0x80:
                return json.loads(message)

    def call(self, method, **params):
        self.next_id += 1
        self.send({"id": self.next_id, "method": method, "params": params})
        while True:
            m = self.recv()
            if "method" in m:
                self.pending.append(m)
                if self.on_event:
                    self.on_event(m)
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                return m.get("result", {})

    def wait_event(self, name, timeout=60):
        """The event `name`, waited for; one that came while a call waited for its reply counts."""
        for k, m in enumerate(self.pending):
            if m.get("method") == name:
                del self.pending[:k + 1]
                return m
        self.pending.clear()
        end = time.time() + timeout
        while time.time() < end:
            m = self.recv()
            if "method" in m and self.on_event:
                self.on_event(m)
            if m.get("method") == name:
                return m
        raise TimeoutError(name)


class Browser:
    """Headless chromium with one page to drive: `with Browser() as tab: tab.call(...)`. Console
    errors and uncaught exceptions of the page are collected in .errors."""

    def __init__(self, width=1200, height=1600):
        self.width, self.height = width, height

    def __enter__(self):
        self.profile = tempfile.mkdtemp()
        self.process = subprocess.Popen([shutil.which("chromium"), "--headless", "--no-sandbox", "--disable-gpu",
                                         "--hide-scrollbars", f"--window-size={self.width},{self.height}",
                                         "--remote-debugging-port=0", f"--user-data-dir={self.profile}",
                                         "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = os.path.join(self.profile, "DevToolsActivePort")
        for _ in range(600):
            if os.path.exists(port_file) and len(open(port_file).read().split()) >= 2:
                break
            time.sleep(0.05)
        self.port, browser_path = open(port_file).read().split()[:2]
        self.browser = WebSocket(f"ws://127.0.0.1:{self.port}{browser_path}")
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{self.port}/json/list"))
        self.tab = WebSocket([t for t in targets if t["type"] == "page"][0]["webSocketDebuggerUrl"])
        self.tab.on_event = self._event
        self.errors = []
        for domain in ("Page", "Runtime", "Log"):
            self.tab.call(f"{domain}.enable")
        return self

    def _event(self, m):
        method = m.get("method")
        if method == "Runtime.exceptionThrown":
            self.errors.append(m["params"]["exceptionDetails"].get("text", "exception"))
        elif method == "Runtime.consoleAPICalled" and m["params"]["type"] in ("error", "assert"):
            self.errors.append(" ".join(str(a.get("value", a.get("description", ""))) for a in m["params"]["args"]))
        elif method == "Log.entryAdded" and m["params"]["entry"]["level"] == "error":
            self.errors.append(m["params"]["entry"]["text"])

    def open(self, path, timeout=60):
        """Loads file://path; returns the seconds until its load event."""
        start = time.time()
        self.tab.pending.clear()  # a load event of the page before does not count
        self.tab.call("Page.navigate", url="file://" + path)
        self.tab.wait_event("Page.loadEventFired", timeout)
        return time.time() - start

    def eval(self, expression):
        r = self.tab.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise RuntimeError(f"{expression[:80]}: {r['exceptionDetails']}")
        return r["result"].get("value")

    def screenshot(self, clip=None):
        """PNG bytes of the page (or of clip {x, y, width, height} in page pixels)."""
        params = {"format": "png", "captureBeyondViewport": True}
        if clip:
            params["clip"] = dict(clip, scale=1)
        return base64.b64decode(self.tab.call("Page.captureScreenshot", **params)["data"])

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait()
        shutil.rmtree(self.profile, ignore_errors=True)
        return False
