"""plugin_utils/pair_export.py: two nodes' pair_info results -> the collection's variables.

Each node is built from the text of its files through the parsers pair_info
uses (module_utils/pair_read.py), as pair_info would return it.
"""
import copy
import json

import pytest
import yaml

from ansible_collections.hapair.cluster.plugins.module_utils import pair_read
from ansible_collections.hapair.cluster.plugins.plugin_utils import pair_export

SECRET = "Heartbeat-Secret-42"
DRBD_SECRET = "drbd-shared-secret-77"

DUMP = """\
common { net { protocol C; } }
resource srvdata {
    on node-a { device /dev/drbd1 minor 1; disk /dev/vg0/srv; meta-disk internal; address ipv4 192.168.100.1:7790; }
    on node-b { device /dev/drbd1 minor 1; disk /dev/sdb1; meta-disk internal; address ipv4 192.168.100.2:7790; }
    net { max-buffers 8000; cram-hmac-alg sha1; shared-secret "%s"; }
    disk { on-io-error detach; resync-rate 100M; }
    startup { wfc-timeout 60; }
    handlers { split-brain "/usr/lib/drbd/notify-split-brain.sh ops@example.org"; }
}
""" % DRBD_SECRET

HA_CF = {
    "node-a": "keepalive 1\ndeadtime 10\nwarntime 5000ms\ninitdead 60\nbaud 38400\nserial /dev/ttyS0\n"
              "ucast eth1 192.168.100.2\nucast eth0 10.0.0.2\nnode node-a\nnode node-b\nauto_failback on\n"
              "nodeip 10.0.0.1\n",
    "node-b": "keepalive 1\ndeadtime 10\nwarntime 5000ms\ninitdead 60\nbaud 38400\nserial /dev/ttyS0\n"
              "ucast eth1 192.168.100.1\nucast eth0 10.0.0.1\nnode node-a\nnode node-b\nauto_failback on\n"
              "nodeip 10.0.0.2\n",
}
HARESOURCES = "node-a drbddisk::srvdata Filesystem::/dev/drbd1::/srv::ext4 vservers MailTo::ops@example.org\n"
CSYNC2 = ("nossl * *;\ngroup pair {\n  host node-a node-b;\n  key /etc/csync2.key_pair;\n  include /etc/vservers;\n"
          "  include /etc/systemd/nspawn;\n  auto younger;\n}\n")
MON = ("alertdir = /usr/lib/mon/alert.d\nmaxprocs = 10\n\nhostgroup web web.example.org\n\n"
       "hostgroup mail 10.0.0.31\n\nwatch web\n  service http\n    interval 1m\n    monitor http.monitor\n"
       "    period wd {Sun-Sat}\n      alert mail.alert -S \"web down\" ops@example.org\n"
       "      upalert mail.alert -S \"web up\" ops@example.org\n\n"
       "watch mail\n  service smtp\n    interval 1m\n    monitor smtp.monitor\n    period wd {Sun-Sat}\n"
       "      alert ha-up-down.alert ops@example.org\n      upalert mail.alert ops@example.org\n")
NSPAWN = {
    "web": "[Exec]\nBoot=yes\nPrivateUsers=no\nCapability=net_admin\n[Network]\nPrivate=yes\nVirtualEthernet=yes\n",
    "mail": "[Exec]\nBoot=yes\n[Network]\nPrivate=yes\nVirtualEthernet=yes\n",
}


def parsed(parser, text, unread):
    data, found = parser(text)
    unread.extend(found)
    return data


