# Certificates for the file target tests (targets.sh, target_restore.sh),
# sourced after lib.sh: a CA in $T/ca.{crt,key}, leaves signed by it.

mk_ca() {	# mk_ca CN
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/ca.key" -out "$T/ca.crt" \
	    -days 365 -subj "/CN=$1" 2>/dev/null
}

mk_leaf() {	# mk_leaf NAME CN: $T/NAME.{crt,key}, an EC P-256 leaf for CN
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$T/$1.key" -subj "/CN=$2" -out "$T/$1.csr" 2>/dev/null
	printf 'subjectAltName=DNS:%s\n' "$2" >"$T/$1.ext"
	openssl x509 -req -in "$T/$1.csr" -CA "$T/ca.crt" -CAkey "$T/ca.key" \
	    -CAcreateserial -days 90 -extfile "$T/$1.ext" -out "$T/$1.crt" 2>/dev/null
}

# A real user and group for the files when we are root (CI is): TUSER,
# and OWNER_LINES / RUSER_LINE for a [target] (empty when not root).
TUSER=acmdtgt
OWNER_LINES=
RUSER_LINE=
if [ "$(id -u)" = 0 ]; then
	getent group $TUSER >/dev/null || groupadd -r $TUSER
	getent passwd $TUSER >/dev/null || useradd -r -g $TUSER -M -d / -s /usr/sbin/nologin $TUSER
	OWNER_LINES="owner = $TUSER
group = $TUSER"
	RUSER_LINE="reload_user = $TUSER"
fi
