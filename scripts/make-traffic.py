#!/usr/bin/python3
"""Writes the deterministic traffic pcap that scripts/capture-fixtures.sh replays into the real
exporters (softflowd, pmacctd) to produce the captured decoder fixtures.

Deterministic: a fixed seed, fixed MAC addresses and fixed timestamps, so the same scapy version
writes the same bytes every time. Only documentation addresses are used (RFC 5737: 192.0.2.0/24,
198.51.100.0/24, 203.0.113.0/24; RFC 3849: 2001:db8::/32), so nothing here can ever look like
real traffic.

Usage: /usr/bin/python3 scripts/make-traffic.py OUT.pcap [FILLER.pcap]

FILLER.pcap (optional) gets 400 non-IP frames (IEEE 802 local experimental EtherType 0x88B5)
that the capture script replays after the traffic. Why: on this kernel, libpcap's TPACKET_V3 ring
only wakes softflowd's and pmacctd's poll() when a ring block fills (the block retire timer never
fired in our runs), so a few hundred small packets would sit in the ring until the exporter
exits. Exporters ignore non-IP frames (softflowd counts them as "non-IP"), so the filler pushes
the real packets through without creating flows or samples of its own.
(Debian's python3-scapy lives in the system interpreter, not in a pyenv/venv python.)
"""
import random
from decimal import Decimal
import sys

from scapy.all import (  # type: ignore
    DNS,
    DNSQR,
    DNSRR,
    ICMP,
    IP,
    TCP,
    UDP,
    Dot1Q,
    Ether,
    ICMPv6EchoReply,
    ICMPv6EchoRequest,
    IPv6,
    IPv6ExtHdrFragment,
    NTP,
    Raw,
    fragment,
    fragment6,
    wrpcap,
)

SEED = 20240601
BASE_TIME = 1_700_000_000  # 2023-11-14T22:13:20Z; only relative spacing matters for replay
STEP = "0.002"  # 2 ms between packets: the whole file spans about a second

MAC_A = "02:00:00:00:00:0a"  # locally administered: never a real NIC
MAC_B = "02:00:00:00:00:0b"

rng = random.Random(SEED)
packets = []


def eth(payload, src=MAC_A, dst=MAC_B):
    return Ether(src=src, dst=dst) / payload


def add(pkt):
    packets.append(pkt)


def tcp_session(cli, srv, sport, dport, data, v6=False):
    """A complete TCP exchange: handshake, one request, one response, FIN/ACK teardown."""
    L3 = IPv6 if v6 else IP
    c = L3(src=cli, dst=srv)
    s = L3(src=srv, dst=cli)
    cseq, sseq = rng.randrange(1 << 32), rng.randrange(1 << 32)
    add(eth(c / TCP(sport=sport, dport=dport, flags="S", seq=cseq, window=64240)))
    add(eth(s / TCP(sport=dport, dport=sport, flags="SA", seq=sseq, ack=cseq + 1, window=65160), MAC_B, MAC_A))
    add(eth(c / TCP(sport=sport, dport=dport, flags="A", seq=cseq + 1, ack=sseq + 1)))
    add(eth(c / TCP(sport=sport, dport=dport, flags="PA", seq=cseq + 1, ack=sseq + 1) / Raw(data)))
    reply = b"HTTP/1.1 200 OK\r\nContent-Length: 64\r\n\r\n" + bytes(rng.randrange(256) for _ in range(64))
    add(eth(s / TCP(sport=dport, dport=sport, flags="PA", seq=sseq + 1, ack=cseq + 1 + len(data)) / Raw(reply), MAC_B, MAC_A))
    add(eth(c / TCP(sport=sport, dport=dport, flags="FA", seq=cseq + 1 + len(data), ack=sseq + 1 + len(reply))))
    add(eth(s / TCP(sport=dport, dport=sport, flags="FA", seq=sseq + 1 + len(reply), ack=cseq + 2 + len(data)), MAC_B, MAC_A))
    add(eth(c / TCP(sport=sport, dport=dport, flags="A", seq=cseq + 2 + len(data), ack=sseq + 2 + len(reply))))


