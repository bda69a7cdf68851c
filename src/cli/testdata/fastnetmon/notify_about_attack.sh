#!/bin/sh
# FastNetMon notify script contract: <ip> <direction> <pps> ban|unban; the attack report on stdin for ban.
if [ "$4" = "ban" ]; then
    cat > "/var/tmp/attack-$1.txt"
fi
exit 0
