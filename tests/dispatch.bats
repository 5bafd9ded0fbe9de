#!/usr/bin/env bats
# The postbox binary: applet dispatch, --list, --install, --help, config.

load helpers

@test "--list prints the applets, sorted" {
	run pb --list
	[ "$status" -eq 0 ]
	echo "$output" | grep -qx sendmail
	echo "$output" | grep -qx mailq
	[ "$output" = "$(echo "$output" | sort)" ]
}

@test "every applet answers --help on stdout with exit 0" {
	for a in $(pb --list); do
		run pb "$a" --help
		[ "$status" -eq 0 ] || { echo "$a --help: $status"; false; }
		[[ "$output" == *Usage:* ]] || { echo "$a --help lacks Usage"; false; }
	done
}

@test "--version names the version" {
	run pb --version
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^postbox\ [0-9]+\.[0-9]+ ]]
	run pb sendmail --version
	[[ "$output" == "sendmail (postbox) "* ]]
}

@test "an unknown applet exits 64 and lists the applets" {
	run pb frobnicate
	[ "$status" -eq 64 ]
	[[ "$output" == *'unknown applet "frobnicate"'* ]]
	[[ "$output" == *sendmail* ]]
}

@test "a link named after an applet runs it" {
	ln -s "$PB" "$T/mailq"
	run "$T/mailq"
	[ "$status" -eq 0 ]
	[ "$output" = "Mail queue is empty" ]
}

@test "--install makes links and refuses to replace a foreign file" {
	mkdir "$T/bin"
	echo "not ours" > "$T/bin/sendmail"
	run pb --install "$T/bin"
	[ "$status" -eq 73 ]
	[[ "$output" == *"sendmail exists and is not a link"* ]]
	[ "$(cat "$T/bin/sendmail")" = "not ours" ]
	[ -L "$T/bin/mailq" ]
	run pb --install "$T/bin"          # again: our own links are fine
	[ "$status" -eq 73 ]                # still refuses the foreign file
	run pb --install --force "$T/bin"
	[ "$status" -eq 0 ]
	[ "$(readlink "$T/bin/sendmail")" = "$(readlink -f "$PB")" ]
	run "$T/bin/mailq"
	[ "$output" = "Mail queue is empty" ]
}

@test "config prints every key with its origin" {
	run pb config
	[ "$status" -eq 0 ]
	[[ "$output" == *"spool = $SPOOL	# $POSTBOX_CONFIG:2"* ]]
	[[ "$output" == *"max_recipients = 1000	# default"* ]]
	run pb config hostname
	[ "$output" = "test.example" ]
}

@test "-C overrides POSTBOX_CONFIG; a named file must exist" {
	printf 'hostname = other.example\n' > "$T/other.conf"
	run pb config -C "$T/other.conf" hostname
	[ "$output" = "other.example" ]
	run pb config -C "$T/missing.conf"
	[ "$status" -eq 78 ]
	[[ "$output" == *"$T/missing.conf: No such file"* ]]
}

@test "a bad configuration names the file and line, exit 78" {
	printf 'hostname = x\nflavour = vanilla\n' > "$T/bad.conf"
	run pb sendmail -C "$T/bad.conf" a@b.example < /dev/null
	[ "$status" -eq 78 ]
	[[ "$output" == *"$T/bad.conf:2: unknown key \"flavour\""* ]]
	printf 'max_message_size = lots\n' > "$T/bad.conf"
	run pb mailq -C "$T/bad.conf"
	[ "$status" -eq 78 ]
	[[ "$output" == *"$T/bad.conf:1: bad value for max_message_size"* ]]
}

@test "with no configuration at all, an unprivileged user gets a private spool" {
	chmod 755 "$T"
	home="$T/home"
	mkdir -p "$home"
	chown nobody "$home"
	run as_nobody env -u POSTBOX_CONFIG HOME="$home" \
		sh -c "printf 'Subject: x\n\nbody\n' | '$PB' sendmail someone@example.org && '$PB' mailq"
	[ "$status" -eq 0 ]
	[[ "$output" == *"someone@example.org"* ]]
	ls "$home/.postbox/spool/queue" | grep -q '\.env$'
}

@test "make install puts the binary and one link per linkable applet under DESTDIR" {
	run make -C "$ROOT" -s install PREFIX=/usr DESTDIR="$T/stage"
	[ "$status" -eq 0 ]
	[ -x "$T/stage/usr/sbin/postbox" ]
	for a in $(pb --list-links); do
		[ "$(readlink "$T/stage/usr/sbin/$a")" = postbox ] || { echo "no link for $a"; false; }
	done
	[ ! -e "$T/stage/usr/sbin/config" ]
	run "$T/stage/usr/sbin/mailq" --version  # the default build, whatever POSTBOX_BUILD says
	[[ "$output" == "mailq (postbox) "* ]]
}

