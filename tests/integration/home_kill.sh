#!/usr/bin/env bash
# The kill -9 test of the home: archk runs /tests/home_records, which writes
# and syncs numbered records through homefs on a --disk file, and is killed
# with SIGKILL at a random moment (odd trials: counted from its start, so also
# while it boots and mounts; even ones: once it writes records); then the home
# file must pass archk-mkhome check, and every record (and the "latest" file) the guest said
# it had synced must be there with exactly its contents. The next trial goes
# on from that home.
# Usage: home_kill.sh ARCHK TESTS_IMG MKHOME [TRIALS]   (default 100, or $HOME_KILL_TRIALS)
set -uo pipefail
archk=$1 img=$2 mkhome=$3 trials=${4:-${HOME_KILL_TRIALS:-100}}
work=$(mktemp -d /tmp/home_kill.XXXXXX)
trap 'rm -rf "$work"' EXIT
home=$work/home.img
truncate -s 64M "$home"

fail() {
	echo "FAIL: trial $trial: $*"
	exit 1
}

# The contents of record N, as home_records writes them.
record() {
	for ((i = 0; i <= $1 % 50; i++)); do echo "record $1"; done
}

# has PATH N: PATH in the home holds record N exactly.
has() {
	"$mkhome" get "$home" "$1" >"$work/got" 2>&1 || fail "$1: $(cat "$work/got")"
	record "$2" | cmp -s - "$work/got" || fail "$1 does not hold record $2"
}

synced_total=0 last=
for ((trial = 1; trial <= trials; trial++)); do
	"$archk" --disk "$home" "$img" -- /tests/home_records disk0 >"$work/out" 2>"$work/err" &
	pid=$!
	if ((trial % 2 == 0)); then # wait for its first record (5 s at most)
		for ((w = 0; w < 500; w++)); do
			[[ -s $work/out ]] && break
			sleep 0.01
		done
		sleep "$(printf '0.%03d' $((RANDOM % 200)))"
	else
		sleep "$(printf '0.%03d' $((RANDOM % 400 + 50)))"
	fi
	kill -9 "$pid"
	wait "$pid" 2>/dev/null
	! grep -v "^$" "$work/err" >/dev/null || fail "archk said: $(cat "$work/err")"
	now=$(sed -n 's/^synced //p' "$work/out" | tail -1)
	if ! "$mkhome" check "$home" >"$work/check"; then
		# Killed before homefs -i formatted the new disk: it is still blank.
		[[ -z $last$now ]] && grep -q "bad magic" "$work/check" ||
			fail "check: $(cat "$work/check")"
	fi
	if [[ -n $now ]]; then
		last=$now
		synced_total=$((synced_total + 1))
	fi
	if [[ -n $last ]]; then # the newest synced record and a random older one
		has "records/$last" "$last"
		older=$((RANDOM % (last + 1)))
		has "records/$older" "$older"
	fi
	latest=$(sed -n 's/^latest //p' "$work/out" | tail -1)
	if [[ -n $latest ]]; then # latest holds that record or a later one (renamed but not yet said)
		"$mkhome" get "$home" latest >"$work/got" || fail "latest is missing"
		n=$(sed -n '1s/^record //p' "$work/got")
		((n >= latest && n % 5 == 0)) || fail "latest holds record $n, not $latest or later"
		has latest "$n"
	fi
done
((synced_total > 0)) || fail "no trial synced a record: nothing was tested"
echo "home_kill: $trials trials, $synced_total of them synced records, up to record $last"
