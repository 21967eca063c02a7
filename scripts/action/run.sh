#!/usr/bin/env bash
# The steps of the ferret GitHub Action (action.yml): setup, build, scan, gate.
#
# Inputs arrive as environment variables (never interpolated into shell code). Results leave
# through $GITHUB_OUTPUT, $GITHUB_PATH and $GITHUB_STEP_SUMMARY, exactly as on a runner, so
# scripts/test-action.py can run these steps with fake event payloads.
#
# Written for bash 3.2 (the /bin/bash of macOS runners): no associative arrays, no ${x,,}.
set -o pipefail

ACTION_DIR=${GITHUB_ACTION_PATH:-$(cd "$(dirname "$0")/../.." && pwd)}
ZERO_SHA=0000000000000000000000000000000000000000

die() {
	# An error annotation plus a non-zero exit: the step fails with a readable reason.
	echo "::error title=ferret action::$(escape_data "$*")"
	exit 2
}

warn() {
	echo "::warning title=ferret action::$(escape_data "$*")"
}

# Workflow-command data escaping (the same rules as ferret's --format github).
escape_data() {
	local s=$1
	s=${s//%/%25}
	s=${s//$'\r'/%0D}
	s=${s//$'\n'/%0A}
	printf '%s' "$s"
}

set_output() {
	local name=$1 value=$2
	if [ -z "${GITHUB_OUTPUT:-}" ]; then
		echo "$name=$value"
		return
	fi
	# The heredoc form survives any value, newlines included.
	local delim="ferret_$RANDOM$RANDOM$RANDOM"
	{
		echo "$name<<$delim"
		echo "$value"
		echo "$delim"
	} >>"$GITHUB_OUTPUT"
}

sha256_of() {
	if command -v sha256sum >/dev/null 2>&1; then
		sha256sum "$1" | cut -d' ' -f1
	else
		shasum -a 256 "$1" | cut -d' ' -f1
	fi
}

sha256_stdin() {
	if command -v sha256sum >/dev/null 2>&1; then
		sha256sum | cut -d' ' -f1
	else
		shasum -a 256 | cut -d' ' -f1
	fi
}

crate_version() {
	sed -n 's/^version *= *"\([^"]*\)".*/\1/p' "$ACTION_DIR/Cargo.toml" | head -n 1
}

target_triple() {
	case "$(uname -s)-$(uname -m)" in
	Linux-x86_64) echo x86_64-unknown-linux-gnu ;;
	Linux-aarch64 | Linux-arm64) echo aarch64-unknown-linux-gnu ;;
	Darwin-arm64) echo aarch64-apple-darwin ;;
	Darwin-x86_64) echo x86_64-apple-darwin ;;
	*) echo unknown ;;
	esac
}

# A hash of everything the build reads, so the cache is keyed on the action's exact source
# (hashFiles() cannot see the action's directory, hence this step).
source_hash() {
	(
		cd "$ACTION_DIR" || exit 1
		{
			for f in Cargo.lock Cargo.toml build.rs; do
				[ -f "$f" ] && echo "$f"
			done
			find src rules -type f 2>/dev/null
		} | LC_ALL=C sort | while IFS= read -r f; do
			echo "$f $(sha256_of "$f")"
		done
	) | sha256_stdin
}

# Release binaries are listed, with their SHA-256, in scripts/action/release.manifest of a
# tagged release: the checksum comes from the pinned action source, not from the download.
#   base https://github.com/OWNER/REPO/releases/download/vX.Y.Z
#   <target-triple> <sha256> <asset.tar.gz>
install_release() {
	local manifest="$ACTION_DIR/scripts/action/release.manifest" target base line sha asset
	[ -f "$manifest" ] || return 1
	target=$(target_triple)
	base=$(sed -n 's/^base  *//p' "$manifest" | head -n 1)
	line=$(grep "^$target " "$manifest" | head -n 1)
	if [ -z "$base" ] || [ -z "$line" ]; then
		echo "No release binary for $target in this version of the action; building from source."
		return 1
	fi
	sha=$(echo "$line" | awk '{print $2}')
	asset=$(echo "$line" | awk '{print $3}')
	local dest
	dest="${RUNNER_TOOL_CACHE:-$RUNNER_TEMP}/ferret/$(crate_version)/$target"
	local tmp="$RUNNER_TEMP/ferret-download"
	mkdir -p "$dest" "$tmp" || die "cannot create $dest"
	echo "Downloading $base/$asset"
	if ! curl -fsSL --retry 3 -o "$tmp/$asset" "$base/$asset"; then
		warn "Could not download the release binary $asset; building from source instead."
		return 1
	fi
	local got
	got=$(sha256_of "$tmp/$asset")
	if [ "$got" != "$sha" ]; then
		rm -f "$tmp/$asset"
		die "Checksum mismatch for $asset: expected $sha, got $got. The download was not used."
	fi
	tar -xzf "$tmp/$asset" -C "$dest" || die "cannot unpack $asset"
	local bin
	bin=$(find "$dest" -type f -name ferret | head -n 1)
	if [ -z "$bin" ] || ! "$bin" --version >/dev/null 2>&1; then
		die "$asset holds no working ferret binary"
	fi
	echo "Installed $("$bin" --version) from the release (sha256 $sha verified)."
	set_output bin "$bin"
	dirname "$bin" >>"${GITHUB_PATH:-/dev/null}"
	return 0
}

