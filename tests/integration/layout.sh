#!/bin/bash
# The layout of the code (issue 13), checked on the objects just built: no
# two source files call into each other in a loop, no daemon file over 900
# lines, no function over 100 lines without a "long:" comment saying why.
exec /usr/bin/python3 "$top_srcdir/tests/layout.py" "$top_srcdir" \
    "$top_builddir"