def node(name, authkeys="auth 1\n1 sha1 %s\n" % SECRET, key_sha="k" * 64, dump=DUMP, haresources=HARESOURCES,
         ha_cf=None):
    """pair_info's result on NAME."""
    unread = []
    drbd = dict(drbdadm="/usr/sbin/drbdadm", mounts={"/dev/drbd1": []}, **parsed(pair_read.parse_drbd_dump, dump, unread))
    meta = parsed(pair_read.parse_authkeys_meta, authkeys, unread)
    meta.update(mode="0600", owner="root", group="root")
    csync2 = parsed(pair_read.parse_csync2_cfg, CSYNC2, unread)
    csync2["keys"] = {"/etc/csync2.key_pair": dict(mode="0600", owner="root", group="root", sha256=key_sha)}
    return dict(changed=False, pair_info=dict(
        node=name,
        drbd=drbd,
        heartbeat=dict(ha_cf=parsed(pair_read.parse_ha_cf, ha_cf or HA_CF[name], unread),
                       haresources=parsed(pair_read.parse_haresources, haresources, unread), authkeys=meta),
        csync2=csync2,
        mon=parsed(pair_read.parse_mon_cf, MON, unread),
        nspawn=dict((guest, parsed(pair_read.parse_nspawn_unit, text, unread)) for guest, text in NSPAWN.items()),
        states={}, missing=[], unread=unread))


def inventory(**pair):
    """What the inventory gives the two hosts: their connection (and a password, never exported)."""
    out = {}
    for name, host in (("node-a", "10.0.0.1"), ("node-b", "10.0.0.2")):
        out[name] = dict(ansible_host=host, ansible_user="admin", ansible_password="pw-never-written", **pair)
    return out


def export(results=None, given=None):
    results = results or {"node-a": node("node-a"), "node-b": node("node-b")}
    return pair_export.export_pair(results, given if given is not None else inventory(), "byhand",
                                   ["node-a", "node-b"], "2026-12-07 10:00:00 UTC")


def section(result, key):
    return [item["text"] for item in result["issues"] if item["section"] == key]


def test_maps_what_the_nodes_say():
    result = export()
    assert result["problems"] == []
    pair = result["variables"]["pair"]
    assert pair["hapair_nodes"] == ["node-a", "node-b"]
    assert pair["hapair_preferred_node"] == "node-a"
    [res] = pair["drbd_resources"]
    assert res == dict(name="srvdata", minor=1, disks={"node-a": "/dev/vg0/srv", "node-b": "/dev/sdb1"}, port=7790,
                       meta_disk="internal", wfc_timeout=60, degr_wfc_timeout=0, on_io_error="detach",
                       resync_rate="100M", al_extents=1237, c_plan_ahead=20, protocol="C", sndbuf_size=0,
                       max_buffers=8000, ping_int=10, ping_timeout=5, mountpoint="/srv", fstype="ext4")
    # what DRBD does by itself is written: the collection's defaults would change it
    assert pair["drbd_fencing"] == "dont-care"
    assert pair["drbd_after_sb_0pri"] == "disconnect"
    assert pair["drbd_notify_address"] == "ops@example.org"
    assert (pair["heartbeat_keepalive"], pair["heartbeat_warntime"], pair["heartbeat_deadtime"],
            pair["heartbeat_initdead"]) == (1, 5, 10, 60)
    assert pair["heartbeat_baud"] == 38400
    assert pair["heartbeat_auto_failback"] is True
    assert pair["heartbeat_paths"] == [
        dict(type="ucast", network="replication"),
        dict(type="ucast", interface="eth0", addresses={"node-a": "10.0.0.1", "node-b": "10.0.0.2"}),
        dict(type="serial", port="/dev/ttyS0")]
    assert pair["heartbeat_dopd"] is False
    assert pair["heartbeat_mailto"] == "ops@example.org"
    assert pair["heartbeat_cluster_script_name"] == "vservers"
    assert pair["heartbeat_authkeys_keep"] is True
    assert pair["csync2_group_name"] == "pair" and pair["csync2_key_path"] == "/etc/csync2.key_pair"
    assert pair["csync2_includes"] == ["/etc/vservers", "/etc/systemd/nspawn"]
    assert pair["csync2_action_logfile"] == "" and pair["csync2_action_do_local"] is False
    assert pair["csync2_backup_directory"] == "" and pair["csync2_auto"] == "younger"
    assert pair["mon_maxprocs"] == 10 and pair["mon_serverbind"] == ""
    nodes = result["variables"]["nodes"]
    assert nodes["node-a"] == dict(ansible_host="10.0.0.1", ansible_user="admin",
                                   hapair_replication_address="192.168.100.1", hapair_replication_interface="eth1")
    assert nodes["node-b"]["hapair_replication_address"] == "192.168.100.2"