cmd_setup() {
	[ -n "${RUNNER_TEMP:-}" ] || die "RUNNER_TEMP is not set: this script runs inside GitHub Actions"
	if install_release; then
		set_output installed true
		return 0
	fi
	local hash key dir
	hash=$(source_hash) || die "cannot hash the action's source in $ACTION_DIR"
	key="ferret-${RUNNER_OS:-$(uname -s)}-${RUNNER_ARCH:-$(uname -m)}-$(crate_version)-$(echo "$hash" | cut -c1-20)"
	dir="${RUNNER_TOOL_CACHE:-$RUNNER_TEMP}/ferret-build/$(echo "$hash" | cut -c1-20)"
	set_output installed false
	set_output cache-key "$key"
	set_output cache-dir "$dir"
	echo "Build cache key: $key"
}

cmd_build() {
	local dir=${FERRET_CACHE_DIR:?FERRET_CACHE_DIR is not set}
	local bin="$dir/bin/ferret"
	if [ -x "$bin" ] && "$bin" --version >/dev/null 2>&1; then
		echo "Using the cached build: $("$bin" --version)"
	else
		command -v cargo >/dev/null 2>&1 ||
			die "No release binary for this version and no Rust toolchain (cargo) on the runner to build one. Install Rust first (e.g. rustup) or use a released version of the action."
		echo "Building ferret from $ACTION_DIR (cached afterwards under this key)."
		cargo install --locked --path "$ACTION_DIR" --root "$dir" ||
			die "cargo install failed; see the log above"
	fi
	set_output bin "$bin"
	echo "$dir/bin" >>"${GITHUB_PATH:-/dev/null}"
}

is_zero_sha() {
	[ -z "$1" ] || [ "$1" = "$ZERO_SHA" ]
}

has_commit() {
	git -C "$SCAN_PATH" cat-file -e "$1^{commit}" 2>/dev/null
}

# Decide what to scan. Sets SCOPE (tree | history | range), RANGE_BASE and RANGE_HEAD.
choose_scope() {
	SCOPE=tree
	RANGE_BASE=
	RANGE_HEAD=
	case "$MODE" in
	full) return 0 ;;
	history)
		SCOPE=history
		return 0
		;;
	esac
	local base='' head=
	case "$EVENT_NAME" in
	pull_request | pull_request_target)
		base=$PR_BASE_SHA
		head=$PR_HEAD_SHA
		;;
	merge_group)
		base=$MERGE_GROUP_BASE_SHA
		head=$MERGE_GROUP_HEAD_SHA
		;;
	push)
		head=$PUSH_AFTER
		if is_zero_sha "$PUSH_AFTER"; then
			# A deleted branch: nothing was added.
			head=
		elif is_zero_sha "$PUSH_BEFORE"; then
			# A new branch: its commits are those not on the default branch.
			if [ -n "$DEFAULT_BRANCH" ] && has_commit "origin/$DEFAULT_BRANCH"; then
				base=$(git -C "$SCAN_PATH" merge-base "origin/$DEFAULT_BRANCH" "$head" 2>/dev/null)
			fi
			if [ -z "$base" ] || [ "$base" = "$head" ]; then
				echo "New branch with no base on the default branch: scanning its whole history."
				[ "$MODE" = auto ] && SCOPE=history && return 0
			fi
		else
			base=$PUSH_BEFORE
		fi
		;;
	schedule | workflow_dispatch)
		if [ "$MODE" = auto ]; then
			SCOPE=history
			return 0
		fi
		;;
	esac
	if [ -z "$base" ] || [ -z "$head" ]; then
		[ "$MODE" = diff ] && die "mode 'diff' needs a pull_request, merge_group or push event with a commit range; this is a '$EVENT_NAME' event. Use mode 'full' or 'history'."
		echo "The '$EVENT_NAME' event has no commit range: scanning the working tree."
		return 0
	fi
	if ! has_commit "$base" || ! has_commit "$head"; then
		local missing=$base
		has_commit "$base" && missing=$head
		if [ "$MODE" = diff ]; then
			die "Commit $missing of the range $base..$head is not in the checkout. Check out with 'fetch-depth: 0' (actions/checkout) so the range can be scanned."
		fi
		warn "Commit $missing of the range $base..$head is not in the checkout, so only the working tree is scanned. Check out with 'fetch-depth: 0' (actions/checkout) to scan the commits of this $EVENT_NAME."
		return 0
	fi
	SCOPE=range
	RANGE_BASE=$base
	RANGE_HEAD=$head
}

