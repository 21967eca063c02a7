#!/usr/bin/env bash
# Tests the hooks of .pre-commit-hooks.yaml with the real pre-commit, in throwaway repositories:
#   - a staged secret fails the hook with a readable message (and no raw secret);
#   - a secret only in an unstaged edit passes (pre-commit stashes unstaged changes);
#   - `pre-commit try-repo` against this repository builds the `language: rust` hook and runs it.
#
# usage: scripts/test-precommit.sh            (needs python3 with venv, git, cargo)
# env:   FERRET_BIN       the ferret for the `language: system` hook (default target/debug/ferret)
#        PRECOMMIT_VENV   where to install pre-commit (default target/precommit-venv)
set -uo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
ferret=${FERRET_BIN:-$repo/target/debug/ferret}
venv=${PRECOMMIT_VENV:-$repo/target/precommit-venv}
work=$(mktemp -d "${TMPDIR:-/tmp}/ferret-precommit.XXXXXX")
trap 'rm -rf "$work"' EXIT

passed=0
failed=0
notes=()
ok() {
	echo "ok   $1"
	passed=$((passed + 1))
}
fail() {
	echo "FAIL $1"
	[ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/     | /'
	failed=$((failed + 1))
}

[ -x "$ferret" ] || {
	echo "no ferret binary at $ferret (cargo build first)" >&2
	exit 2
}
if [ ! -x "$venv/bin/pre-commit" ]; then
	if ! { python3 -m venv "$venv" && "$venv/bin/pip" install -q 'pre-commit>=3.2,<5'; }; then
		echo "cannot install pre-commit into $venv" >&2
		exit 2
	fi
fi
# Hooks run in other directories: make both paths absolute.
venv=$(cd "$venv" && pwd)
ferret=$(cd "$(dirname "$ferret")" && pwd)/$(basename "$ferret")
pc="$venv/bin/pre-commit"
echo "using $($pc --version), $("$ferret" --version)"

export GIT_AUTHOR_NAME=dev GIT_AUTHOR_EMAIL=dev@example.com
export GIT_COMMITTER_NAME=dev GIT_COMMITTER_EMAIL=dev@example.com
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
# pre-commit's own cache (hook environments) stays inside the work directory.
export PRE_COMMIT_HOME="$work/cache"
# The system hook finds this build first on PATH.
PATH="$(dirname "$ferret"):$PATH"
export PATH

secret_line='DATABASE_URL=postgres://app:Zq8vR2mK9pLx4Tn7@db.internal:5432/prod' # ferret:allow (test value)
raw='Zq8vR2mK9pLx4Tn7'

if out=$("$pc" validate-manifest "$repo/.pre-commit-hooks.yaml" 2>&1); then
	ok "manifest is valid"
else
	fail "manifest is valid" "$out"
fi

new_repo() {
	local d="$work/$1"
	mkdir -p "$d"
	git -C "$d" init -q -b main
	printf 'hello\n' >"$d/README.md"
	printf 'port: 5432\n' >"$d/app.env"
	git -C "$d" add . && git -C "$d" commit -qm init
	echo "$d"
}

# try_hook HOOK-ID [extra try-repo args]: runs a hook of this repository in $target.
try_hook() {
	(cd "$target" && "$pc" try-repo "$repo" "$1" --verbose --color never "${@:2}" 2>&1)
}

has_staged=false
"$ferret" scan --help | grep -q -- '--staged' && has_staged=true

check_hook() {
	local hook=$1
	# 1. A staged secret fails, readably, without printing the secret.
	target=$(new_repo "$hook-staged")
	printf '%s\n' "$secret_line" >>"$target/app.env"
	git -C "$target" add app.env
	local out rc=0
	out=$(try_hook "$hook") || rc=$?
	if [ "$rc" -ne 0 ] && grep -q 'Failed' <<<"$out" && grep -q 'app.env' <<<"$out" &&
		grep -q 'postgres-url-password' <<<"$out" && ! grep -q "$raw" <<<"$out"; then
		ok "$hook: a staged secret fails the commit with a readable message"
	else
		fail "$hook: a staged secret fails the commit with a readable message (rc=$rc)" "$out"
	fi
	# 2. The secret only in an unstaged edit of a staged file: the hook sees the staged content.
	target=$(new_repo "$hook-unstaged")
	printf 'port: 6543\n' >"$target/app.env"
	git -C "$target" add app.env
	printf '%s\n' "$secret_line" >>"$target/app.env"
	rc=0
	out=$(try_hook "$hook") || rc=$?
	if [ "$rc" -eq 0 ] && grep -q 'Passed' <<<"$out" && grep -q "$secret_line" "$target/app.env"; then
		ok "$hook: a secret only in an unstaged edit passes (and the edit is restored)"
	else
		fail "$hook: a secret only in an unstaged edit passes (rc=$rc)" "$out"
	fi
}

# ferret-system (a binary on PATH, no build) needs `scan --staged`.
if $has_staged; then
	check_hook ferret-system
else
	notes+=("ferret-system and ferret need 'ferret scan --staged', which this build lacks: their staged/unstaged cases were not run")
fi

# 3. try-repo end to end with the language: rust hooks: pre-commit builds ferret from this
#    repository (cargo install, as for any user) and runs it. The release profile is lightened
#    and the target directory kept between runs only to make the build cheaper here.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR_PRECOMMIT:-$repo/target/precommit}"
export CARGO_PROFILE_RELEASE_OPT_LEVEL=0 CARGO_PROFILE_RELEASE_DEBUG=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16
check_hook ferret-files
target=$(new_repo files-all)
mkdir -p "$target/config"
printf '%s\n' "$secret_line" >"$target/config/prod.env"
git -C "$target" add . && git -C "$target" commit -qm 'add config'
rc=0
out=$(try_hook ferret-files --all-files) || rc=$?
if [ "$rc" -ne 0 ] && grep -q 'config/prod.env' <<<"$out" && ! grep -q "$raw" <<<"$out"; then
	ok "ferret-files: try-repo --all-files finds a committed secret"
else
	fail "ferret-files: try-repo --all-files finds a committed secret (rc=$rc)" "$out"
fi
# The project's .ferret.toml applies to the files a hook passes.
printf '[scan]\nexclude = ["config/**"]\n' >"$target/.ferret.toml"
git -C "$target" add . && git -C "$target" commit -qm 'exclude config'
rc=0
out=$(try_hook ferret-files --all-files) || rc=$?
if [ "$rc" -eq 0 ] && grep -q 'Passed' <<<"$out"; then
	ok "ferret-files: .ferret.toml excludes apply to the files pre-commit passes"
else
	fail "ferret-files: .ferret.toml excludes apply to the files pre-commit passes (rc=$rc)" "$out"
fi
if $has_staged; then
	check_hook ferret
fi

for n in "${notes[@]+"${notes[@]}"}"; do
	echo "note: $n"
done
echo "pre-commit hooks: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
