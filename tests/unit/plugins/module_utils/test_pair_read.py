"""The parsers of module_utils/pair_read.py, on files of a pair built by hand."""
import json

import pytest

from ansible_collections.hapair.cluster.plugins.module_utils import pair_read
from ansible_collections.hapair.cluster.plugins.module_utils.csync2 import render_group

# `drbdadm dump all` on node-a (drbd-utils 8.4): a resource named srvdata, minor 1, port 7790.
DRBD_DUMP = """\
# /etc/drbd.conf
global {
    usage-count no;
}

common {
    net {
        protocol           C;
    }
}

# resource srvdata on node-a: not ignored, not stacked
# defined at /etc/drbd.d/srvdata.res:1
resource srvdata {
    on node-a {
        device           /dev/drbd1 minor 1;
        disk             /dev/vg0/srv;
        meta-disk        internal;
        address          ipv4 192.168.100.1:7790;
    }
    on node-b {
        device           /dev/drbd1 minor 1;
        disk             /dev/sdb1;
        meta-disk        internal;
        address          ipv4 192.168.100.2:7790;
    }
    net {
        protocol           C;
        max-buffers      8000;
        after-sb-0pri    discard-zero-changes;
        cram-hmac-alg    sha1;
        shared-secret    "Drbd-Link-Secret";
    }
    disk {
        on-io-error      detach;
        resync-rate      30M;
        fencing          resource-only;
    }
    startup {
        wfc-timeout      120;
        degr-wfc-timeout 60;
    }
    handlers {
        fence-peer       /usr/lib/heartbeat/drbd-peer-outdater;
        split-brain      "/usr/lib/drbd/notify-split-brain.sh root";
    }
}
"""

# ha.cf as written by hand: keepalive 1, deadtime 10, a time in ms, a serial line and two ucast paths.
HA_CF = """\
# /etc/ha.d/ha.cf of node-a
logfacility     local0
keepalive 1
deadtime 10
warntime 5000ms
initdead 60
udpport 694
baud 19200
serial /dev/ttyS0      # null-modem cable to node-b
ucast eth1 192.168.100.2
ucast eth0 10.10.10.2
auto_failback off
node node-a
node node-b
respawn hacluster /usr/lib/heartbeat/dopd
apiauth dopd gid=haclient uid=hacluster
crm no
"""

HARESOURCES = """\
# the resource group, identical on both nodes
node-a drbddisk::r0 Filesystem::/dev/drbd1::/srv::ext4 cluster MailTo::ops@example.org
"""

SECRET = "S3cr3t-Kept-Out-Of-Results"

AUTHKEYS = """\
# Heartbeat's keys
auth 2
1 crc
2 sha1 %s
3 md5 another-%s
""" % (SECRET, SECRET)

CSYNC2_CFG = """\
# csync2.cfg of the pair
nossl * *;

group dr
{
\thost apollo12 apollo13;
\tkey /etc/csync2.key_dr;
\tinclude /etc/vservers;
\tinclude /var/cache/vservers;
\texclude *~ .*;
\taction
\t{
\t\tpattern /etc/vservers/*;
\t\texec "/usr/local/sbin/reload-guests %%";
\t\tlogfile "/var/log/csync2_action.log";
\t\tdo-local;
\t}
\tbackup-directory /var/backups/csync2;
\tbackup-generations 3;
\tauto younger;
}
"""

# mon.cf like the 2008 French field report's.
MON_CF = """\
cfbasedir   = /etc/mon
alertdir    = /usr/lib/mon/alert.d
mondir      = /usr/lib/mon/mon.d
maxprocs    = 20
histlength  = 100
randstart   = 10s

hostgroup hubble 10.10.10.12

watch hubble
\tservice http
\t\tinterval 30s
\t\tmonitor http.monitor
\t\tperiod wd {Mon-Fri} hr {2am-11pm}
\t\t\talert ha-up-down.alert -S "Service http sur hubble en panne !" supervision@dr12.cnrs.fr
\t\t\tupalert mail.alert -S "Service http sur hubble OK" supervision@dr12.cnrs.fr
\tservice smtp
\t\tinterval 5m
\t\tmonitor smtp.monitor -t 60 \\
\t\t    -p 25
\t\tperiod wd {Sun-Sat}
\t\t\talertevery 1h
\t\t\talert mail.alert supervision@dr12.cnrs.fr
\t\t\talert file.alert /var/log/mon-smtp.log
"""