def test_guests_services_and_what_mon_cannot_say():
    guests = dict((g["name"], g) for g in export()["variables"]["pair"]["hapair_guests"])
    assert guests["web"]["private_users"] is False
    assert guests["web"]["capabilities"] == ["CAP_NET_ADMIN"]
    assert guests["web"]["domain"] == "example.org"
    [http] = guests["web"]["services"]
    assert http == dict(service="http", interval="1m", monitor="http.monitor", period="wd {Sun-Sat}",
                        alert="mail.alert", alert_subject="web down", recipients=["ops@example.org"],
                        upalert="mail.alert", upalert_subject="web up", alertevery="")
    [smtp] = guests["mail"]["services"]
    # the hand-made ha-up-down.alert without -F: written as it behaves with the collection's alert, and listed
    assert smtp["alert"] == "ha-up-down.alert" and smtp["failover"] is False
    assert "address" not in guests["mail"]


def test_not_exported_lists_without_guessing():
    result = export()
    unread = section(result, "unread")
    assert any("nodeip 10.0.0.1" in text for text in unread)
    expressed = "\n".join(section(result, "not_expressed"))
    assert "nossl * *" in expressed
    assert "cram-hmac-alg sha1" in expressed
    assert "net shared-secret (a secret, not read)" in expressed
    assert "mon.cf hostgroup mail watches the address 10.0.0.31" in expressed
    on_nodes = "\n".join(section(result, "not_on_nodes"))
    assert "guest mail: its address" in on_nodes and "guest web: its address" in on_nodes
    assert "start order is not on the nodes" in on_nodes
    notes = "\n".join(section(result, "note"))
    assert "failover: false" in notes
    assert "disk al-extents is not set on the nodes; DRBD's own default 1237 is written" in notes
    assert "resync-rate" not in notes
    text = result["not_exported"]
    for title in ("What pair_info did not understand", "What the nodes do not hold"):
        assert title in text
    assert result["summary"]


def test_the_inventory_gives_order_and_addresses():
    given = inventory(hapair_guests=[dict(name="mail", address="10.0.0.31/24"), dict(name="web", address="10.0.0.30/24"),
                                     dict(name="gone", address="10.0.0.39/24")],
                      hapair_guest_defaults=dict(suite="bookworm", mirror="http://deb.debian.org/debian"))
    result = export(given=given)
    guests = result["variables"]["pair"]["hapair_guests"]
    assert [(g["name"], g["address"]) for g in guests] == [("mail", "10.0.0.31/24"), ("web", "10.0.0.30/24")]
    assert result["variables"]["pair"]["hapair_guest_defaults"]["suite"] == "bookworm"
    assert not any("start order" in text for text in section(result, "not_on_nodes"))
    assert any("gone" in text for text in section(result, "difference"))


def test_no_secret_in_the_output():
    result = export()
    text = json.dumps(result)
    for secret in (SECRET, DRBD_SECRET, "pw-never-written"):
        assert secret not in text
    for item in result["files"]:
        assert "ansible_password" not in item["content"]
    heartbeat = [f for f in result["files"] if f["path"] == "group_vars/byhand/heartbeat.yml"][0]["content"]
    assert "heartbeat_authkeys_keep: true" in heartbeat and "authkeys is not exported" in heartbeat
    csync2 = [f for f in result["files"] if f["path"] == "group_vars/byhand/csync2.yml"][0]["content"]
    assert "csync2_key_path: /etc/csync2.key_pair" in csync2 and "never overwrites a" in csync2