json_findings() {
	# The summary count of ferret's JSON report (docs/json-output.md).
	if command -v jq >/dev/null 2>&1; then
		jq -r '.summary.findings' "$1"
	elif command -v python3 >/dev/null 2>&1; then
		python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["findings"])' "$1"
	else
		echo ""
	fi
}

supports() {
	# Whether this ferret build knows a flag (or subcommand): an older binary must fail clearly.
	"$FERRET" "$@" --help >/dev/null 2>&1
}

cmd_scan() {
	[ -n "${RUNNER_TEMP:-}" ] || die "RUNNER_TEMP is not set: this script runs inside GitHub Actions"
	FERRET=${FERRET_BIN:-ferret}
	SCAN_PATH=${INPUT_PATH:-.}
	MODE=${INPUT_MODE:-auto}
	local format=${INPUT_FORMAT:-text} fail_on=${INPUT_FAIL_ON:-info}
	case "$MODE" in auto | full | history | diff) ;; *) die "mode must be auto, full, history or diff, not '$MODE'" ;; esac
	case "$fail_on" in info | low | medium | high | critical | none) ;; *) die "fail-on must be info, low, medium, high, critical or none, not '$fail_on'" ;; esac
	case "$format" in text | json | sarif | github | markdown) ;; *) die "format must be text, json, sarif, github or markdown, not '$format'" ;; esac
	[ -e "$SCAN_PATH" ] || die "path '$SCAN_PATH' does not exist in $(pwd)"
	command -v "$FERRET" >/dev/null 2>&1 || [ -x "$FERRET" ] || die "ferret binary '$FERRET' not found"
	local extra=()
	if [ -n "${INPUT_ARGS:-}" ]; then
		# Split on whitespace only: no globbing, no quote removal, no expansion.
		set -f
		read -r -a extra <<<"$INPUT_ARGS"
		set +f
	fi

	local out="$RUNNER_TEMP/ferret"
	mkdir -p "$out" || die "cannot create $out"
	local sarif="$out/ferret.sarif" json="$out/ferret.json" md="$out/summary.md"
	local annotations="$out/annotations.txt" gap_md="$out/gap.md"
	rm -f "$sarif" "$json" "$md" "$annotations" "$gap_md"

	if [ "$MODE" != full ] && git -C "$SCAN_PATH" rev-parse --git-dir >/dev/null 2>&1 &&
		[ "$(git -C "$SCAN_PATH" rev-parse --is-shallow-repository 2>/dev/null)" = true ]; then
		warn "The checkout is shallow (actions/checkout fetches a single commit by default), so earlier commits cannot be scanned. Set 'fetch-depth: 0' on actions/checkout."
	fi
	choose_scope

	local scope_args=() scope_text category
	case "$SCOPE" in
	tree)
		scope_text="working tree"
		category=ferret
		;;
	history)
		scope_args=(--history)
		scope_text="git history"
		category=ferret/history
		;;
	range)
		scope_args=(--range "$RANGE_BASE..$RANGE_HEAD")
		scope_text="range $RANGE_BASE..$RANGE_HEAD"
		category=ferret
		;;
	esac
	[ -n "${INPUT_SARIF_CATEGORY:-}" ] && category=$INPUT_SARIF_CATEGORY
	echo "ferret: scanning the $scope_text of $SCAN_PATH (mode $MODE, event ${EVENT_NAME:-none})"
	set_output scope "$scope_text"

	local emits=(--emit "json=$json" --emit "markdown=$md" --emit "github=$annotations")
	# Code scanning models the state of a commit: each upload replaces the previous one of its
	# category. A range scan lists only what the range added, so uploading it would mark every
	# earlier alert as fixed; the SARIF for a range therefore comes from the working tree.
	[ "$SCOPE" != range ] && emits=("${emits[@]}" --emit "sarif=$sarif")

	local rc=0
	"$FERRET" scan ${scope_args[@]+"${scope_args[@]}"} --format "$format" --fail-on "$fail_on" \
		--no-progress "${emits[@]}" ${extra[@]+"${extra[@]}"} -- "$SCAN_PATH" || rc=$?
	if [ "$rc" -ge 2 ]; then
		echo "::error title=ferret::$(escape_data "The scan of the $scope_text failed (exit code $rc); see the messages above.")"
	fi
	if [ "$SCOPE" = range ] && [ "$rc" -lt 2 ]; then
		"$FERRET" scan --format sarif --output "$sarif" --exit-zero --no-progress \
			${extra[@]+"${extra[@]}"} -- "$SCAN_PATH" >/dev/null || {
			warn "The working-tree scan for the SARIF file failed; nothing will be uploaded."
			rm -f "$sarif"
		}
	fi
	# Annotations go to the log once: the step's output is what the runner reads commands from.
	if [ "$format" != github ] && [ -f "$annotations" ]; then
		cat "$annotations"
	fi

	local findings=""
	[ -f "$json" ] && findings=$(json_findings "$json")

	if [ -n "${INPUT_CLAIMS:-}" ]; then
		if ! supports gap; then
			warn "This ferret has no 'gap' command: the claims ledger was not checked."
		else
			local gap_rc=0 gap_scope=()
			[ "$SCOPE" = history ] && gap_scope=(--history)
			"$FERRET" gap --claims "$INPUT_CLAIMS" ${gap_scope[@]+"${gap_scope[@]}"} --format markdown --no-progress \
				--output "$gap_md" -- "$SCAN_PATH" || gap_rc=$?
			if [ "$gap_rc" -ge 2 ]; then
				echo "::error title=ferret gap::$(escape_data "The gap report against $INPUT_CLAIMS failed (exit code $gap_rc).")"
			elif [ "$gap_rc" -eq 1 ] && [ "$fail_on" != none ]; then
				echo "::error title=ferret gap::$(escape_data "Claims in $INPUT_CLAIMS are contradicted by the evidence; see the job summary.")"
			fi
			if [ "$fail_on" = none ] && [ "$gap_rc" -eq 1 ]; then gap_rc=0; fi
			[ "$gap_rc" -gt "$rc" ] && rc=$gap_rc
		fi
	fi

	write_summary "$md" "$gap_md"
	set_output findings "$findings"
	set_output exit-code "$rc"
	set_output category "$category"
	if [ -f "$sarif" ]; then
		set_output sarif-file "$sarif"
	else
		set_output sarif-file ""
	fi
	# The step itself succeeds: the gate applies the threshold after the upload.
	return 0
}

