#!/usr/bin/env bats
# passwd: password hashes for the users file.

load helpers

verify() { /usr/bin/python3 -W ignore -c 'import crypt,sys; sys.exit(0 if crypt.crypt(sys.argv[1], sys.argv[2]) == sys.argv[2] else 1)' "$1" "$2"; }

@test "passwd prints a yescrypt hash of the first line of stdin" {
	run bash -c "printf 'correct horse\n' | '$PB' passwd"
	[ "$status" -eq 0 ]
	[[ "$output" == '$y$'* ]]
	verify 'correct horse' "$output"
	! verify 'correct hors' "$output" || false
	# a fresh salt every time
	h2=$(printf 'correct horse\n' | pb passwd)
	[ "$h2" != "$output" ]
}

@test "passwd -m sha512 prints a SHA-512-crypt hash; CRLF input is one line" {
	run bash -c "printf 'pw\r\n' | '$PB' passwd -m sha512"
	[ "$status" -eq 0 ]
	[[ "$output" == '$6$'* ]]
	verify pw "$output"
}

@test "passwd refuses empty, overlong, argv passwords and unknown methods" {
	run bash -c "printf '\n' | '$PB' passwd"
	[ "$status" -eq 65 ] && [[ "$output" == *"empty password"* ]]
	run bash -c "head -c 2000 /dev/zero | tr '\0' a | '$PB' passwd"
	[ "$status" -eq 65 ] && [[ "$output" == *"longer than"* ]]
	run pb passwd secret
	[ "$status" -eq 64 ]
	run bash -c "echo x | '$PB' passwd -m md5"
	[ "$status" -eq 64 ]
	pb --list | grep -qx passwd
	# not installed as a link: it would shadow the system's passwd
	mkdir "$T/bin" && pb --install "$T/bin"
	[ ! -e "$T/bin/passwd" ]
}