def test_files_are_an_inventory_with_a_header():
    result = export()
    paths = [f["path"] for f in result["files"]]
    assert paths == ["hosts.yml"] + ["group_vars/byhand/%s.yml" % name for name in pair_export.GROUP_FILES] + [
        "host_vars/node-a.yml", "host_vars/node-b.yml"]
    for item in result["files"]:
        assert "Exported by hapair.cluster.export from the nodes node-a and node-b on 2026-12-07" in item["content"]
        yaml.safe_load(item["content"])
    hosts = yaml.safe_load(result["files"][0]["content"])
    assert hosts == {"all": {"children": {"hapair_pairs": {"children": {
        "byhand": {"hosts": {"node-a": None, "node-b": None}}}}}}}


def test_differences_between_the_nodes_are_listed():
    other_dump = DUMP.replace("max-buffers 8000", "max-buffers 4000")
    results = {"node-a": node("node-a"),
               "node-b": node("node-b", authkeys="auth 1\n1 sha1 other\n", key_sha="x" * 64, dump=other_dump,
                              haresources=HARESOURCES.replace("MailTo::ops@example.org", ""),
                              ha_cf=HA_CF["node-b"].replace("deadtime 10", "deadtime 20"))}
    result = export(results)
    assert result["problems"] == []
    differences = "\n".join(section(result, "difference"))
    assert "max-buffers" in differences
    assert "/etc/ha.d/haresources differs" in differences
    assert "/etc/ha.d/ha.cf differs" in differences and "deadtime" in differences
    problems = "\n".join(section(result, "problem"))
    assert "/etc/ha.d/authkeys differs between node-a and node-b" in problems
    assert "Csync2 key /etc/csync2.key_pair differs" in problems
    # the first node's view is the one exported
    assert result["variables"]["pair"]["drbd_resources"][0]["max_buffers"] == 8000


def test_other_peers_stop_the_export():
    other = DUMP.replace("on node-b", "on node-c")
    result = export({"node-a": node("node-a", dump=other), "node-b": node("node-b")})
    assert result["files"] == []
    assert any("node-a (node-a): DRBD resource srvdata" in p and "node-c" in p for p in result["problems"])
    assert "The export failed" in result["not_exported"]


def test_no_drbd_resource_stops_the_export():
    result = export({"node-a": node("node-a", dump=""), "node-b": node("node-b")})
    assert result["files"] == []
    assert result["problems"] == ["node-a (node-a): no DRBD resource (drbdadm dump all)"]


def test_a_node_not_read_stops_the_export():
    result = export({"node-a": node("node-a"), "node-b": dict(failed=True, msg="unreachable")})
    assert result["files"] == [] and "node-b could not be read (unreachable)" in result["problems"][0]


def test_an_inventory_name_that_is_not_the_node_name():
    results = {"10.0.0.1": node("node-a"), "10.0.0.2": node("node-b")}
    result = pair_export.export_pair(results, {"10.0.0.1": {}, "10.0.0.2": {}}, "byhand", ["10.0.0.1", "10.0.0.2"])
    assert result["nodes"] == ["node-a", "node-b"]
    assert result["variables"]["nodes"]["node-a"]["ansible_host"] == "10.0.0.1"


def test_a_fresh_copy_of_the_input_is_not_changed():
    results = {"node-a": node("node-a"), "node-b": node("node-b")}
    before = copy.deepcopy(results)
    export(results)
    assert results == before


@pytest.mark.parametrize("groups,group,expected", [
    ({"all": ["a", "b"], "ungrouped": [], "pair": ["a", "b"]}, None, ("pair", ["a", "b"])),
    ({"all": ["a", "b", "c", "d"], "hapair_pairs": ["a", "b", "c", "d"], "p1": ["a", "b"], "p2": ["c", "d"]},
     "p2", ("p2", ["c", "d"])),
])
def test_export_hosts(groups, group, expected):
    assert pair_export.export_hosts(groups, group) == expected


