"""gunicorn settings for Bangfu: `gunicorn --config deploy/gunicorn.conf.py core.wsgi:application`.

Every value can be overridden from the environment (see deploy/env.example). gunicorn sits behind nginx, which
terminates TLS: bind it to loopback (or a private network) so that nobody can bypass nginx and forge the
X-Forwarded-Proto header that Django trusts.
"""

import multiprocessing
import os


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))  # honours CPU pinning (containers, systemd CPUAffinity=)
    except AttributeError:
        return multiprocessing.cpu_count()


wsgi_app = "core.wsgi:application"
bind = [addr.strip() for addr in os.environ.get("BANGFU_GUNICORN_BIND", "127.0.0.1:8000").split(",")]
workers = int(os.environ.get("BANGFU_GUNICORN_WORKERS", str(2 * _cpu_count() + 1)))
threads = int(os.environ.get("BANGFU_GUNICORN_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"

# A worker silent for longer than `timeout` is killed and restarted; long jobs belong in Celery.
timeout = int(os.environ.get("BANGFU_GUNICORN_TIMEOUT", "60"))
graceful_timeout = int(os.environ.get("BANGFU_GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
# Recycle workers now and then so that a slow leak never takes the site down.
max_requests = int(os.environ.get("BANGFU_GUNICORN_MAX_REQUESTS", "1000"))
max_requests_jitter = max_requests // 10
# Heartbeat files in memory: a slow or full disk must not make the arbiter kill healthy workers.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# Only these peers may tell gunicorn that a request came in over HTTPS (X-Forwarded-Proto); "*" when the
# proxy's address is not known in advance but gunicorn is unreachable from anywhere else (Docker).
forwarded_allow_ips = os.environ.get("BANGFU_GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Logs to stdout/stderr (journald or `docker compose logs`). The access log names the tenant host and the
# client address nginx saw.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("BANGFU_GUNICORN_LOG_LEVEL", "info")
access_log_format = '%({x-forwarded-for}i)s %({host}i)s %(u)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
proc_name = "bangfu-web"

# gunicorn's control socket (`gunicornc`) only where systemd provides a private runtime directory
# (RuntimeDirectory= sets RUNTIME_DIRECTORY); elsewhere its default path under $HOME may not be writable.
if os.environ.get("RUNTIME_DIRECTORY"):
    control_socket = os.path.join(os.environ["RUNTIME_DIRECTORY"].split(":")[0], "gunicorn.ctl")
else:
    control_socket_disable = True
