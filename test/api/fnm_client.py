#!/usr/bin/python3
# A client written the way FastNetMon Advanced users write them (compare FastNetMon's own
# blackhole-escalation and example API client scripts): python-requests, HTTP Basic auth,
# http://127.0.0.1:<port>, checks `success`, reads `values` / `object`. It must work against
# Breakwater unchanged. Usage: fnm_client.py <base-url> <user> <password> <ip-to-ban>
# Prints one JSON document with what it saw, for the test to check.
import json
import sys

import requests

base, user, password, to_ban = sys.argv[1:5]
auth_data = (user, password)
out = {}

blackholed_hosts = requests.get(base + '/blackhole', auth=auth_data)
if blackholed_hosts.status_code != 200 or not blackholed_hosts.json()['success']:
    print(json.dumps({'error': 'blackhole list failed', 'status': blackholed_hosts.status_code}))
    sys.exit(1)

out['blackholed'] = []
for blackholed_entity in blackholed_hosts.json()['values']:
    blackholed_ip = blackholed_entity['ip'].replace('/32', '', -1)
    r = requests.get(base + '/single_host_counters/' + blackholed_ip, auth=auth_data)
    if r.status_code != 200 or not r.json()['success']:
        print(json.dumps({'error': 'single_host_counters failed', 'status': r.status_code}))
        sys.exit(1)
    metrics = r.json()['object']
    out['blackholed'].append({
        'ip': blackholed_ip,
        'uuid': blackholed_entity['uuid'],
        'incoming_mbits': metrics['in_bytes'] / 1000 / 1000 * 8,
        'in_packets': metrics['in_packets'],
        'udp_in_packets': metrics['udp_in_packets'],
        'out_packets': metrics['out_packets'],
    })

r = requests.put(base + '/blackhole/' + to_ban, auth=auth_data)
out['ban'] = r.json()
listed = requests.get(base + '/blackhole', auth=auth_data).json()['values']
banned = [v for v in listed if v['ip'] == to_ban + '/32']
out['listed_after_ban'] = len(banned)
if banned:
    out['unban'] = requests.delete(base + '/blackhole/' + banned[0]['uuid'], auth=auth_data).json()
out['listed_after_unban'] = len([v for v in requests.get(base + '/blackhole', auth=auth_data).json()['values'] if v['ip'] == to_ban + '/32'])
out['bad_password_status'] = requests.get(base + '/blackhole', auth=(user, password + 'x')).status_code
print(json.dumps(out))