@pytest.mark.parametrize("groups,group,why", [
    ({"all": ["a", "b", "c", "d"], "p1": ["a", "b"], "p2": ["c", "d"]}, None, "several groups of two hosts: p1, p2"),
    ({"all": ["a", "b"], "ungrouped": ["a", "b"]}, None, "no group"),
    ({"all": ["a", "b", "c"], "p": ["a", "b", "c"]}, "p", "group p has 3 host(s)"),
    ({"all": []}, "nope", "not a group"),
])
def test_export_hosts_refuses(groups, group, why):
    with pytest.raises(ValueError, match=".*" + why.replace("(", r"\(").replace(")", r"\)")):
        pair_export.export_hosts(groups, group)


def test_an_unset_on_io_error_is_drbd_84s_detach():
    """DRBD 8.4.11 detaches by default (drbdsetup show --show-defaults on the
    lab's nodes): an export that wrote pass_on would change the pair."""
    dump = DUMP.replace("on-io-error detach; ", "")
    assert "on-io-error" not in dump
    result = export({"node-a": node("node-a", dump=dump), "node-b": node("node-b", dump=dump)})
    [res] = result["variables"]["pair"]["drbd_resources"]
    assert res["on_io_error"] == "detach"


class Tagged(str):
    """A string subclass, as Ansible 2.19 hands filters the inventory's values."""


def test_values_ansible_hands_over_as_subclasses_are_written_as_plain_yaml():
    given = inventory(hapair_guests=[dict(name=Tagged("web"), address=Tagged("10.0.0.30/24"))])
    for host in given.values():
        host["ansible_user"] = Tagged("admin")
    result = pair_export.export_pair({"node-a": node("node-a"), "node-b": node("node-b")}, given, Tagged("byhand"),
                                     [Tagged("node-a"), Tagged("node-b")], Tagged("2026-12-07 10:00:00 UTC"))
    assert result["problems"] == []
    for item in result["files"]:
        assert "!!python" not in item["content"]
        yaml.safe_load(item["content"])
    guests = [f for f in result["files"] if f["path"] == "group_vars/byhand/guests.yml"][0]["content"]
    assert "address: 10.0.0.30/24" in guests


def test_one_ha_cf_for_both_nodes_gives_one_path_per_link():
    """ha.cf written once for both nodes: a ucast line to each node's address
    on each link; Heartbeat ignores the one to the node's own address."""
    same = ("keepalive 1\ndeadtime 10\nwarntime 5\ninitdead 60\nbaud 38400\nserial /dev/ttyS0\n"
            "ucast eth1 192.168.100.1\nucast eth1 192.168.100.2\nnode node-a\nnode node-b\nauto_failback on\n")
    result = export(results={"node-a": node("node-a", ha_cf=same), "node-b": node("node-b", ha_cf=same)})
    assert result["problems"] == []
    paths = result["variables"]["pair"]["heartbeat_paths"]
    assert dict(type="ucast", network="replication") in paths
    assert [p for p in paths if p.get("type") == "ucast"] == [dict(type="ucast", network="replication")]
    assert any("own address" in text for text in section(result, "note"))


def test_what_validate_would_refuse_is_listed_as_a_problem():
    """DRBD's default ping (10 s) does not notice a dead peer before a
    Heartbeat deadtime of 10 s: the take-over would be refused, so the export
    says so, naming the variable, instead of leaving it to site.yml."""
    result = export()
    problems = section(result, "problem")
    assert any(text.startswith("site.yml would refuse the exported inventory: drbd_resources[0].ping_int=")
               for text in problems), problems
    assert any("site.yml would refuse" in line for line in result["summary"])
    assert result["problems"] == []
