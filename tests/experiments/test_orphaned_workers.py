"""A driver killed outright (SIGKILL: no chance to shut its pool down) must not leave its local
workers computing: each worker watches its parent and exits once it is gone."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

DRIVER = textwrap.dedent("""
    import sys, time
    from partnering.experiments.sweep import process_pool

    def report_and_wait():
        import os, time
        print(os.getpid(), flush=True)
        time.sleep(120)

    if __name__ == "__main__":
        pool = process_pool(1)
        future = pool.submit(report_and_wait)
        time.sleep(120)
""")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie waiting for a reaper counts as gone
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


def test_workers_exit_when_their_driver_is_killed(tmp_path):
    script = tmp_path / "driver.py"
    script.write_text(DRIVER)
    driver = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        worker = int(driver.stdout.readline())
        assert _alive(worker)
        driver.send_signal(signal.SIGKILL)
        driver.wait(timeout=10)
        deadline = time.monotonic() + 10
        while _alive(worker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(worker), f"worker {worker} still running after its driver was killed"
    finally:
        if driver.poll() is None:
            driver.kill()
            driver.wait(timeout=10)
        driver.stdout.close()
