#!/usr/bin/env bash
# Start the local PostgreSQL and Redis when they are down (used by .ci/run; harmless when up).
set -u
up() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if ! up 5432 && command -v pg_ctlcluster >/dev/null 2>&1; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
fi
if ! up 6379 && command -v redis-server >/dev/null 2>&1; then
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
fi
for i in $(seq 1 20); do up 5432 && up 6379 && break; sleep 0.5; done
up 5432 && echo "postgresql: up" || echo "postgresql: DOWN"
up 6379 && echo "redis: up" || echo "redis: DOWN"
exit 0
