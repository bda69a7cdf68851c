#!/usr/bin/python3
"""Writes tshark's decode of every captured fixture as JSON next to it: the ground truth that
src/flow/fixtures.test.ts and src/capture/pcap-reader.test.ts compare our decoders and reader
with, so those tests never need tshark.

tshark is an independent implementation of sFlow v5, NetFlow v5/v9 and IPFIX; the JSON keeps
only the fields a test needs, under neutral names. Values are taken from the raw bytes tshark
points at (PDML "value" attributes) wherever the display text could be rounded or reformatted.

IP defragmentation is switched off so that tshark dissects the first fragment's transport header
(as a flow exporter or our sampled-header parser does) instead of waiting for reassembly.

Usage: /usr/bin/python3 scripts/fixture-truth.py   (from anywhere; needs tshark on PATH)
"""
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from decimal import Decimal

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# fixture path (relative to the repo) -> (dissector, UDP port the exporter sent to)
FIXTURES = {
    "src/flow/netflow/testdata/captured/netflow-v5.pcap": ("cflow", 2055),
    "src/flow/netflow/testdata/captured/netflow-v9.pcap": ("cflow", 2056),
    "src/flow/netflow/testdata/captured/netflow-v9-sampled.pcap": ("cflow", 2057),
    "src/flow/ipfix/testdata/captured/ipfix.pcap": ("cflow", 4739),
    "src/flow/ipfix/testdata/captured/ipfix-sampled.pcap": ("cflow", 4740),
    "src/flow/sflow/testdata/captured/sflow.pcap": ("sflow", 6343),
    "src/flow/sflow/testdata/captured/sflow-sampled.pcap": ("sflow", 6344),
}
# pcap reader fixtures -> what to list (every UDP datagram, with the sFlow port decoded as such)
READER_FIXTURES = [
    "src/capture/testdata/traffic.pcap",
    "src/capture/testdata/sflow-any-sll2.pcapng",
]

TSHARK_OPTS = ["-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE"]


def tshark_version():
    return subprocess.run(["tshark", "-v"], capture_output=True, text=True, check=True).stdout.splitlines()[0].strip()


def pdml(path, decode_as):
    args = ["tshark", "-r", path, *TSHARK_OPTS]
    if decode_as:
        args += ["-d", decode_as]
    args += ["-T", "pdml"]
    out = subprocess.run(args, capture_output=True, check=True).stdout
    return ET.fromstring(out), args


def command_text(args):
    """The tshark command line with the file's base name (the JSON must not depend on the checkout)."""
    return " ".join(os.path.basename(a) if i == 2 else a for i, a in enumerate(args))


def hexint(el):
    return int(el.get("value"), 16)


def showint(el):
    s = el.get("show")
    return int(s, 16) if s.startswith("0x") else int(s)


def first(el, name):
    """First descendant field/proto with this name, or None."""
    for e in el.iter():
        if e.get("name") == name:
            return e
    return None


def children_named(el, name):
    return [c for c in el if c.get("name") == name]


def frame_info(packet):
    """Outer capture facts: frame number, capture time, UDP endpoints, payload length."""
    frame = first(packet, "frame")
    number = int(first(frame, "frame.number").get("show"))
    epoch = Decimal(first(frame, "frame.time_epoch").get("show"))
    ts_ms = float(epoch * 1000)
    ip = first(packet, "ip")
    ip6 = first(packet, "ipv6")
    src = first(ip, "ip.src").get("show") if ip is not None else first(ip6, "ipv6.src").get("show")
    dst = first(ip, "ip.dst").get("show") if ip is not None else first(ip6, "ipv6.dst").get("show")
    udp = first(packet, "udp")
    return {
        "frame": number,
        "tsMs": ts_ms,
        "srcAddr": src,
        "srcPort": int(first(udp, "udp.srcport").get("show")),
        "dstAddr": dst,
        "dstPort": int(first(udp, "udp.dstport").get("show")),
        "payloadLength": int(first(udp, "udp.length").get("show")) - 8,
    }


# ---------------------------------------------------------------- NetFlow v5/v9 and IPFIX