# Append the scan summary (and the gap report) to the job summary, within GitHub's 1 MiB.
write_summary() {
	local md=$1 gap=$2 limit=$((1024 * 1024 - 4096))
	[ -n "${GITHUB_STEP_SUMMARY:-}" ] || return 0
	if [ -f "$md" ]; then
		cat "$md" >>"$GITHUB_STEP_SUMMARY"
	else
		printf '## ferret\n\nThe scan did not complete: see the step log.\n' >>"$GITHUB_STEP_SUMMARY"
	fi
	if [ -f "$gap" ]; then
		local used size
		used=$(wc -c <"$GITHUB_STEP_SUMMARY" | tr -d ' ')
		size=$(wc -c <"$gap" | tr -d ' ')
		if [ $((used + size)) -le "$limit" ]; then
			printf '\n' >>"$GITHUB_STEP_SUMMARY"
			cat "$gap" >>"$GITHUB_STEP_SUMMARY"
		else
			printf '\n_The gap report (%s bytes) does not fit in the 1 MiB job summary; run ferret gap locally or write it to a file._\n' "$size" >>"$GITHUB_STEP_SUMMARY"
		fi
	fi
}

cmd_gate() {
	local code=${FERRET_EXIT_CODE:-}
	local n=${FERRET_FINDINGS:-?}
	case "$code" in
	0)
		echo "ferret: nothing at or above fail-on (${INPUT_FAIL_ON:-info}); $n finding(s) in total."
		exit 0
		;;
	1)
		echo "::error title=ferret::$(escape_data "Findings at or above fail-on (${INPUT_FAIL_ON:-info}): $n finding(s) in total. See the annotations, the job summary and code scanning.")"
		exit 1
		;;
	"")
		echo "::error title=ferret::The scan step did not run or did not finish; see the earlier steps."
		exit 2
		;;
	*)
		echo "::error title=ferret::$(escape_data "The scan could not complete (exit code $code); see the scan step's log.")"
		exit "$code"
		;;
	esac
}

case "${1:-}" in
setup) cmd_setup ;;
build) cmd_build ;;
scan) cmd_scan ;;
gate) cmd_gate ;;
*)
	echo "usage: $0 setup|build|scan|gate" >&2
	exit 2
	;;
esac