NSPAWN = """\
# hubble, set up by hand
[Exec]
Boot=yes
PrivateUsers=no
Capability=CAP_NET_ADMIN
Capability=CAP_SYS_TIME

[Files]
Bind=/srv/hubble-data:/var/lib/data
BindReadOnly=/etc/resolv.conf

[Network]
Private=yes
VirtualEthernet=yes
Zone=guests
"""


def reasons(unread):
    return [(item["line"], item["reason"]) for item in unread]


# -- DRBD -----------------------------------------------------------------------

def test_drbd_dump_resource_hosts_and_sections():
    dump, unread = pair_read.parse_drbd_dump(DRBD_DUMP)
    assert unread == []
    assert dump["global_"] == {"usage-count": "no"}
    assert dump["common"]["net"] == {"protocol": "C"}
    [res] = dump["resources"]
    assert (res["name"], res["protocol"], res["device"], res["minor"], res["port"]) == (
        "srvdata", "C", "/dev/drbd1", 1, 7790)
    assert res["hosts"]["node-a"] == dict(device="/dev/drbd1", minor=1, disk="/dev/vg0/srv", meta_disk="internal",
                                          address="192.168.100.1", family="ipv4", port=7790, volumes=[])
    assert res["hosts"]["node-b"]["disk"] == "/dev/sdb1"
    assert res["net"]["after-sb-0pri"] == "discard-zero-changes"
    assert res["disk"] == {"on-io-error": "detach", "resync-rate": "30M", "fencing": "resource-only"}
    assert res["startup"] == {"wfc-timeout": "120", "degr-wfc-timeout": "60"}
    assert res["handlers"]["split-brain"] == "/usr/lib/drbd/notify-split-brain.sh root"
    assert res["options"] == {} and res["syncer"] == {}


def test_drbd_shared_secret_is_withheld():
    dump, _unread = pair_read.parse_drbd_dump(DRBD_DUMP)
    res = dump["resources"][0]
    assert "shared-secret" not in res["net"] and res["withheld"] == ["net shared-secret"]
    assert "Drbd-Link-Secret" not in json.dumps(dump)


def test_drbd_this_host_volumes_ipv6_and_escapes():
    text = """resource r9 {
        _this_host {
            address ipv6 [fd00::1]:7799;
            volume 0 { device minor 3; disk /dev/sdc1; meta-disk /dev/sdd1 [0]; }
        }
        _remote_host { address ipv6 [fd00::2]:7799; }
        handlers { before-resync-target "/bin/echo \\"syncing\\""; }
    }"""
    dump, unread = pair_read.parse_drbd_dump(text)
    assert unread == []
    res = dump["resources"][0]
    this = res["hosts"]["_this_host"]
    assert (this["family"], this["address"], this["port"]) == ("ipv6", "fd00::1", 7799)
    assert this["volumes"] == [dict(volume="0", device=None, minor=3, disk="/dev/sdc1", meta_disk="/dev/sdd1 [0]")]
    assert res["port"] == 7799 and res["device"] is None and res["minor"] is None
    assert res["handlers"]["before-resync-target"] == '/bin/echo "syncing"'


