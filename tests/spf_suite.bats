#!/usr/bin/env bats
# spf_suite: the OpenSPF RFC 7208 test suite (pyspf's rfc7208-tests.yml,
# 16 scenarios, 203 tests) against `postbox spf`. tests/spf_suite.py serves
# each scenario's zonedata on loopback (tests/spf_dns.py, python3-dnslib),
# runs every test once in setup_file, and each test below checks its own
# line: the result (any of a list), and the explanation where one is given.
#
# The suite is not copied into the project: it is read from
# ../shared/suites/spf beside the repository (or SPF_SUITE=FILE). The @test
# lines below are generated from it:
#   tests/spf_suite.py bats ../shared/suites/spf/rfc7208-tests.yml

load helpers

suite_file() {
	local top common
	[ -n "${SPF_SUITE:-}" ] && { echo "$SPF_SUITE"; return; }
	top=$(git -C "$ROOT" rev-parse --show-toplevel 2>/dev/null || echo "$ROOT")
	common=$(git -C "$ROOT" rev-parse --path-format=absolute --git-common-dir 2>/dev/null || echo "$top/.git")
	for dir in "$top/../shared" "$(dirname "$common")/../shared"; do
		[ -f "$dir/suites/spf/rfc7208-tests.yml" ] && { echo "$dir/suites/spf/rfc7208-tests.yml"; return; }
	done
	return 0 # not found: every test skips
}

setup_file() {
	ROOT="$(cd "$(dirname "${BATS_TEST_FILENAME}")/.." && pwd)"
	SUITE=$(suite_file)
	echo "$SUITE" > "$BATS_FILE_TMPDIR/suite"
	[ -n "$SUITE" ] || return 0
	/usr/bin/python3 "$ROOT/tests/spf_suite.py" run "$SUITE" "$ROOT/${POSTBOX_BUILD:-build}/postbox" \
		"$BATS_FILE_TMPDIR" > "$BATS_FILE_TMPDIR/results" 2> "$BATS_FILE_TMPDIR/driver.log"
}

# The line of test $1 says ok.
spf_case() {
	[ -s "$BATS_FILE_TMPDIR/suite" ] && [ "$(cat "$BATS_FILE_TMPDIR/suite")" != "" ] || skip "OpenSPF suite not found at ../shared/suites/spf (set SPF_SUITE=FILE)"
	local line
	line=$(grep -P "^\\Q$1\\E\t" "$BATS_FILE_TMPDIR/results" || true)
	echo "${line:-no result for $1; driver said: $(tail -5 "$BATS_FILE_TMPDIR/driver.log")}"
	[ "$line" = "$1	ok" ]
}

