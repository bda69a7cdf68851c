#!/usr/bin/env bash
# Captures the real-exporter decoder fixtures (src/flow/{sflow,netflow,ipfix}/testdata/captured/)
# and the pcap-reader fixtures (src/capture/testdata/), then writes tshark's decode of each as the
# committed ground truth (scripts/fixture-truth.py).
#
# How: scripts/make-traffic.py writes a deterministic traffic pcap; inside a network namespace we
# create, tcpreplay sends it onto one end of a veth pair, the exporter (softflowd or pmacctd)
# captures the other end and exports to 127.0.0.1:<port> on the namespace's loopback, where
# dumpcap records the export datagrams and a small UDP sink receives them (so the exporter never
# gets ICMP port-unreachable back on its connected socket).
#
# Needs root and the Debian packages softflowd, pmacct, tshark (dumpcap, editcap), tcpreplay,
# python3-scapy. Every step is bounded in time; only processes this script started are stopped,
# by PID; the namespace and temporary folder are removed on exit.
#
# Usage: sudo scripts/capture-fixtures.sh            (writes into the repository)
#        KEEP_WORK=1 sudo scripts/capture-fixtures.sh (keeps the temporary folder for debugging)
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
PY=/usr/bin/python3 # Debian's python3-scapy is installed for the system interpreter
NS="bwfx-$$"
WORK="$(mktemp -d /tmp/bwfx.XXXXXX)"
PIDS=()

SFLOW_DIR="$REPO/src/flow/sflow/testdata/captured"
NETFLOW_DIR="$REPO/src/flow/netflow/testdata/captured"
IPFIX_DIR="$REPO/src/flow/ipfix/testdata/captured"
CAPTURE_DIR="$REPO/src/capture/testdata"

# softflowd's timeouts in seconds: short, so flows are exported within a few seconds of the
# traffic instead of after minutes (lab-notes: "with the defaults it exports after minutes").
SOFTFLOWD_TIMEOUTS=(-t udp=1 -t tcp=1 -t tcp.rst=1 -t tcp.fin=1 -t icmp=1 -t general=1 -t maxlife=2 -t expint=1)

log() { printf '[capture-fixtures %s] %s\n' "$(date +%T)" "$*" >&2; }

cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then kill "$pid" 2>/dev/null || true; fi
  done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  # Anything still inside our private namespace was started by this script (e.g. a plugin child
  # of pmacctd): stop it by PID before removing the namespace.
  if ip netns pids "$NS" >/dev/null 2>&1; then
    for pid in $(ip netns pids "$NS"); do kill "$pid" 2>/dev/null || true; done
    sleep 1
    for pid in $(ip netns pids "$NS"); do kill -9 "$pid" 2>/dev/null || true; done
  fi
  ip netns del "$NS" 2>/dev/null || true
  if [[ -z "${KEEP_WORK:-}" ]]; then rm -rf "$WORK"; else log "kept $WORK"; fi
}
trap cleanup EXIT

need() { command -v "$1" >/dev/null || { log "missing $1 (apt-get install -y $2)"; exit 1; }; }
[[ $(id -u) -eq 0 ]] || { log "must run as root (network namespace, packet capture)"; exit 1; }
need softflowd softflowd
need softflowctl softflowd
need pmacctd pmacct
need tshark tshark
need dumpcap tshark
need editcap tshark
need tcpreplay tcpreplay
$PY -c 'import scapy' 2>/dev/null || { log "missing python3-scapy"; exit 1; }

# Foreground commands only: a function run with & would put a subshell between $! and the
# process, so background processes are started with "ip netns exec" directly (it execs the
# command, so $! is the exporter's own PID).
nsx() { ip netns exec "$NS" "$@"; }

