# scripts/ports.sh — loopback ports for the tests and the benchmarks
# (sourced, not run): free_port, port_open, wait_until, wait_port.

# A free loopback port below the kernel's ephemeral range, so that no
# outgoing connection can take it between this choice and the server's bind.
free_port() {
	/usr/bin/python3 - <<'PY'
import errno, random, socket
def free(family, host, port):
    try:
        with socket.socket(family) as s:
            s.bind((host, port))
        return True
    except OSError as e:  # a host without IPv6 has nothing to collide with
        return family == socket.AF_INET6 and e.errno in (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT)
low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
for _ in range(200):
    port = random.randint(10000, low - 1)
    if free(socket.AF_INET, "127.0.0.1", port) and free(socket.AF_INET6, "::1", port):
        print(port)
        break
PY
}

# Run a command every 50 ms until it succeeds, for at most 15 s of the
# clock (not a count of tries: on a loaded machine, or under ASan, a
# Python server's imports alone took more than 5 s); 1 if it never did.
wait_until() {
	local end=$((SECONDS + 15))
	while :; do
		"$@" && return 0
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.05
	done
}

# Whether something listens on HOST (default 127.0.0.1) port PORT.
port_open() { (exec 3<>"/dev/tcp/${2:-127.0.0.1}/$1") 2>/dev/null; }

# Wait until something listens on PORT [HOST] (at most 15 s).
wait_port() {
	wait_until port_open "$@" && return 0
	echo "nothing listens on port $1" >&2
	return 1
}
