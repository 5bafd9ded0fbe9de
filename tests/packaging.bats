#!/usr/bin/env bats
# What an admin installs: the Debian package (make deb) is lintian-clean and
# installs into a scratch root with dpkg itself, maintainer scripts and all;
# the manual pages are lint-clean and name every option of every applet's
# --help; postbox.conf(5) and the packaged postbox.conf are the binary's own
# key table.
#
# The scratch root is an overlay of this machine's root filesystem (its
# changes land in $T/upper), entered with chroot: dpkg, adduser and the
# libraries are the real ones, and nothing on the machine itself changes.

load helpers

MAN="$ROOT/applets/man"

setup_file() {
	command -v dpkg-buildpackage >/dev/null && command -v dh >/dev/null ||
		return 0
	# One build for the whole file, from a copy of the tree (make-deb copies it).
	make -C "$ROOT" -s deb >"$BATS_FILE_TMPDIR/make-deb.log" 2>&1 || true
}

deb_file() {
	ls "$ROOT"/build/deb/postbox_*_*.deb 2>/dev/null | head -1
}

need_deb() {
	command -v dpkg-buildpackage >/dev/null || skip "dpkg-dev/debhelper not installed (scripts/deps)"
	DEB=$(deb_file)
	[ -n "$DEB" ] || { cat "$BATS_FILE_TMPDIR/make-deb.log"; false; }
}

# A chroot whose writes go to $T/upper; unmounted by teardown.
scratch_root() {
	R="$T/root"
	mkdir -p "$T/upper" "$T/work" "$R"
	mount -t overlay overlay -o "lowerdir=/,upperdir=$T/upper,workdir=$T/work" "$R" ||
		skip "overlayfs not available here"
	mount -t proc proc "$R/proc"
	mount --bind /dev "$R/dev"
	cp "$DEB" "$R/tmp/postbox.deb"
	# As in any Debian chroot: maintainer scripts may not start or stop
	# services (policy-rc.d exit 101), so nothing touches this machine's daemons.
	printf '#!/bin/sh\nexit 101\n' > "$R/usr/sbin/policy-rc.d"
	chmod 755 "$R/usr/sbin/policy-rc.d"
	rm -f "$R/var/lib/man-db/auto-update"   # no index rebuild on each install
	# An MTA replaces the one installed (Conflicts: mail-transport-agent), as
	# apt would do it: the machine's own (Postfix, for the tests) goes first.
	local mta
	for mta in $(in_root dpkg-query -W -f '${Package} ${Provides}\n' | awk '/mail-transport-agent/ { print $1 }'); do
		in_root dpkg --purge --force-depends "$mta" >/dev/null 2>&1
	done
}

suite_teardown() {
	if [ -n "${R:-}" ] && mountpoint -q "$R"; then
		umount "$R/dev" "$R/proc" 2>/dev/null
		umount -l "$R"
	fi
}

