"""A fork server for python-script actions.

Starting Python costs tens of milliseconds, most of a trivial action's
run. The plugin starts this server once per interpreter; it imports what
every action needs, then forks a child per run. The plugin hands each run
its stdout, stderr and the two channel pipes over the Unix socket; the
child makes them its fds 1-4, becomes its own process group (so a timeout
kills everything it started) and runs the wrapper, which takes the run's
environment and directory from its invocation. The server reports the child's pid, then its exit
status, on the run's connection.
"""
import os
import selectors
import signal
import socket
import sys

import squall_wrapper  # noqa: F401  (imports the compat layer before forking)

_children = {}  # pid -> connection


def _reap():
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        conn = _children.pop(pid, None)
        if conn is not None:
            try:
                conn.sendall(("%d\n" % os.waitstatus_to_exitcode(status)).encode())
            except OSError:
                pass
            conn.close()


def _child(conn, server, fds):
    server.close()
    conn.close()
    os.setsid()
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.set_wakeup_fd(-1)
    for target, fd in zip((1, 2, 3, 4), fds):
        os.dup2(fd, target)
    for fd in fds:
        if fd > 4:
            os.close(fd)
    try:  # the wrapper takes the run's environment and directory from its invocation
        squall_wrapper.main()
    finally:
        os._exit(1)


def main():
    path, parent = sys.argv[1], os.getppid()
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(128)
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    sel = selectors.DefaultSelector()
    sel.register(server, selectors.EVENT_READ)
    sel.register(wake_r, selectors.EVENT_READ)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    while True:
        for key, _ in sel.select(timeout=1.0):
            if key.fileobj is server:
                conn, _ = server.accept()
                _, fds, _, _ = socket.recv_fds(conn, 1, 4)
                if len(fds) != 4:
                    conn.close()
                    continue
                pid = os.fork()
                if pid == 0:
                    _child(conn, server, fds)
                for fd in fds:
                    os.close(fd)
                _children[pid] = conn
                conn.sendall(("%d\n" % pid).encode())
            else:
                os.read(wake_r, 4096)
        _reap()
        if os.getppid() != parent:  # the plugin is gone: so are we
            for pid in list(_children):
                try:
                    os.killpg(pid, signal.SIGKILL)
                except OSError:
                    pass
            os._exit(0)


if __name__ == "__main__":
    main()