def test_drbd_what_is_not_understood_is_unread_with_its_line():
    text = """resource r0 {
  floating ipv4 10.0.0.1:7788 { device /dev/drbd0; }
  on a { device /dev/drbd0 minor x; node-id 0; address 10.0.0.1; }
  stacked-on-top-of r1 { device /dev/drbd10; }
}
skip { anything; }
resource r0 { }
resource r2 {
"""
    dump, unread = pair_read.parse_drbd_dump(text, "dump")
    # the second r0 is left out; r2 is read as far as it goes, and said to be cut
    assert [r["name"] for r in dump["resources"]] == ["r0", "r2"]
    assert all(item["file"] == "dump" for item in unread)
    lines = [item["line"] for item in unread]
    assert lines == [2, 3, 3, 3, 4, 6, 7, 8]
    assert "device not understood" in unread[1]["reason"]
    assert "address not understood" in unread[3]["reason"]
    assert unread[-1]["reason"] == "'{' never closed"


@pytest.mark.parametrize("words, expected", [
    (["/dev/drbd1", "minor", "1"], ("/dev/drbd1", 1)),
    (["minor", "4"], (None, 4)),
    (["/dev/drbd2"], ("/dev/drbd2", None)),
    (["drbd1"], None),
    ([], None),
])
def test_drbd_device_words(words, expected):
    assert pair_read.drbd_device(words) == expected


# -- Heartbeat --------------------------------------------------------------------

def test_ha_cf_directives_lists_and_seconds():
    ha, unread = pair_read.parse_ha_cf(HA_CF)
    assert unread == []
    assert (ha["keepalive"], ha["deadtime"], ha["warntime"], ha["initdead"]) == ("1", "10", "5000ms", "60")
    assert ha["seconds"] == dict(keepalive=1.0, deadtime=10.0, warntime=5.0, initdead=60.0)
    assert ha["node"] == ["node-a", "node-b"]
    assert ha["serial"] == ["/dev/ttyS0"]
    assert ha["ucast"] == [dict(interface="eth1", address="192.168.100.2"),
                           dict(interface="eth0", address="10.10.10.2")]
    assert ha["respawn"] == [dict(user="hacluster", command="/usr/lib/heartbeat/dopd")]
    assert ha["apiauth"] == [dict(client="dopd", spec="gid=haclient uid=hacluster")]
    assert (ha["auto_failback"], ha["crm"], ha["udpport"], ha["baud"], ha["logfacility"]) == (
        "off", "no", "694", "19200", "local0")


def test_ha_cf_unknown_directive_and_unit_are_unread_with_their_line():
    text = HA_CF + "nodeip 10.0.0.1\nkeepalive 2s\ndeadping 200000us\nnode node-c,node-d\nbcast\n"
    ha, unread = pair_read.parse_ha_cf(text, "ha.cf")
    first = len(HA_CF.splitlines()) + 1
    assert reasons(unread) == [
        (first, "directive nodeip is not one this parser reads"),
        (first + 1, "keepalive 2s: Heartbeat reads a number of seconds, or of ms or us, and no other unit"),
        (first + 4, "bcast without a value"),
    ]
    assert unread[0] == dict(file="ha.cf", line=first, text="nodeip 10.0.0.1",
                             reason="directive nodeip is not one this parser reads")
    # the raw value is kept, its seconds are not invented
    assert ha["keepalive"] == "2s" and "keepalive" not in ha["seconds"]
    assert ha["seconds"]["deadping"] == pytest.approx(0.2)
    assert ha["node"] == ["node-a", "node-b", "node-c", "node-d"]


def test_ha_cf_stonith_host_line_is_withheld():
    ha, unread = pair_read.parse_ha_cf("stonith_host * baytech 10.0.0.3 admin PassW0rd\n")
    assert "stonith_host" not in ha
    assert unread[0]["line"] == 1 and "PassW0rd" not in json.dumps(unread)


@pytest.mark.parametrize("value, seconds", [
    ("1", 1.0), ("0.5", 0.5), ("500ms", 0.5), ("500MS", 0.5), ("250msec", 0.25), ("2000us", 0.002),
    ("2s", None), ("1m", None), ("", None), ("ms", None),
])
def test_heartbeat_seconds(value, seconds):
    assert pair_read.heartbeat_seconds(value) == seconds