in_root() { chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"; }

@test "make deb: a package that lintian finds no error or warning in, with the libraries postbox loads in Depends" {
	need_deb
	command -v lintian >/dev/null || skip "lintian not installed (scripts/deps)"
	run lintian --fail-on error,warning "$DEB"
	echo "$output"
	[ "$status" -eq 0 ]
	! grep -E '^[EW]: ' <<<"$output" || false
	depends=$(dpkg-deb -f "$DEB" Depends)
	echo "Depends: $depends"
	for lib in libssl3 libldns3 libcrypt1 adduser; do
		[[ "$depends" == *"$lib"* ]] || { echo "no $lib"; false; }
	done
	[ "$(dpkg-deb -f "$DEB" Provides)" = mail-transport-agent ]
	[ "$(dpkg-deb -f "$DEB" Conflicts)" = mail-transport-agent ]
}

@test "dpkg installs the package into a scratch root: files, links, owners, modes, the postbox user, the conffile" {
	need_deb
	scratch_root
	host_sendmail=$(readlink -f /usr/sbin/sendmail || true)
	run in_root dpkg -i /tmp/postbox.deb
	echo "$output"
	[ "$status" -eq 0 ]
	in_root getent passwd postbox
	[ "$(in_root stat -c '%U %a' /usr/sbin/postbox)" = "root 755" ]
	for link in /usr/sbin/sendmail /usr/lib/sendmail /usr/bin/mailq /usr/sbin/runq \
		/usr/sbin/postbox-smtpd /usr/sbin/postbox-pop3d /usr/sbin/postbox-imapd /usr/sbin/postbox-deliver /usr/bin/smtp-chat; do
		[ "$(in_root readlink -f "$link")" = /usr/sbin/postbox ] || { echo "$link"; false; }
	done
	[ "$(in_root stat -c '%U:%G %a' /var/spool/postbox)" = "postbox:postbox 711" ]
	[ "$(in_root stat -c '%U:%G %a' /var/spool/postbox/queue)" = "postbox:postbox 700" ]
	[ "$(in_root stat -c '%U:%G %a' /var/spool/postbox/incoming)" = "postbox:postbox 1777" ]
	in_root dpkg-query --control-show postbox conffiles | grep -qx '/etc/postbox/postbox.conf'
	[ "$(in_root stat -c '%U %a' /etc/postbox/postbox.conf)" = "root 644" ]
	for unit in postbox-smtpd.service postbox-smtpd.socket postbox-smtpd@.service \
		postbox-pop3d.service postbox-imapd.service postbox-runq.service postbox-runq.timer; do
		[ -f "$R/usr/lib/systemd/system/$unit" ] || { echo "$unit"; false; }
	done
	for page in man1/sendmail.1 man1/mailq.1 man8/postbox-smtpd.8 man8/runq.8 man5/postbox.conf.5; do
		[ -f "$R/usr/share/man/$page.gz" ] || { echo "$page"; false; }
	done
	# The packaged binary runs there with the packaged configuration.
	run in_root postbox config spool
	[ "$status" -eq 0 ]
	[ "$output" = /var/spool/postbox ]
	# ... and takes a message from sendmail into the packaged spool.
	printf 'Subject: packaged\n\nhi\n' | in_root sendmail root@localhost
	run in_root mailq
	[[ "$output" == *"root@localhost"* ]]
	# Nothing of this reached the machine itself.
	[ "$(readlink -f /usr/sbin/sendmail || true)" = "$host_sendmail" ]
	! getent passwd postbox >/dev/null || false
}

@test "dpkg --purge in the scratch root removes the spool and the postbox user" {
	need_deb
	scratch_root
	in_root dpkg -i /tmp/postbox.deb >/dev/null
	run in_root dpkg --purge --force-depends postbox
	echo "$output"
	[ "$status" -eq 0 ]
	[ ! -e "$R/var/spool/postbox" ]
	! in_root getent passwd postbox || false
	[ ! -e "$R/usr/sbin/postbox" ]
}

@test "the packaged postbox.conf holds every key at its default, commented out, and means exactly the defaults" {
	"$ROOT/scripts/conf-defaults" "$PB" > "$T/packaged.conf"
	keys=$(pb config --keys | sed -n 's/^| `\([a-z0-9_]*\)` .*/\1/p')
	for k in $keys; do
		grep -q "^#$k =" "$T/packaged.conf" || { echo "missing $k"; false; }
	done
	# Uncommented, every line that shows a value sets that very default.
	sed -n 's/^#\([a-z0-9_]* = .\)/\1/p' "$T/packaged.conf" > "$T/uncommented.conf"
	[ -s "$T/uncommented.conf" ]
	env -u POSTBOX_CONFIG "$PB" config --keys >/dev/null
	run pb config -C "$T/uncommented.conf"
	[ "$status" -eq 0 ]
	while read -r k _ v; do
		[ "$(pb config -C "$T/uncommented.conf" "$k")" = "$v" ] || { echo "$k: $v"; false; }
	done < "$T/uncommented.conf"
}

@test "manual pages: mandoc -Tlint finds nothing, and postbox.conf(5) is the table of postbox config --keys" {
	command -v mandoc >/dev/null || skip "mandoc not installed (scripts/deps)"
	run mandoc -Tlint -Wall "$MAN"/*.[158]
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	POSTBOX_BUILD=${POSTBOX_BUILD:-build} run "$ROOT/scripts/man-keys" --check "$PB"
	echo "$output"
	[ "$status" -eq 0 ]
}

# The options an applet's --help names: -x, --long-name, -oi, -bp, -qR...
help_options() {
	"$PB" "$1" --help 2>&1 | grep -oE '(^|[][ ,(|])--?[A-Za-z0-9][A-Za-z0-9-]*' |
		sed 's/^[][ ,(|]*//' | sort -u
}

@test "every option in each applet's --help is in its manual page" {
	command -v mandoc >/dev/null || skip "mandoc not installed (scripts/deps)"
	declare -A page=([sendmail]=sendmail.1 [mailq]=mailq.1 [smtp-chat]=smtp-chat.1
		[smtpd]=postbox-smtpd.8 [pop3d]=postbox-pop3d.8 [imapd]=postbox-imapd.8 [runq]=runq.8
		[deliver]=postbox-deliver.8 [pickup]=postbox-pickup.8 [passwd]=postbox-passwd.8
		[config]=postbox-config.8 [spf]=postbox-spf.1 [dkim]=postbox-dkim.1
		[authcheck]=postbox-authcheck.1)
	local a missing=0 n=0
	for a in $(pb --list); do
		[ -n "${page[$a]:-}" ] || { echo "no manual page for applet $a"; missing=1; continue; }
		text=$(MANWIDTH=200 mandoc -Tutf8 "$MAN/${page[$a]}" | col -b)
		for opt in $(help_options "$a"); do
			n=$((n + 1))
			grep -qF -- "$opt" <<<"$text" || { echo "$a: $opt not in ${page[$a]}"; missing=1; }
		done
	done
	echo "$n options checked"
	[ "$n" -gt 100 ]
	[ "$missing" -eq 0 ]
}

@test "the option check can fail: an option missing from a page is found" {
	command -v mandoc >/dev/null || skip "mandoc not installed (scripts/deps)"
	text=$(mandoc -Tutf8 "$MAN/runq.8" | col -b | sed 's/--force//g')
	! grep -qF -- "--force" <<<"$text" || false
	help_options runq | grep -qx -- '--force'
}
