#!/bin/bash
# Differential test: acmd's SigV4 signer against botocore's SigV4Auth.
exec /usr/bin/python3 "$top_srcdir/tests/unit/sigv4_diff.py" "$top_builddir/tests/unit/sigv4_tool" 400