def test_haresources_owner_and_ordered_resources():
    res, unread = pair_read.parse_haresources(HARESOURCES)
    assert unread == []
    [group] = res["groups"]
    assert (group["node"], group["line"]) == ("node-a", 2)
    assert [(r["agent"], r["args"]) for r in group["resources"]] == [
        ("drbddisk", ["r0"]),
        ("Filesystem", ["/dev/drbd1", "/srv", "ext4"]),
        ("cluster", []),
        ("MailTo", ["ops@example.org"]),
    ]


def test_haresources_continuations_comments_and_addresses():
    text = ("node-b 10.10.10.20/24/eth0 \\\n"
            "    drbddisk::r0 \\\n"
            "# a comment inside the continued line\n"
            "    Filesystem::/dev/drbd1::/srv::ext4  # the guests\n"
            "node-b Filesystem:: ::x\n")
    res, unread = pair_read.parse_haresources(text, "haresources")
    group = res["groups"][0]
    assert group["line"] == 1
    assert [r["text"] for r in group["resources"]] == [
        "10.10.10.20/24/eth0", "drbddisk::r0", "Filesystem::/dev/drbd1::/srv::ext4"]
    assert group["resources"][0]["agent"] == "IPaddr"
    assert reasons(unread) == [(5, "resource not understood (AGENT::ARG::ARG)"),
                               (5, "resource not understood (AGENT::ARG::ARG)"),
                               (5, "a node without resources")]


def test_authkeys_selection_and_method_never_the_secret():
    info, unread = pair_read.parse_authkeys_meta(AUTHKEYS)
    assert info == dict(auth=2, method="sha1", sha256=pair_read.fingerprint(AUTHKEYS.encode()))
    assert unread == []
    assert SECRET not in json.dumps([info, unread])


def test_authkeys_unread_lines_do_not_show_the_secret():
    text = "auth 4\n4 %s\n5 rot13 %s\n" % (SECRET, SECRET)
    info, unread = pair_read.parse_authkeys_meta(text.encode(), "authkeys")
    assert info["auth"] == 4 and info["method"] is None
    assert reasons(unread) == [
        (1, "no key 4 with a method this parser knows"),
        (2, "neither 'auth N' nor 'N crc|sha1|md5 SECRET'"),
        (3, "neither 'auth N' nor 'N crc|sha1|md5 SECRET'"),
    ]
    assert SECRET not in json.dumps([info, unread])


# -- Csync2 ------------------------------------------------------------------------

def test_csync2_groups_have_the_csync2_group_options():
    config, unread = pair_read.parse_csync2_cfg(CSYNC2_CFG)
    assert unread == []
    assert config["nossl"] == [["*", "*"]]
    group = config["groups"]["dr"]
    assert group == dict(
        name="dr", hosts=["apollo12", "apollo13"], key="/etc/csync2.key_dr",
        include=["/etc/vservers", "/var/cache/vservers"], exclude=["*~", ".*"],
        action=[dict(pattern=["/etc/vservers/*"], exec=["/usr/local/sbin/reload-guests %%"],
                     logfile="/var/log/csync2_action.log", do_local=True, do_local_only=False)],
        backup_directory="/var/backups/csync2", backup_generations=3, auto="younger")
    # what was read can be written back by the csync2_group module
    again, _unread = pair_read.parse_csync2_cfg(render_group(group))
    assert again["groups"]["dr"] == group


def test_csync2_unknown_statements_are_unread():
    text = CSYNC2_CFG + "prefix www { on apollo12: /var/www; }\ngroup x { host a; auto fastest; compare x; }\n"
    config, unread = pair_read.parse_csync2_cfg(text, "csync2.cfg")
    first = len(CSYNC2_CFG.splitlines()) + 1
    assert reasons(unread) == [
        (first, "not a csync2 statement this parser reads"),
        (first + 1, "auto is not one of none, first, younger, older, bigger, smaller, left, right"),
        (first + 1, "not a group setting this parser reads"),
    ]
    assert config["groups"]["x"]["auto"] is None