def cflow_record(rec, version):
    """One data record (v5 "pdu", v9/IPFIX "Flow N") as neutral, FlowSample-like names."""
    def f(name):
        return first(rec, name)

    out = {}
    if f("cflow.srcaddr") is not None:
        out["ipVersion"] = 4
        out["src"] = f("cflow.srcaddr").get("show")
        out["dst"] = f("cflow.dstaddr").get("show")
    elif f("cflow.srcaddrv6") is not None:
        out["ipVersion"] = 6
        out["src"] = f("cflow.srcaddrv6").get("show")
        out["dst"] = f("cflow.dstaddrv6").get("show")
    if f("cflow.ip_version") is not None:
        out["ipVersionField"] = hexint(f("cflow.ip_version"))
    out["protocol"] = hexint(f("cflow.protocol"))
    for key, name in (("srcPort", "cflow.srcport"), ("dstPort", "cflow.dstport"), ("tcpFlags", "cflow.tcpflags"),
                      ("tos", "cflow.tos"), ("packets", "cflow.packets"), ("bytes", "cflow.octets"),
                      ("inputIf", "cflow.inputint"), ("outputIf", "cflow.outputint"), ("srcAs", "cflow.srcas"),
                      ("dstAs", "cflow.dstas"), ("direction", "cflow.direction"),
                      ("flowEndReason", "cflow.flow_end_reason")):
        e = f(name)
        if e is not None:
            out[key] = hexint(e)
    # NetFlow v9 ICMP_TYPE (32) / IPFIX icmpTypeCodeIPv4 (32): type * 256 + code (RFC 7012 §5.3.x);
    # IPFIX icmpTypeCodeIPv6 (139) likewise, shown by tshark as separate type and code fields.
    if f("cflow.icmp_type_code_ipv4") is not None:
        v = hexint(f("cflow.icmp_type_code_ipv4"))
        out["icmpTypeCode"] = v
        out["icmpType"] = v >> 8
        out["icmpCode"] = v & 0xFF
    if f("cflow.icmp_ipv6_type") is not None:
        out["icmpType"] = hexint(f("cflow.icmp_ipv6_type"))
        out["icmpCode"] = hexint(f("cflow.icmp_ipv6_code"))
    if f("cflow.timestart") is not None:
        out["startUptimeMs"] = hexint(f("cflow.timestart"))
        out["endUptimeMs"] = hexint(f("cflow.timeend"))
    return out


def cflow_datagram(packet):
    cf = first(packet, "cflow")
    version = hexint(first(cf, "cflow.version"))
    d = frame_info(packet)
    d["version"] = version
    hdr = {"version": version}
    if version in (5, 9):
        hdr["count"] = hexint(first(cf, "cflow.count"))
        hdr["sysUptimeMs"] = hexint(first(cf, "cflow.sysuptime"))
        hdr["unixSecs"] = hexint(first(cf, "cflow.unix_secs"))
        hdr["sequence"] = hexint(first(cf, "cflow.sequence"))
    if version == 5:
        hdr["unixNsecs"] = hexint(first(cf, "cflow.unix_nsecs"))
        hdr["engineType"] = hexint(first(cf, "cflow.engine_type"))
        hdr["engineId"] = hexint(first(cf, "cflow.engine_id"))
        hdr["samplingMode"] = int(first(cf, "cflow.samplingmode").get("show"))
        hdr["samplingInterval"] = int(first(cf, "cflow.samplerate").get("show"))
    if version == 9:
        hdr["sourceId"] = hexint(first(cf, "cflow.source_id"))
    if version == 10:
        hdr["length"] = hexint(first(cf, "cflow.len"))
        hdr["exportTime"] = hexint(first(cf, "cflow.exporttime"))
        hdr["sequence"] = hexint(first(cf, "cflow.sequence"))
        hdr["observationDomainId"] = hexint(first(cf, "cflow.od_id"))
    d["header"] = hdr
    d["records"] = []
    d["options"] = []
    d["templates"] = []

    if version == 5:
        for pdu in cf:
            if pdu.get("name") == "" and (pdu.get("show") or "").startswith("pdu "):
                d["records"].append(cflow_record(pdu, 5))
        return d

    for fs in cf:
        if fs.get("name") != "" or first(fs, "cflow.flowset_id") is None:
            continue
        set_id = hexint(first(fs, "cflow.flowset_id"))
        if set_id in (0, 2):  # (data) template sets
            for tid in [e for e in fs.iter() if e.get("name") == "cflow.template_id"]:
                d["templates"].append({"setId": set_id, "templateId": hexint(tid)})
            continue
        if set_id in (1, 3):  # options template sets
            for tid in [e for e in fs.iter() if e.get("name") == "cflow.template_id"]:
                d["templates"].append({"setId": set_id, "templateId": hexint(tid), "options": True})
            continue
        for rec in fs:
            if rec.get("name") != "" or not (rec.get("show") or "").startswith("Flow "):
                continue
            if first(rec, "cflow.protocol") is not None:
                r = cflow_record(rec, version)
                r["setId"] = set_id
                d["records"].append(r)
            else:
                o = {"setId": set_id}
                for key, name in (("samplingInterval", "cflow.sampling_interval"),
                                  ("samplingAlgorithm", "cflow.sampling_algorithm"),
                                  ("samplingPacketInterval", "cflow.sampling_packet_interval"),
                                  ("samplingPacketSpace", "cflow.sampling_packet_space"),
                                  ("selectorAlgorithm", "cflow.selector_algorithm"),
                                  ("meteringProcessId", "cflow.mp_id"),
                                  ("systemInitTimeMs", "cflow.sys_init_time"),
                                  ("scopeInterface", "cflow.scope_interface")):
                    e = first(rec, name)
                    if e is not None:
                        o[key] = hexint(e)
                e = first(rec, "cflow.if_name")
                if e is not None:
                    o["ifName"] = e.get("show")
                d["options"].append(o)
    return d


