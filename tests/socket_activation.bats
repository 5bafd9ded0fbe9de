#!/usr/bin/env bats
# systemd socket activation for the standalone servers (sd_listen_fds(3)):
# a listener that systemd already bound (LISTEN_FDS/LISTEN_PID, fds from 3)
# is used instead of binding one. tests/sd_activate.py plays systemd.

load helpers
load servers_helpers

@test "smtpd uses the socket systemd passed for its -l address and binds the others itself" {
	P=$(free_port) Q=$(free_port)
	spawn "$T/smtpd.log" /usr/bin/python3 "$ROOT/tests/sd_activate.py" "127.0.0.1:$P" -- \
		"$PB" smtpd -l "127.0.0.1:$P" -l "127.0.0.1:$Q"
	wait_port "$Q"
	# Both answer as smtpd; without the passed socket, binding P would
	# have failed (the activator holds it), and smtpd would have exited 69.
	run swaks --server "127.0.0.1:$P" --to user@test.example --from a@example.org --h-Subject activated
	[ "$status" -eq 0 ]
	run swaks --server "127.0.0.1:$Q" --to user@test.example --from a@example.org --quit-after EHLO
	[ "$status" -eq 0 ]
	[ "$(ls "$SPOOL"/queue/*.env | wc -l)" -eq 1 ]
	grep -q 'Subject: activated' "$SPOOL"/queue/*.msg
}

@test "sockets passed to another process (LISTEN_PID not ours) are ignored: smtpd binds, and says so when it cannot" {
	P=$(free_port)
	run timeout 10 /usr/bin/python3 "$ROOT/tests/sd_activate.py" --pid-offset 1 "127.0.0.1:$P" -- \
		"$PB" smtpd -l "127.0.0.1:$P"
	[ "$status" -eq 69 ]
	[[ "$output" == *"127.0.0.1:$P: bind"* ]]
}

@test "pop3d uses the socket systemd passed" {
	P=$(free_port)
	spawn "$T/pop3d.log" /usr/bin/python3 "$ROOT/tests/sd_activate.py" "127.0.0.1:$P" -- \
		"$PB" pop3d -l "127.0.0.1:$P"
	run /usr/bin/python3 -c "
import poplib, sys, time
for i in range(50):
    try:
        p = poplib.POP3('127.0.0.1', $P, timeout=5); break
    except OSError:
        time.sleep(0.1)
print(p.getwelcome().decode()); print(p.capa()); p.quit()"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "+OK"* ]]
	# pop3d, not a stray listener: it answers CAPA with its capabilities.
	[[ "$output" == *"UIDL"* ]]
}