# -- Mon ---------------------------------------------------------------------------

def test_mon_cf_globals_hostgroups_and_the_report_watch():
    mon, unread = pair_read.parse_mon_cf(MON_CF)
    assert unread == []
    assert mon["settings"]["alertdir"] == "/usr/lib/mon/alert.d" and mon["settings"]["randstart"] == "10s"
    assert mon["hostgroups"] == {"hubble": ["10.10.10.12"]}
    http = mon["watches"]["hubble"]["services"]["http"]
    assert (http["interval"], http["monitor"]) == ("30s", "http.monitor")
    assert http["periods"] == [dict(
        label=None, period="wd {Mon-Fri} hr {2am-11pm}",
        alert=['ha-up-down.alert -S "Service http sur hubble en panne !" supervision@dr12.cnrs.fr'],
        upalert=['mail.alert -S "Service http sur hubble OK" supervision@dr12.cnrs.fr'],
        startupalert=[], ackalert=[], disablealert=[])]
    smtp = mon["watches"]["hubble"]["services"]["smtp"]
    assert smtp["monitor"] == "smtp.monitor -t 60 -p 25"
    assert smtp["periods"][0]["alertevery"] == "1h"
    assert smtp["periods"][0]["alert"] == ["mail.alert supervision@dr12.cnrs.fr", "file.alert /var/log/mon-smtp.log"]


def test_mon_cf_follows_mons_own_rules():
    text = ("hostgroup web www1\n"
            "   www2 www3\n"          # more hosts, up to the blank line
            "\n"
            "foo = bar\n"             # not a global mon knows
            "watch web\n"
            "  interval 1m\n"         # before any service
            "  service http\n"
            "    HTTP_PATH=/health\n"
            "    period p1: wd {Mon-Fri}\n"
            "      alert mail.alert root\n"
            "      monitor http.monitor\n"  # a service setting after a period
            "\n"
            "alias web\n")
    mon, unread = pair_read.parse_mon_cf(text, "mon.cf")
    assert mon["hostgroups"] == {"web": ["www1", "www2", "www3"]}
    http = mon["watches"]["web"]["services"]["http"]
    assert http["env"] == {"HTTP_PATH": "/health"}
    assert (http["periods"][0]["label"], http["periods"][0]["period"]) == ("p1", "wd {Mon-Fri}")
    assert [item["line"] for item in unread] == [4, 6, 11, 13]
    assert unread[0]["reason"] == "global foo is not one mon knows"


# -- systemd-nspawn ------------------------------------------------------------------

def test_nspawn_unit_sections_and_repeated_keys():
    unit, unread = pair_read.parse_nspawn_unit(NSPAWN)
    assert unread == []
    assert unit == {
        "Exec": {"Boot": ["yes"], "PrivateUsers": ["no"], "Capability": ["CAP_NET_ADMIN", "CAP_SYS_TIME"]},
        "Files": {"Bind": ["/srv/hubble-data:/var/lib/data"], "BindReadOnly": ["/etc/resolv.conf"]},
        "Network": {"Private": ["yes"], "VirtualEthernet": ["yes"], "Zone": ["guests"]},
    }


def test_nspawn_unit_other_sections_and_lines_are_unread():
    text = "Boot=yes\n[Exec]\nParameters=a \\\n  b\nnonsense\n[Service]\nX=1\n"
    unit, unread = pair_read.parse_nspawn_unit(text, "hubble.nspawn")
    assert unit == {"Exec": {"Parameters": ["a  b"]}}
    assert [item["line"] for item in unread] == [1, 5, 6, 7]


def test_proc_mounts_fields_and_escapes():
    mounts = pair_read.parse_proc_mounts("/dev/drbd1 /srv/my\\040data ext4 rw,relatime 0 0\nshort line\n")
    assert mounts == [dict(source="/dev/drbd1", mountpoint="/srv/my data", fstype="ext4", options="rw,relatime")]
