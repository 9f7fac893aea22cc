"""Run inside a network namespace with only loopback (see test_batch.loopback_only): start a Ray
head node, run ``iea batch ARGS... --ray-address 127.0.0.1:PORT`` against it, stop the head.

Ray's servers listen on every interface; in this namespace that is the loopback interface only,
so nothing outside the machine can reach them. Prints the batch's stdout/stderr and exits with
its exit code (97 when the head did not come up)."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    port = int(sys.argv[1])
    args = sys.argv[2:]
    ray_cli = shutil.which("ray") or str(Path(sys.executable).with_name("ray"))
    temp = tempfile.mkdtemp(prefix="iea-ray-")
    head = subprocess.Popen([ray_cli, "start", "--head", "--block", "--port", str(port),
                             "--node-ip-address", "127.0.0.1", "--num-cpus", "2",
                             "--include-dashboard", "false", "--temp-dir", temp],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or head.poll() is not None:
                    print("the Ray head did not start", file=sys.stderr)
                    return 97
                time.sleep(0.5)
        result = subprocess.run([sys.executable, "-m", "iea_core", "batch", *args,
                                 "--executor", "ray", "--ray-address", f"127.0.0.1:{port}"],
                                capture_output=True, text=True, timeout=400)
        sys.stdout.write(result.stdout)
        sys.stderr.write(result.stderr)
        return result.returncode
    finally:
        os.killpg(head.pid, signal.SIGTERM)
        try:
            head.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(head.pid, signal.SIGKILL)
            head.wait(timeout=30)
        shutil.rmtree(temp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