@test "a link named postbox-APPLET runs the applet (the package's names for smtpd, pop3d, deliver...)" {
	mkdir -p "$T/bin"
	ln -s "$PB" "$T/bin/postbox-mailq"
	ln -s "$PB" "$T/bin/postbox-nosuch"
	run "$T/bin/postbox-mailq" --version
	[ "$status" -eq 0 ]
	[[ "$output" == "mailq (postbox) "* ]]
	run "$T/bin/postbox-nosuch"
	[ "$status" -eq 64 ]
}

@test "every configuration key and every applet is documented in the README" {
	for k in $(pb config | sed -n 's/^\([a-z0-9_]*\) = .*/\1/p'); do
		grep -q "^| \`$k\` |" "$ROOT/README.md" || { echo "key $k missing from README"; false; }
	done
	for a in $(pb --list); do
		grep -q "^## .*$a" "$ROOT/README.md" || grep -q "\`$a\`" "$ROOT/README.md" || { echo "applet $a missing"; false; }
	done
}

@test "OpenSSL, ldns and libcrypt are loaded on first use, not by every applet" {
	# sendmail and mailq never touch them, so they never pay for loading them
	printf 'Subject: x\n\nhi\n' | LD_DEBUG=files pb sendmail -i a@example.org 2> "$T/ld"
	[ "$(queue_ids | wc -l)" -eq 1 ]
	! grep -E 'libssl|libcrypto|libldns|libcrypt' "$T/ld" || false
	LD_DEBUG=files pb mailq > /dev/null 2> "$T/ld"
	! grep -E 'libssl|libcrypto|libldns|libcrypt' "$T/ld" || false
	# a hash needs libcrypt: the first call loads it, and the result is right
	h=$(printf 'pw\n' | LD_DEBUG=files pb passwd 2> "$T/ld")
	grep -q 'file=libcrypt' "$T/ld"
	[[ "$h" == '$y$'* ]]
	! grep -E 'file=libssl|file=libldns' "$T/ld" || false
}

@test "--libs names every library postbox loads, and only those" {
	run pb --libs
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 3 ]
	[[ "$output" == *libssl.so.*libldns.so.*libcrypt.so.* ]]
	# What runq and passwd load by themselves (their own dependencies come
	# with their packages) is exactly that list.
	printf 'Subject: x\n\nhi\n' | pb sendmail -i a@example.org
	LD_DEBUG=files pb runq 2> "$T/ld"
	printf 'pw\n' | LD_DEBUG=files pb passwd 2>> "$T/ld" >/dev/null
	# (under ASan its dlopen interceptor is the caller ld.so names)
	sed -n 's/.*file=\([^ ]*\) .*dynamically loaded by .*\(postbox\|libasan\.so\).*/\1/p' "$T/ld" | sort -u > "$T/loaded"
	[ "$(cat "$T/loaded")" = "$(sort <<< "$output")" ]
}

@test "a library that cannot be loaded: the applet names it and exits 71, nothing is lost" {
	mkdir -p "$T/fake"
	# Shared objects with the right sonames and none of the symbols.
	echo 'int postbox_fake;' > "$T/fake/x.c"
	for lib in $(pb --libs); do
		cc -shared -fPIC -Wl,-soname,"$lib" -o "$T/fake/$lib" "$T/fake/x.c"
	done
	run env LD_LIBRARY_PATH="$T/fake" "$PB" passwd <<< 'pw'
	echo "$output"
	[ "$status" -eq 71 ]
	[[ "$output" == *"libcrypt.so."*" has no crypt_r"* ]]
	printf 'Subject: x\n\nhi\n' | pb sendmail -i a@example.org
	run env LD_LIBRARY_PATH="$T/fake" "$PB" runq
	echo "$output"
	[ "$status" -eq 71 ]
	[[ "$output" == *"libssl.so."*" has no "* ]]
	[ "$(queue_ids | wc -l)" -eq 1 ]
	# sendmail needs none of them: it still queues
	printf 'Subject: y\n\nhi\n' | env LD_LIBRARY_PATH="$T/fake" "$PB" sendmail -i b@example.org
	[ "$(queue_ids | wc -l)" -eq 2 ]
}