def add_wallclock(datagrams):
    """Wall-clock flow start/end, derived from the header (v5 RFC-less Cisco format, v9 RFC 3954
    §5.1: unix_secs - (sysUptime - first)) or, for IPFIX, from systemInitTimeMilliseconds (RFC 7012
    §5.11.5 flowStartSysUpTime is relative to it); null when the exporter gave no reference."""
    sys_init = None
    for d in datagrams:
        h = d["header"]
        for o in d["options"]:
            if "systemInitTimeMs" in o:
                sys_init = o["systemInitTimeMs"]
        for r in d["records"]:
            if "startUptimeMs" not in r:
                continue
            if d["version"] == 5:
                base = Decimal(h["unixSecs"]) * 1000 + Decimal(h["unixNsecs"]) / 1_000_000 - h["sysUptimeMs"]
            elif d["version"] == 9:
                base = Decimal(h["unixSecs"]) * 1000 - h["sysUptimeMs"]
            else:
                base = Decimal(sys_init) if sys_init is not None else None
            r["startMs"] = float(base + r["startUptimeMs"]) if base is not None else None
            r["endMs"] = float(base + r["endUptimeMs"]) if base is not None else None


# ---------------------------------------------------------------- sFlow v5


def sampled_header(hdr_field):
    """Facts from tshark's dissection of a raw packet header record's sampled bytes."""
    out = {}
    eth = first(hdr_field, "eth")
    if eth is not None:
        out["etherType"] = showint(first(eth, "eth.type"))
    vlan = first(hdr_field, "vlan")
    if vlan is not None:
        out["headerVlan"] = int(first(vlan, "vlan.id").get("show"))
        out["etherType"] = showint(first(vlan, "vlan.etype"))
    ip = first(hdr_field, "ip")
    ip6 = first(hdr_field, "ipv6")
    if ip is not None:
        out["ipVersion"] = 4
        out["src"] = first(ip, "ip.src").get("show")
        out["dst"] = first(ip, "ip.dst").get("show")
        out["protocol"] = showint(first(ip, "ip.proto"))
        out["tos"] = showint(first(ip, "ip.dsfield"))
        out["ttl"] = showint(first(ip, "ip.ttl"))
        out["ipLength"] = showint(first(ip, "ip.len"))
        out["dontFragment"] = first(ip, "ip.flags.df").get("show") == "1"
        out["moreFragments"] = first(ip, "ip.flags.mf").get("show") == "1"
        out["fragmentOffset"] = showint(first(ip, "ip.frag_offset"))  # 8-octet units (PDML "show")
    elif ip6 is not None:
        out["ipVersion"] = 6
        out["src"] = first(ip6, "ipv6.src").get("show")
        out["dst"] = first(ip6, "ipv6.dst").get("show")
        out["protocol"] = showint(first(ip6, "ipv6.nxt"))
        out["tos"] = showint(first(ip6, "ipv6.tclass"))
        out["ttl"] = showint(first(ip6, "ipv6.hlim"))
        out["ipLength"] = showint(first(ip6, "ipv6.plen")) + 40
        frag = first(ip6, "ipv6.fraghdr")
        if frag is not None:
            out["protocol"] = showint(first(frag, "ipv6.fraghdr.nxt"))
            out["fragmentOffset"] = showint(first(frag, "ipv6.fraghdr.offset"))
            out["moreFragments"] = first(frag, "ipv6.fraghdr.more").get("show") == "1"
    tcp = first(hdr_field, "tcp")
    udp = first(hdr_field, "udp")
    icmp = first(hdr_field, "icmp")
    icmp6 = first(hdr_field, "icmpv6")
    if tcp is not None:
        out["srcPort"] = showint(first(tcp, "tcp.srcport"))
        out["dstPort"] = showint(first(tcp, "tcp.dstport"))
        out["tcpFlags"] = showint(first(tcp, "tcp.flags")) & 0xFF
    elif udp is not None:
        out["srcPort"] = showint(first(udp, "udp.srcport"))
        out["dstPort"] = showint(first(udp, "udp.dstport"))
    elif icmp is not None:
        out["icmpType"] = showint(first(icmp, "icmp.type"))
        out["icmpCode"] = showint(first(icmp, "icmp.code"))
    elif icmp6 is not None:
        out["icmpType"] = showint(first(icmp6, "icmpv6.type"))
        out["icmpCode"] = showint(first(icmp6, "icmpv6.code"))
    return out


