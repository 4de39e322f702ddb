#!/bin/sh
# Install every Debian package that acmd's build, tests, benchmarks and the
# AWS emulator need.  Debian 12, as root.  Safe to run any number of times.
set -eu
PKGS="build-essential autoconf automake libtool pkg-config git ca-certificates
 libevent-dev libssl-dev libcurl4-openssl-dev liblmdb-dev lmdb-utils
 libmsgpack-dev libsystemd-dev libjansson-dev libexpat1-dev libinih-dev
 libcmocka-dev clang llvm libclang-rt-14-dev
 python3 python3-cryptography python3-botocore awscli
 curl procps iproute2 systemd groff-base prometheus gdb"
if [ "$(id -u)" != 0 ]; then
	echo "setup.sh: must run as root" >&2
	exit 1
fi
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing
fi
echo "setup: all packages present"