def main(out):
    # IPv4 TCP: two complete sessions to a web server.
    tcp_session("192.0.2.10", "203.0.113.80", 40001, 80, b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n")
    tcp_session("192.0.2.11", "203.0.113.80", 40002, 443, b"\x16\x03\x01\x00\x10" + bytes(16))

    # IPv4 TCP SYN flood-like burst from many sources to one port, plus the victim's RSTs.
    for i in range(40):
        src = f"198.51.100.{rng.randrange(1, 255)}"
        sport = rng.randrange(1024, 65536)
        add(eth(IP(src=src, dst="203.0.113.20", ttl=rng.choice([52, 64, 116])) / TCP(sport=sport, dport=80, flags="S", seq=rng.randrange(1 << 32))))
        if i % 4 == 0:
            add(eth(IP(src="203.0.113.20", dst=src) / TCP(sport=80, dport=sport, flags="RA", seq=0, ack=1), MAC_B, MAC_A))

    # IPv4 UDP: DNS responses from port 53 to random high ports (reflection-like).
    for i in range(30):
        dport = rng.randrange(1024, 65536)
        q = DNS(id=rng.randrange(65536), qr=1, aa=1, qd=DNSQR(qname=f"host{i}.example.com", qtype="A"),
                an=DNSRR(rrname=f"host{i}.example.com", type="A", ttl=300, rdata=f"192.0.2.{100 + i}"))
        add(eth(IP(src="192.0.2.53", dst="203.0.113.30") / UDP(sport=53, dport=dport) / q, MAC_B, MAC_A))

    # IPv4 UDP: NTP 123 -> 123 server responses (mode 4).
    for _ in range(20):
        add(eth(IP(src="198.51.100.123", dst="203.0.113.40") / UDP(sport=123, dport=123) / NTP(mode=4, stratum=2, ref=1700000000.0, orig=1700000001.0, recv=1700000001.25, sent=1700000001.5), MAC_B, MAC_A))

    # IPv4 UDP: random high ports with random payload sizes.
    for _ in range(30):
        payload = bytes(rng.randrange(256) for _ in range(rng.randrange(16, 400)))
        add(eth(IP(src=f"198.51.100.{rng.randrange(1, 255)}", dst="203.0.113.50", tos=rng.choice([0, 0x10, 0xb8]))
                / UDP(sport=rng.randrange(1024, 65536), dport=rng.randrange(1024, 65536)) / Raw(payload)))

    # ICMP echo request/reply.
    for seq in range(10):
        add(eth(IP(src="192.0.2.1", dst="203.0.113.60") / ICMP(type=8, code=0, id=0x4242, seq=seq) / Raw(b"ping" * 8)))
        add(eth(IP(src="203.0.113.60", dst="192.0.2.1") / ICMP(type=0, code=0, id=0x4242, seq=seq) / Raw(b"ping" * 8), MAC_B, MAC_A))

    # IPv4 fragments: one UDP datagram of 3000 bytes split into three (first with MF, offset 0).
    big = IP(src="198.51.100.7", dst="203.0.113.70", id=0x1234) / UDP(sport=5000, dport=5001) / Raw(bytes(range(256)) * 12)
    for frag in fragment(big, fragsize=1200):
        add(eth(frag))

    # IPv6 TCP session and SYNs.
    tcp_session("2001:db8::10", "2001:db8:1::80", 50001, 80, b"GET /v6 HTTP/1.1\r\nHost: example.com\r\n\r\n", v6=True)
    for _ in range(10):
        add(eth(IPv6(src=f"2001:db8:2::{rng.randrange(1, 0xffff):x}", dst="2001:db8:1::20", hlim=rng.choice([55, 64]))
                / TCP(sport=rng.randrange(1024, 65536), dport=443, flags="S", seq=rng.randrange(1 << 32))))

    # IPv6 UDP: DNS responses and random ports.
    for i in range(15):
        q = DNS(id=rng.randrange(65536), qr=1, qd=DNSQR(qname=f"v6host{i}.example.com", qtype="AAAA"),
                an=DNSRR(rrname=f"v6host{i}.example.com", type="AAAA", ttl=300, rdata=f"2001:db8::{i + 1:x}"))
        add(eth(IPv6(src="2001:db8::53", dst="2001:db8:1::30") / UDP(sport=53, dport=rng.randrange(1024, 65536)) / q, MAC_B, MAC_A))
    for _ in range(15):
        payload = bytes(rng.randrange(256) for _ in range(rng.randrange(16, 300)))
        add(eth(IPv6(src=f"2001:db8:3::{rng.randrange(1, 0xffff):x}", dst="2001:db8:1::50", tc=rng.choice([0, 0x28]))
                / UDP(sport=rng.randrange(1024, 65536), dport=rng.randrange(1024, 65536)) / Raw(payload)))

    # ICMPv6 echo request/reply.
    for seq in range(8):
        add(eth(IPv6(src="2001:db8::1", dst="2001:db8:1::60") / ICMPv6EchoRequest(id=0x6666, seq=seq, data=b"pong" * 8)))
        add(eth(IPv6(src="2001:db8:1::60", dst="2001:db8::1") / ICMPv6EchoReply(id=0x6666, seq=seq, data=b"pong" * 8), MAC_B, MAC_A))

    # IPv6 fragments: a 3000-byte UDP datagram behind a Fragment extension header (RFC 8200 §4.5).
    big6 = IPv6(src="2001:db8::7", dst="2001:db8:1::70") / IPv6ExtHdrFragment(id=0xabcd) / UDP(sport=6000, dport=6001) / Raw(bytes(range(256)) * 12)
    for frag in fragment6(big6, 1280):
        add(eth(frag))

    # 802.1Q tagged frames (VLAN 100), IPv4 UDP and TCP.
    for i in range(5):
        add(Ether(src=MAC_A, dst=MAC_B) / Dot1Q(vlan=100, prio=3) / IP(src="192.0.2.100", dst="203.0.113.100")
            / UDP(sport=7000 + i, dport=7777) / Raw(b"vlan-tagged-" + bytes([i]) * 20))
    add(Ether(src=MAC_A, dst=MAC_B) / Dot1Q(vlan=100) / IP(src="192.0.2.100", dst="203.0.113.100") / TCP(sport=7100, dport=22, flags="S"))

    # Decimal, not float accumulation: every timestamp is an exact multiple of STEP.
    for i, p in enumerate(packets):
        p.time = Decimal(BASE_TIME) + Decimal(i) * Decimal(STEP)
    wrpcap(out, packets)
    print(f"wrote {len(packets)} packets to {out}", file=sys.stderr)


def filler(out):
    frames = [Ether(src="02:00:00:00:00:0c", dst="02:00:00:00:00:0d", type=0x88B5) / Raw(bytes(1400)) for _ in range(400)]
    for i, p in enumerate(frames):
        p.time = Decimal(BASE_TIME + 10) + Decimal(i) * Decimal("0.0001")
    wrpcap(out, frames)


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: make-traffic.py OUT.pcap [FILLER.pcap]")
    main(sys.argv[1])
    if len(sys.argv) == 3:
        filler(sys.argv[2])