def sflow_datagram(packet):
    sf = first(packet, "sflow")
    d = frame_info(packet)
    d["header"] = {
        "version": hexint(first(sf, "sflow_245.version")),
        "agent": first(sf, "sflow_245.agent").get("show"),
        "subAgentId": hexint(first(sf, "sflow_245.sub_agent_id")),
        "sequence": hexint(first(sf, "sflow_245.sequence_number")),
        "uptimeMs": hexint(first(sf, "sflow_245.sysuptime")),
        "numSamples": hexint(first(sf, "sflow_245.numsamples")),
    }
    d["samples"] = []
    for s in sf:
        if s.get("name") != "" or first(s, "sflow_245.sampletype") is None:
            continue
        stype = int(first(s, "sflow_245.sampletype").get("show"))
        if stype in (1, 3):
            def g(name):
                return first(s, name)
            smp = {
                "type": "flow",
                "sampleType": stype,
                "sequence": hexint(g("sflow.flow_sample.sequence_number")),
                "sourceIdClass": int(g("sflow.flow_sample.source_id_class").get("show")),
                "sourceIdIndex": int(g("sflow.flow_sample.index").get("show")),
                "samplingRate": hexint(g("sflow.flow_sample.sampling_rate")),
                "samplePool": hexint(g("sflow.flow_sample.sample_pool")),
                "drops": hexint(g("sflow.flow_sample.dropped_packets")),
                "inputIf": hexint(g("sflow.flow_sample.input_interface")),
                "outputIfFormat": int(g("sflow.flow_sample.output_interface_format").get("show")),
                "outputIf": int(g("sflow.flow_sample.output_interface_value").get("show")),
                "records": [],
            }
            for rec in s:
                fmt = first(rec, "sflow_245.flow_record_format") if rec.get("name") == "" else None
                if fmt is None:
                    continue
                fmtv = hexint(fmt)
                if fmtv == 1:
                    h = first(rec, "sflow_245.header")
                    smp["records"].append("raw_header")
                    smp["headerProtocol"] = hexint(first(rec, "sflow_245.header_protocol"))
                    smp["frameLength"] = hexint(first(rec, "sflow_245.header.frame_length"))
                    smp["stripped"] = hexint(first(rec, "sflow_245.header.payload_stripped"))
                    smp["headerLength"] = hexint(first(rec, "sflow_245.header.sampled_header_length"))
                    smp.update(sampled_header(h))
                elif fmtv == 1001:
                    smp["records"].append("extended_switch")
                    smp["switchSrcVlan"] = hexint(first(rec, "sflow_245.vlan.in"))
                    smp["switchDstVlan"] = hexint(first(rec, "sflow_245.vlan.out"))
                else:
                    smp["records"].append(fmtv)
            d["samples"].append(smp)
        elif stype in (2, 4):
            c = {
                "type": "counters",
                "sampleType": stype,
                "sequence": hexint(first(s, "sflow.counters_sample.sequence_number")),
                "sourceIdIndex": int(first(s, "sflow.counters_sample.source_id_index").get("show")),
            }
            for key, name in (("ifIndex", "sflow_245.ifindex"), ("ifSpeed", "sflow_245.ifspeed"),
                              ("inOctets", "sflow_245.ifinoct"), ("inPackets", "sflow_245.ifinpkt"),
                              ("outOctets", "sflow_245.ifoutoct"), ("outPackets", "sflow_245.ifoutpkt")):
                e = first(s, name)
                if e is not None:
                    c[key] = hexint(e)
            d["samples"].append(c)
    return d


