# Helpers for the tests of expiry notifications (notify.sh,
# expiryslice.sh): the notification sink (notify_sink.py), whose
# start_sink starts it in $SINK and sets HPORT (webhook) and SPORT (SMTP),
# and certificates expiring in so many days.  Sourced after lib.sh.
SINK_PID=
SINK=$T/sink
mkdir -p "$SINK"
trap '_cleanup; [ -n "$SINK_PID" ] && kill "$SINK_PID" 2>/dev/null; true' EXIT

start_sink() {
	/usr/bin/python3 "$top_srcdir/tests/integration/notify_sink.py" \
	    --dir "$SINK" >>"$T/sink.log" 2>&1 &
	SINK_PID=$!
	for i in $(seq 1 200); do
		[ -s "$SINK/ports" ] && break
		sleep 0.05
	done
	read -r HPORT SPORT <"$SINK/ports"
	check "notify sink listens" "$([ -n "$HPORT" ] && [ -n "$SPORT" ]; echo $?)"
}

mkcert() {	# mkcert NAME DAYS: $T/NAME.crt and .key, CN NAME.example.test
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$T/$1.key" -out "$T/$1.crt" -days "$2" \
	    -subj "/CN=$1.example.test" >/dev/null 2>&1
}