@test "spf suite: toolonglabel" { spf_case toolonglabel; }
@test "spf suite: longlabel" { spf_case longlabel; }
@test "spf suite: emptylabel" { spf_case emptylabel; }
@test "spf suite: helo-not-fqdn" { spf_case helo-not-fqdn; }
@test "spf suite: helo-domain-literal" { spf_case helo-domain-literal; }
@test "spf suite: nolocalpart" { spf_case nolocalpart; }
@test "spf suite: domain-literal" { spf_case domain-literal; }
@test "spf suite: non-ascii-policy" { spf_case non-ascii-policy; }
@test "spf suite: non-ascii-mech" { spf_case non-ascii-mech; }
@test "spf suite: non-ascii-result" { spf_case non-ascii-result; }
@test "spf suite: non-ascii-non-spf" { spf_case non-ascii-non-spf; }
@test "spf suite: control-char-policy" { spf_case control-char-policy; }
@test "spf suite: two-spaces" { spf_case two-spaces; }
@test "spf suite: trailing-space" { spf_case trailing-space; }
@test "spf suite: null-text" { spf_case null-text; }
@test "spf suite: badip4" { spf_case badip4; }
@test "spf suite: both" { spf_case both; }
@test "spf suite: txtonly" { spf_case txtonly; }
@test "spf suite: spfonly" { spf_case spfonly; }
@test "spf suite: spftimeout" { spf_case spftimeout; }
@test "spf suite: txttimeout" { spf_case txttimeout; }
@test "spf suite: nospftxttimeout" { spf_case nospftxttimeout; }
@test "spf suite: alltimeout" { spf_case alltimeout; }
@test "spf suite: nospace1" { spf_case nospace1; }
@test "spf suite: empty" { spf_case empty; }
@test "spf suite: nospace2" { spf_case nospace2; }
@test "spf suite: spfoverride" { spf_case spfoverride; }
@test "spf suite: multitxt1" { spf_case multitxt1; }
@test "spf suite: multitxt2" { spf_case multitxt2; }
@test "spf suite: multispf1" { spf_case multispf1; }
@test "spf suite: multispf2" { spf_case multispf2; }
@test "spf suite: nospf" { spf_case nospf; }
@test "spf suite: case-insensitive" { spf_case case-insensitive; }
@test "spf suite: detect-errors-anywhere" { spf_case detect-errors-anywhere; }
@test "spf suite: modifier-charset-good" { spf_case modifier-charset-good; }
@test "spf suite: modifier-charset-bad1" { spf_case modifier-charset-bad1; }
@test "spf suite: modifier-charset-bad2" { spf_case modifier-charset-bad2; }
@test "spf suite: redirect-after-mechanisms1" { spf_case redirect-after-mechanisms1; }
@test "spf suite: redirect-after-mechanisms2" { spf_case redirect-after-mechanisms2; }
@test "spf suite: default-result" { spf_case default-result; }
@test "spf suite: redirect-is-modifier" { spf_case redirect-is-modifier; }
@test "spf suite: invalid-domain" { spf_case invalid-domain; }
@test "spf suite: invalid-domain-empty-label" { spf_case invalid-domain-empty-label; }
@test "spf suite: invalid-domain-long" { spf_case invalid-domain-long; }
@test "spf suite: invalid-domain-long-via-macro" { spf_case invalid-domain-long-via-macro; }
@test "spf suite: all-dot" { spf_case all-dot; }
@test "spf suite: all-arg" { spf_case all-arg; }
@test "spf suite: all-cidr" { spf_case all-cidr; }
@test "spf suite: all-neutral" { spf_case all-neutral; }
@test "spf suite: all-double" { spf_case all-double; }
@test "spf suite: ptr-cidr" { spf_case ptr-cidr; }
@test "spf suite: ptr-match-target" { spf_case ptr-match-target; }
@test "spf suite: ptr-match-implicit" { spf_case ptr-match-implicit; }
@test "spf suite: ptr-nomatch-invalid" { spf_case ptr-nomatch-invalid; }
@test "spf suite: ptr-match-ip6" { spf_case ptr-match-ip6; }
@test "spf suite: ptr-empty-domain" { spf_case ptr-empty-domain; }
@test "spf suite: ptr-case-change" { spf_case ptr-case-change; }
@test "spf suite: ptr-cname-loop" { spf_case ptr-cname-loop; }
@test "spf suite: a-cidr6" { spf_case a-cidr6; }
@test "spf suite: a-bad-cidr4" { spf_case a-bad-cidr4; }
@test "spf suite: a-bad-cidr6" { spf_case a-bad-cidr6; }
@test "spf suite: a-dual-cidr-ip4-match" { spf_case a-dual-cidr-ip4-match; }
@test "spf suite: a-dual-cidr-ip4-err" { spf_case a-dual-cidr-ip4-err; }
@test "spf suite: a-dual-cidr-ip6-match" { spf_case a-dual-cidr-ip6-match; }
@test "spf suite: a-dual-cidr-ip4-default" { spf_case a-dual-cidr-ip4-default; }
@test "spf suite: a-dual-cidr-ip6-default" { spf_case a-dual-cidr-ip6-default; }
@test "spf suite: a-multi-ip1" { spf_case a-multi-ip1; }
@test "spf suite: a-multi-ip2" { spf_case a-multi-ip2; }
@test "spf suite: a-bad-domain" { spf_case a-bad-domain; }
@test "spf suite: a-nxdomain" { spf_case a-nxdomain; }
@test "spf suite: a-cidr4-0" { spf_case a-cidr4-0; }
@test "spf suite: a-cidr4-0-ip6" { spf_case a-cidr4-0-ip6; }
@test "spf suite: a-cidr6-0-ip4" { spf_case a-cidr6-0-ip4; }
@test "spf suite: a-cidr6-0-ip4mapped" { spf_case a-cidr6-0-ip4mapped; }
@test "spf suite: a-cidr6-0-ip6" { spf_case a-cidr6-0-ip6; }
@test "spf suite: a-ip6-dualstack" { spf_case a-ip6-dualstack; }
@test "spf suite: a-cidr6-0-nxdomain" { spf_case a-cidr6-0-nxdomain; }
@test "spf suite: a-null" { spf_case a-null; }
@test "spf suite: a-numeric" { spf_case a-numeric; }
@test "spf suite: a-numeric-toplabel" { spf_case a-numeric-toplabel; }
@test "spf suite: a-dash-in-toplabel" { spf_case a-dash-in-toplabel; }
@test "spf suite: a-bad-toplabel" { spf_case a-bad-toplabel; }
@test "spf suite: a-only-toplabel" { spf_case a-only-toplabel; }
@test "spf suite: a-only-toplabel-trailing-dot" { spf_case a-only-toplabel-trailing-dot; }
@test "spf suite: a-colon-domain" { spf_case a-colon-domain; }
@test "spf suite: a-colon-domain-ip4mapped" { spf_case a-colon-domain-ip4mapped; }
@test "spf suite: a-empty-domain" { spf_case a-empty-domain; }
@test "spf suite: include-fail" { spf_case include-fail; }
@test "spf suite: include-softfail" { spf_case include-softfail; }
@test "spf suite: include-neutral" { spf_case include-neutral; }
@test "spf suite: include-temperror" { spf_case include-temperror; }
@test "spf suite: include-permerror" { spf_case include-permerror; }
@test "spf suite: include-syntax-error" { spf_case include-syntax-error; }
@test "spf suite: include-cidr" { spf_case include-cidr; }
@test "spf suite: include-none" { spf_case include-none; }
@test "spf suite: include-empty-domain" { spf_case include-empty-domain; }
@test "spf suite: mx-cidr6" { spf_case mx-cidr6; }
@test "spf suite: mx-bad-cidr4" { spf_case mx-bad-cidr4; }
@test "spf suite: mx-bad-cidr6" { spf_case mx-bad-cidr6; }
@test "spf suite: mx-multi-ip1" { spf_case mx-multi-ip1; }
@test "spf suite: mx-multi-ip2" { spf_case mx-multi-ip2; }
@test "spf suite: mx-bad-domain" { spf_case mx-bad-domain; }
@test "spf suite: mx-nxdomain" { spf_case mx-nxdomain; }
@test "spf suite: mx-cidr4-0" { spf_case mx-cidr4-0; }
@test "spf suite: mx-cidr4-0-ip6" { spf_case mx-cidr4-0-ip6; }
@test "spf suite: mx-cidr6-0-ip4" { spf_case mx-cidr6-0-ip4; }
@test "spf suite: mx-cidr6-0-ip4mapped" { spf_case mx-cidr6-0-ip4mapped; }
@test "spf suite: mx-cidr6-0-ip6" { spf_case mx-cidr6-0-ip6; }
@test "spf suite: mx-cidr6-0-nxdomain" { spf_case mx-cidr6-0-nxdomain; }
@test "spf suite: mx-null" { spf_case mx-null; }
@test "spf suite: mx-numeric-top-label" { spf_case mx-numeric-top-label; }
@test "spf suite: mx-colon-domain" { spf_case mx-colon-domain; }
@test "spf suite: mx-colon-domain-ip4mapped" { spf_case mx-colon-domain-ip4mapped; }
@test "spf suite: mx-bad-toplab" { spf_case mx-bad-toplab; }
@test "spf suite: mx-empty" { spf_case mx-empty; }
@test "spf suite: mx-implicit" { spf_case mx-implicit; }
@test "spf suite: mx-empty-domain" { spf_case mx-empty-domain; }
@test "spf suite: exists-empty-domain" { spf_case exists-empty-domain; }
@test "spf suite: exists-implicit" { spf_case exists-implicit; }
@test "spf suite: exists-cidr" { spf_case exists-cidr; }
@test "spf suite: exists-ip4" { spf_case exists-ip4; }
@test "spf suite: exists-ip6" { spf_case exists-ip6; }
@test "spf suite: exists-ip6only" { spf_case exists-ip6only; }
@test "spf suite: exists-dnserr" { spf_case exists-dnserr; }
@test "spf suite: cidr4-0" { spf_case cidr4-0; }
@test "spf suite: cidr4-32" { spf_case cidr4-32; }
@test "spf suite: cidr4-33" { spf_case cidr4-33; }
@test "spf suite: cidr4-032" { spf_case cidr4-032; }
@test "spf suite: bare-ip4" { spf_case bare-ip4; }
@test "spf suite: bad-ip4-port" { spf_case bad-ip4-port; }
@test "spf suite: bad-ip4-short" { spf_case bad-ip4-short; }
@test "spf suite: ip4-dual-cidr" { spf_case ip4-dual-cidr; }
@test "spf suite: ip4-mapped-ip6" { spf_case ip4-mapped-ip6; }
@test "spf suite: bare-ip6" { spf_case bare-ip6; }
@test "spf suite: cidr6-0-ip4" { spf_case cidr6-0-ip4; }
@test "spf suite: cidr6-ip4" { spf_case cidr6-ip4; }
@test "spf suite: cidr6-0" { spf_case cidr6-0; }
@test "spf suite: cidr6-129" { spf_case cidr6-129; }
@test "spf suite: cidr6-bad" { spf_case cidr6-bad; }
@test "spf suite: cidr6-33" { spf_case cidr6-33; }
@test "spf suite: cidr6-33-ip4" { spf_case cidr6-33-ip4; }
@test "spf suite: ip6-bad1" { spf_case ip6-bad1; }
@test "spf suite: redirect-none" { spf_case redirect-none; }
@test "spf suite: redirect-cancels-exp" { spf_case redirect-cancels-exp; }
@test "spf suite: redirect-syntax-error" { spf_case redirect-syntax-error; }
@test "spf suite: include-ignores-exp" { spf_case include-ignores-exp; }
@test "spf suite: redirect-cancels-prior-exp" { spf_case redirect-cancels-prior-exp; }
@test "spf suite: invalid-modifier" { spf_case invalid-modifier; }
@test "spf suite: empty-modifier-name" { spf_case empty-modifier-name; }
@test "spf suite: dorky-sentinel" { spf_case dorky-sentinel; }
@test "spf suite: exp-multiple-txt" { spf_case exp-multiple-txt; }
@test "spf suite: exp-no-txt" { spf_case exp-no-txt; }
@test "spf suite: exp-dns-error" { spf_case exp-dns-error; }
@test "spf suite: exp-empty-domain" { spf_case exp-empty-domain; }
@test "spf suite: explanation-syntax-error" { spf_case explanation-syntax-error; }
@test "spf suite: exp-syntax-error" { spf_case exp-syntax-error; }
@test "spf suite: exp-twice" { spf_case exp-twice; }
@test "spf suite: redirect-empty-domain" { spf_case redirect-empty-domain; }
@test "spf suite: redirect-twice" { spf_case redirect-twice; }
@test "spf suite: unknown-modifier-syntax" { spf_case unknown-modifier-syntax; }
@test "spf suite: default-modifier-obsolete" { spf_case default-modifier-obsolete; }
@test "spf suite: default-modifier-obsolete2" { spf_case default-modifier-obsolete2; }
@test "spf suite: non-ascii-exp" { spf_case non-ascii-exp; }
@test "spf suite: two-exp-records" { spf_case two-exp-records; }
@test "spf suite: exp-void" { spf_case exp-void; }
@test "spf suite: redirect-implicit" { spf_case redirect-implicit; }
@test "spf suite: trailing-dot-domain" { spf_case trailing-dot-domain; }
@test "spf suite: trailing-dot-exp" { spf_case trailing-dot-exp; }
@test "spf suite: exp-only-macro-char" { spf_case exp-only-macro-char; }
@test "spf suite: invalid-macro-char" { spf_case invalid-macro-char; }
@test "spf suite: invalid-embedded-macro-char" { spf_case invalid-embedded-macro-char; }
@test "spf suite: invalid-trailing-macro-char" { spf_case invalid-trailing-macro-char; }
@test "spf suite: macro-mania-in-domain" { spf_case macro-mania-in-domain; }
@test "spf suite: exp-txt-macro-char" { spf_case exp-txt-macro-char; }
@test "spf suite: domain-name-truncation" { spf_case domain-name-truncation; }
@test "spf suite: v-macro-ip4" { spf_case v-macro-ip4; }
@test "spf suite: v-macro-ip6" { spf_case v-macro-ip6; }
@test "spf suite: undef-macro" { spf_case undef-macro; }
@test "spf suite: p-macro-ip4-novalid" { spf_case p-macro-ip4-novalid; }
@test "spf suite: p-macro-ip4-valid" { spf_case p-macro-ip4-valid; }
@test "spf suite: p-macro-ip6-novalid" { spf_case p-macro-ip6-novalid; }
@test "spf suite: p-macro-ip6-valid" { spf_case p-macro-ip6-valid; }
@test "spf suite: p-macro-multiple" { spf_case p-macro-multiple; }
@test "spf suite: upper-macro" { spf_case upper-macro; }
@test "spf suite: hello-macro" { spf_case hello-macro; }
@test "spf suite: invalid-hello-macro" { spf_case invalid-hello-macro; }
@test "spf suite: hello-domain-literal" { spf_case hello-domain-literal; }
@test "spf suite: require-valid-helo" { spf_case require-valid-helo; }
@test "spf suite: macro-reverse-split-on-dash" { spf_case macro-reverse-split-on-dash; }
@test "spf suite: macro-multiple-delimiters" { spf_case macro-multiple-delimiters; }
@test "spf suite: redirect-loop" { spf_case redirect-loop; }
@test "spf suite: include-loop" { spf_case include-loop; }
@test "spf suite: mx-limit" { spf_case mx-limit; }
@test "spf suite: ptr-limit" { spf_case ptr-limit; }
@test "spf suite: false-a-limit" { spf_case false-a-limit; }
@test "spf suite: mech-at-limit" { spf_case mech-at-limit; }
@test "spf suite: mech-over-limit" { spf_case mech-over-limit; }
@test "spf suite: include-at-limit" { spf_case include-at-limit; }
@test "spf suite: include-over-limit" { spf_case include-over-limit; }
@test "spf suite: void-at-limit" { spf_case void-at-limit; }
@test "spf suite: void-over-limit" { spf_case void-over-limit; }
@test "spf suite: bytes-bug" { spf_case bytes-bug; }
@test "spf suite: cname-aliasing" { spf_case cname-aliasing; }