# ---------------------------------------------------------------- pcap reader fixtures


def reader_truth(path):
    """Every frame, and for unfragmented UDP ones the endpoints, payload length and time."""
    root, args = pdml(path, None)
    frames = []
    for packet in root.iter("packet"):
        frame = first(packet, "frame")
        number = int(first(frame, "frame.number").get("show"))
        epoch = Decimal(first(frame, "frame.time_epoch").get("show"))
        entry = {"frame": number, "tsMs": float(epoch * 1000)}
        # Only the outer headers: an sFlow datagram's sampled headers hold IP/UDP of their own.
        top = {}
        for proto in packet:
            top.setdefault(proto.get("name"), proto)
        udp = top.get("udp")
        ip = top.get("ip")
        ip6 = top.get("ipv6")
        fragment = False
        if ip is not None:
            fragment = first(ip, "ip.flags.mf").get("show") == "1" or showint(first(ip, "ip.frag_offset")) != 0
        if ip6 is not None and first(ip6, "ipv6.fraghdr") is not None:
            fh = first(ip6, "ipv6.fraghdr")
            fragment = showint(first(fh, "ipv6.fraghdr.offset")) != 0 or first(fh, "ipv6.fraghdr.more").get("show") == "1"
        if udp is not None and not fragment:
            entry["udp"] = {
                "ipVersion": 4 if ip is not None else 6,
                "srcAddr": first(ip, "ip.src").get("show") if ip is not None else first(ip6, "ipv6.src").get("show"),
                "dstAddr": first(ip, "ip.dst").get("show") if ip is not None else first(ip6, "ipv6.dst").get("show"),
                "srcPort": showint(first(udp, "udp.srcport")),
                "dstPort": showint(first(udp, "udp.dstport")),
                "payloadLength": showint(first(udp, "udp.length")) - 8,
            }
        frames.append(entry)
    return {"command": command_text(args), "frames": frames}


def write(path, obj):
    """JSON with one record/sample/frame per line: diffable, and a third of the indented size."""
    def list_of_dicts(v):
        return isinstance(v, list) and any(isinstance(x, dict) for x in v)

    def enc(v, depth):
        # Expand lists of objects and the objects holding them; print everything else inline.
        pad = " " * (depth + 1)
        if list_of_dicts(v):
            return "[\n" + ",\n".join(pad + enc(x, depth + 1) for x in v) + "\n" + " " * depth + "]"
        if isinstance(v, dict) and any(list_of_dicts(x) for x in v.values()):
            items = [f"{pad}{json.dumps(k)}: {enc(x, depth + 1)}" for k, x in v.items()]
            return "{\n" + ",\n".join(items) + "\n" + " " * depth + "}"
        return json.dumps(v, separators=(", ", ": "))

    with open(path, "w") as fh:
        fh.write(enc(obj, 0))
        fh.write("\n")


def main():
    version = tshark_version()
    for rel, (dissector, port) in FIXTURES.items():
        path = os.path.join(REPO, rel)
        if not os.path.exists(path):
            print(f"skip {rel}: missing", file=sys.stderr)
            continue
        root, args = pdml(path, f"udp.port=={port},{dissector}")
        datagrams = []
        for packet in root.iter("packet"):
            datagrams.append(cflow_datagram(packet) if dissector == "cflow" else sflow_datagram(packet))
        if dissector == "cflow":
            add_wallclock(datagrams)
        out = {
            "file": os.path.basename(rel),
            "tshark": version,
            "command": command_text(args),
            "datagrams": datagrams,
        }
        write(path[: -len(".pcap")] + ".json", out)
        n = sum(len(d.get("records", d.get("samples", []))) for d in datagrams)
        print(f"{rel}: {len(datagrams)} datagrams, {n} records/samples", file=sys.stderr)
    for rel in READER_FIXTURES:
        path = os.path.join(REPO, rel)
        if not os.path.exists(path):
            print(f"skip {rel}: missing", file=sys.stderr)
            continue
        t = reader_truth(path)
        t["file"] = os.path.basename(rel)
        t["tshark"] = version
        write(os.path.splitext(path)[0] + ".json", t)
        print(f"{rel}: {len(t['frames'])} frames, {sum(1 for f in t['frames'] if 'udp' in f)} UDP", file=sys.stderr)


if __name__ == "__main__":
    main()
