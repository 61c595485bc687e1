#!/usr/bin/env python3
"""Runs a command and writes its CPU usage: rusage.py OUT CMD...

Forwards SIGTERM/SIGINT to the command, waits for it, and writes "user_s sys_s maxrss_kb exit" to OUT
(from wait4, so it covers the whole process however it ended). Exits with the command's status.
"""
import os
import signal
import subprocess
import sys


def main() -> int:
    out, cmd = sys.argv[1], sys.argv[2:]
    child = subprocess.Popen(cmd)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda s, _f: child.send_signal(s))
    while True:
        try:
            _, status, usage = os.wait4(child.pid, 0)
            break
        except InterruptedError:
            continue
    code = os.waitstatus_to_exitcode(status)
    with open(out, "w") as f:
        f.write(f"{usage.ru_utime:.3f} {usage.ru_stime:.3f} {usage.ru_maxrss} {code}\n")
    return code if code >= 0 else 128 - code


if __name__ == "__main__":
    sys.exit(main())