# Waits up to $2 seconds for PID $1 to exit; kills it (by PID) if it has not.
wait_pid() {
  local pid=$1 secs=$2 i
  for ((i = 0; i < secs * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    sleep 0.1
  done
  log "pid $pid still running after ${secs}s: killing it"
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

setup_ns() {
  ip netns add "$NS"
  # No IPv6 in the namespace: otherwise the kernel sends router solicitations and MLD reports
  # on the veth ends, which the exporters would see as extra flows.
  nsx sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  nsx ip link set lo up
  nsx ip link add vin type veth peer name vout
  nsx ip link set vin up
  nsx ip link set vout up
}

# Starts a UDP sink on 127.0.0.1:$1 and dumpcap writing $2 (both end by themselves after 60 s
# at the latest).
# Sets SINK_PID and DUMPCAP_PID.
start_collector() {
  local port=$1 out=$2 iface=${3:-lo} extra=${4:-}
  ip netns exec "$NS" "$PY" -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.settimeout(0.2)
end = time.time() + 60
while time.time() < end:
    try:
        s.recv(65535)
    except socket.timeout:
        pass
' "$port" &
  SINK_PID=$!
  PIDS+=("$SINK_PID")
  # shellcheck disable=SC2086
  ip netns exec "$NS" dumpcap -q -i "$iface" $extra -f "udp dst port $port" -w "$out" -a duration:60 2>"$out.dumpcap.log" &
  DUMPCAP_PID=$!
  PIDS+=("$DUMPCAP_PID")
  sleep 1.5
}

stop_collector() {
  sleep 1
  kill "$DUMPCAP_PID" 2>/dev/null || true
  wait_pid "$DUMPCAP_PID" 10
  kill "$SINK_PID" 2>/dev/null || true
  wait_pid "$SINK_PID" 5
}

# replay [filler]: 200 packets/s, so the 242 packets take about 1.2 s. With "filler", the filler
# frames (see make-traffic.py) follow, to push the packets through libpcap's ring to softflowd,
# which only reads when poll() says so. pmacctd reads with a timeout and needs no filler (it would
# sample the filler frames too).
replay() {
  nsx timeout 30 tcpreplay -q -i vin --pps=200 "$WORK/traffic.pcap" >>"$WORK/tcpreplay.log" 2>&1
  if [[ "${1:-}" == filler ]]; then
    nsx timeout 30 tcpreplay -q -i vin --topspeed "$WORK/filler.pcap" >>"$WORK/tcpreplay.log" 2>&1
  fi
}

# softflowd NAME VERSION PORT [SAMPLING]
run_softflowd() {
  local name=$1 version=$2 port=$3 sampling=${4:-}
  local out="$WORK/$name.pcap" ctl="$WORK/c-$name" sargs=()
  [[ -n "$sampling" ]] && sargs=(-s "$sampling")
  log "softflowd -v $version ${sargs[*]} -> $name.pcap"
  start_collector "$port" "$out" lo -P
  ip netns exec "$NS" softflowd -d -i vout -n "127.0.0.1:$port" -v "$version" "${sargs[@]}" "${SOFTFLOWD_TIMEOUTS[@]}" \
    -p "$WORK/sf-$name.pid" -c "$ctl" >"$WORK/softflowd-$name.log" 2>&1 &
  local sf=$!
  PIDS+=("$sf")
  sleep 1
  replay filler
  # Let the timeouts expire flows the normal way, then ask for a graceful shutdown, which
  # expires and exports whatever is left (SIGTERM would exit without exporting).
  sleep 5
  nsx timeout 5 softflowctl -c "$ctl" statistics >"$WORK/softflowd-$name.stats" 2>&1 || true
  nsx timeout 5 softflowctl -c "$ctl" shutdown >/dev/null 2>&1 || true
  wait_pid "$sf" 10
  stop_collector
}

# pmacctd NAME SAMPLING_RATE PORT
run_pmacctd() {
  local name=$1 rate=$2 port=$3
  local out="$WORK/$name.pcap"
  log "pmacctd sfprobe sampling_rate $rate -> $name.pcap"
  cat >"$WORK/pmacctd-$name.conf" <<EOF
daemonize: false
pcap_interface: vout
plugins: sfprobe[s]
sfprobe_receiver[s]: 127.0.0.1:$port
sfprobe_agentip[s]: 192.0.2.254
sfprobe_agentsubid[s]: 7
sampling_rate: $rate
EOF
  start_collector "$port" "$out" lo -P
  # A second, independent capture of the same datagrams on the "any" device in pcapng with
  # Linux cooked v2 headers: a real-world SLL2/pcapng file for the pcap reader tests.
  if [[ "$name" == sflow ]]; then
    ip netns exec "$NS" dumpcap -q -i any -y LINUX_SLL2 -f "udp dst port $port" -w "$WORK/sflow-any-sll2.pcapng" -a duration:60 2>/dev/null &
    local any=$!
    PIDS+=("$any")
    sleep 1
  fi
  ip netns exec "$NS" pmacctd -f "$WORK/pmacctd-$name.conf" >"$WORK/pmacctd-$name.log" 2>&1 &
  local pm=$!
  PIDS+=("$pm")
  sleep 2
  replay
  sleep 3
  kill "$pm" 2>/dev/null || true # pmacctd flushes its sFlow buffer on SIGTERM
  wait_pid "$pm" 10
  if [[ "$name" == sflow ]]; then
    sleep 1
    kill "$any" 2>/dev/null || true
    wait_pid "$any" 10
  fi
  stop_collector
}

main() {
  log "work dir $WORK, namespace $NS"
  $PY "$REPO/scripts/make-traffic.py" "$WORK/traffic.pcap" "$WORK/filler.pcap"
  setup_ns

  run_softflowd netflow-v5 5 2055
  run_softflowd netflow-v9 9 2056
  run_softflowd netflow-v9-sampled 9 2057 4
  run_softflowd ipfix 10 4739
  run_softflowd ipfix-sampled 10 4740 4
  run_pmacctd sflow 1 6343
  run_pmacctd sflow-sampled 10 6344

  mkdir -p "$SFLOW_DIR" "$NETFLOW_DIR" "$IPFIX_DIR" "$CAPTURE_DIR"
  cp "$WORK/netflow-v5.pcap" "$WORK/netflow-v9.pcap" "$WORK/netflow-v9-sampled.pcap" "$NETFLOW_DIR/"
  cp "$WORK/ipfix.pcap" "$WORK/ipfix-sampled.pcap" "$IPFIX_DIR/"
  cp "$WORK/sflow.pcap" "$WORK/sflow-sampled.pcap" "$SFLOW_DIR/"

  # pcap reader fixtures: the traffic itself (Ethernet, microseconds), the same file rewritten
  # by editcap as nanosecond pcap and as pcapng, and the real SLL2 capture.
  cp "$WORK/traffic.pcap" "$CAPTURE_DIR/traffic.pcap"
  editcap -F nsecpcap "$WORK/traffic.pcap" "$CAPTURE_DIR/traffic-nsec.pcap"
  editcap -F pcapng "$WORK/traffic.pcap" "$CAPTURE_DIR/traffic.pcapng"
  cp "$WORK/sflow-any-sll2.pcapng" "$CAPTURE_DIR/sflow-any-sll2.pcapng"

  # dumpcap creates its files 0600; fixtures are ordinary repository files.
  chmod 644 "$NETFLOW_DIR"/*.pcap "$IPFIX_DIR"/*.pcap "$SFLOW_DIR"/*.pcap "$CAPTURE_DIR"/*.pcap*
  local f size
  for f in "$NETFLOW_DIR"/*.pcap "$IPFIX_DIR"/*.pcap "$SFLOW_DIR"/*.pcap "$CAPTURE_DIR"/*.pcap*; do
    size=$(stat -c %s "$f")
    log "$(basename "$f"): $size bytes, $(capinfos -c -M "$f" | awk '/Number of packets/ {print $4}') packets"
    if ((size > 200 * 1024)); then log "ERROR: $f is larger than 200 KB"; exit 1; fi
  done

  $PY "$REPO/scripts/fixture-truth.py"
  log "done"
}

main "$@"
