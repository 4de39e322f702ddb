# Shared by demo.sh and bench.sh (sourced from the top of the tree): the
# build, a work directory cleaned up on exit, the emulator and acmd.

build_into() {	# build_into DIR [configure arguments...]: configure when needed, make
	local dir=$1
	shift
	if [ ! -f "$dir/Makefile" ] || [ configure.ac -nt "$dir/Makefile" ]; then
		./autogen.sh >/dev/null 2>&1 || return 1
		mkdir -p "$dir"
		(cd "$dir" && ../configure "$@" >/dev/null) || return 1
	fi
	make -C "$dir" -j2 >/dev/null
}

work_dir() {	# work_dir NAME: $D, emptied with acmd and the emulator on exit
	D=$(mktemp -d "/tmp/acmd-$1.XXXXXX")
	APID= EPID=
	trap work_cleanup EXIT
}

work_cleanup() {
	set +e
	[ -n "$APID" ] && kill "$APID" 2>/dev/null && wait "$APID" 2>/dev/null
	[ -n "$EPID" ] && kill "$EPID" 2>/dev/null && wait "$EPID" 2>/dev/null
	rm -rf "$D"
	return 0
}

start_emu() {	# start_emu [emulator flags]: (re)start it; $EPID, $EMU
	[ -n "$EPID" ] && kill "$EPID" 2>/dev/null && wait "$EPID" 2>/dev/null
	rm -f "$D/emu.port"
	/usr/bin/python3 tests/awsemu/awsemu.py --port 0 --port-file "$D/emu.port" \
	    --quiet "$@" >"$D/emu.log" 2>&1 &
	EPID=$!
	for i in $(seq 1 100); do [ -s "$D/emu.port" ] && break; sleep 0.1; done
	EMU=http://127.0.0.1:$(cat "$D/emu.port")
}
