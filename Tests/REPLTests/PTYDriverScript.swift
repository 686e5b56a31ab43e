import Foundation

/// Drives a program through a pseudo-terminal with Python's pty module: a list of steps (send
/// keys, wait for text, pause, wait for exit) in, a JSON report with the transcript out.
enum PTYDriverScript {
    static let source = #"""
import json, os, pty, select, signal, sys, time

def main():
    spec = json.load(open(sys.argv[1]))
    start = time.monotonic()
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(spec.get("cwd", "."))
        env = dict(os.environ)
        env.update(spec.get("env", {}))
        env["TERM"] = env.get("TERM") or "xterm"
        os.execve(spec["argv"][0], spec["argv"], env)
    out = b""
    cursor = 0
    result = {"ok": True, "status": None, "first_prompt_ms": None}

    def pump(timeout):
        nonlocal out
        r, _, _ = select.select([fd], [], [], timeout)
        if not r:
            return True
        try:
            data = os.read(fd, 65536)
        except OSError:
            return False
        if not data:
            return False
        out += data
        if result["first_prompt_ms"] is None and b"prn> " in out:
            result["first_prompt_ms"] = (time.monotonic() - start) * 1000
        return True

    for index, step in enumerate(spec["steps"]):
        if "send" in step:
            os.write(fd, step["send"].encode())
        elif "sleep" in step:
            end = time.monotonic() + step["sleep"]
            while time.monotonic() < end:
                if not pump(end - time.monotonic()):
                    break
        elif "expect" in step:
            want = step["expect"].encode()
            end = time.monotonic() + step.get("timeout", 20)
            alive = True
            while want not in out[cursor:] and time.monotonic() < end and alive:
                alive = pump(min(0.1, max(0, end - time.monotonic())))
            found = out.find(want, cursor)
            if found < 0:
                result.update(ok=False, error="step %d: did not see %r" % (index, step["expect"]))
                break
            cursor = found + len(want)
            # Let libedit finish switching the terminal to raw mode after drawing the prompt:
            # a key typed in that gap (like a person never could) is read in cooked mode.
            settle = time.monotonic() + step.get("settle", 0.05)
            while time.monotonic() < settle and pump(settle - time.monotonic()):
                pass
        elif "wait_exit" in step:
            end = time.monotonic() + step["wait_exit"]
            alive = True
            while time.monotonic() < end:
                if alive:
                    alive = pump(0.05)
                else:
                    time.sleep(0.02)
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    result["status"] = os.waitstatus_to_exitcode(status)
                    break
            if result["status"] is None:
                result.update(ok=False, error="step %d: prn did not exit" % index)
            break
    if result["status"] is None:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except OSError:
            pass
    result["transcript"] = out.decode("utf-8", "replace")
    print(json.dumps(result))

main()
"""#
}
