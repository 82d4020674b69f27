"""Rendering inventories/apollo gives the field report's values."""
import os
import re
import stat

import pytest

NODES = ("apollo12", "apollo13")
GUESTS = ["hebdo", "hubble", "atlas", "ldap", "relay", "etats"]


def read(root, node, path):
    with open(os.path.join(str(root), node, path.lstrip("/")), encoding="utf-8") as handle:
        return handle.read()


def drbd_sections(text):
    """{'resource': {...}, 'on apollo12': {...}, 'net': {...}, ...}: option -> value."""
    sections = {}
    stack = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.endswith("{"):
            stack.append(line[:-1].strip())
            sections.setdefault(stack[-1], {})
        elif line == "}":
            stack.pop()
        else:
            key, _, value = line.rstrip(";").partition(" ")
            sections[stack[-1]][key] = value.strip()
    return sections


def test_drbd_resource_has_the_report_values(apollo_render):
    for node in NODES:
        res = drbd_sections(read(apollo_render, node, "/etc/drbd.d/clusterdr.res"))
        assert "resource clusterdr" in res
        assert res["net"]["protocol"] == "C"
        assert res["net"]["sndbuf-size"] == "2048k"
        assert res["net"]["max-buffers"] == "32768"
        assert res["disk"]["resync-rate"] == "700000K"
        assert res["disk"]["al-extents"] == "257"
        assert res["disk"]["on-io-error"] == "detach"
        assert res["startup"] == {"wfc-timeout": "240", "degr-wfc-timeout": "240"}
        assert "halt -f" in res["handlers"]["pri-on-incon-degr"]
        for peer, address in (("apollo12", "192.168.1.1"), ("apollo13", "192.168.1.2")):
            on = res["on " + peer]
            assert on["device"] == "/dev/drbd0 minor 0"
            assert on["disk"] == "/dev/sda11"
            assert on["address"] == address + ":7791"
            assert on["meta-disk"] == "internal"


def test_haresources_is_the_report_line_with_the_takeover_guard_on_both_nodes(apollo_render):
    """The report's line; the guard that refuses a takeover on outdated data
    stands before drbddisk."""
    lines = set()
    for node in NODES:
        text = read(apollo_render, node, "/etc/ha.d/haresources")
        body = [line for line in text.splitlines() if line and not line.startswith("#")]
        assert len(body) == 1
        lines.add(body[0])
    assert lines == {
        "apollo12 hapair-guard::clusterdr drbddisk::clusterdr Filesystem::/dev/drbd0::/srv::ext3 cluster "
        "MailTo::supervision.ssi@cnrs-mrs.fr"
    }


def ha_cf(root, node):
    out = {}
    for line in read(root, node, "/etc/ha.d/ha.cf").splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition(" ")
            out.setdefault(key, []).append(value)
    return out


def test_ha_cf_talks_over_both_links(apollo_render):
    for node, peer_address in (("apollo12", "192.168.1.2"), ("apollo13", "192.168.1.1")):
        conf = ha_cf(apollo_render, node)
        assert conf["ucast"] == ["eth1 " + peer_address]
        assert conf["serial"] == ["/dev/ttyS0"]
        assert conf["baud"] == ["19200"]
        assert conf["node"] == ["apollo12", "apollo13"]
        assert conf["auto_failback"] == ["off"]
        assert conf["crm"] == ["no"]
        # dopd, which DRBD's fence-peer handler asks to outdate the peer,
        # through the wrapper that gives it the collection's drbdadm
        assert conf["respawn"] == ["root /usr/local/lib/hapair/dopd"]
        assert conf["apiauth"] == ["dopd uid=root"]
        wrapper = read(apollo_render, node, "/usr/local/lib/hapair/dopd")
        assert "PATH=/usr/local/lib/hapair/dopd-bin:" in wrapper
        assert "exec /usr/libexec/heartbeat/dopd" in wrapper
        assert os.access(os.path.join(str(apollo_render), node, "usr/local/lib/hapair/dopd-bin/drbdadm"), os.X_OK)
        assert int(conf["keepalive"][0]) < int(conf["warntime"][0]) < int(conf["deadtime"][0])


def test_authkeys_is_masked_and_private(apollo_render):
    for node in NODES:
        path = os.path.join(str(apollo_render), node, "etc/ha.d/authkeys")
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        text = read(apollo_render, node, "/etc/ha.d/authkeys")
        assert re.search(r"^1 sha1 <secret: .*>$", text, re.M)


def test_cluster_script_starts_the_report_guests_in_order(apollo_render):
    text = read(apollo_render, "apollo12", "/etc/ha.d/resource.d/cluster")
    assert re.search(r"^GUESTS=\( hebdo hubble atlas ldap relay etats \)$", text, re.M)
    assert text == read(apollo_render, "apollo13", "/etc/ha.d/resource.d/cluster")


@pytest.mark.parametrize("index,guest", list(enumerate(GUESTS)))
def test_guest_hook_announces_its_address(apollo_render, index, guest):
    text = read(apollo_render, "apollo12", "/etc/vservers/%s.sh" % guest)
    address = "10.10.10.%d" % (11 + index)
    assert "ADDRESS=%s\n" % address in text
    assert "INTERFACE=eth0\n" in text
    assert '"$INTERFACE" "$ADDRESS" auto "$ADDRESS" ffffffff' in text
    assert "INTERVAL_MS=200\n" in text and "COUNT=5\n" in text


def csync2_group(text, name):
    match = re.search(r"group\s+%s\s*\{(.*)\n\}" % name, text, re.S)
    assert match, text
    return match.group(1)


def test_csync2_group_dr(apollo_render):
    texts = [read(apollo_render, node, "/etc/csync2.cfg") for node in NODES]
    assert texts[0] == texts[1]
    body = csync2_group(texts[0], "dr")
    assert re.search(r"^\s*host apollo12 apollo13;$", body, re.M)
    assert re.search(r"^\s*key /etc/csync2.key_dr;$", body, re.M)
    includes = re.findall(r"^\s*include (\S+);$", body, re.M)
    for path in ("/etc/vservers", "/var/cache/vservers", "/var/lib/vservers", "/var/run/vservers.rev"):
        assert path in includes
    assert re.search(r'^\s*logfile "/var/log/csync2_action.log";$', body, re.M)
    assert re.search(r"^\s*do-local;$", body, re.M)
    assert re.search(r"^\s*backup-directory /var/backups/csync2;$", body, re.M)
    assert re.search(r"^\s*backup-generations 3;$", body, re.M)
    assert re.search(r"^\s*auto younger;$", body, re.M)
    assert "nossl" not in texts[0]


def test_csync2_key_is_masked(apollo_render):
    assert "<secret:" in read(apollo_render, "apollo12", "/etc/csync2.key_dr")


def test_mon_cf_has_the_report_watch(apollo_render):
    text = read(apollo_render, "apollo12", "/etc/mon/mon.cf")
    assert text == read(apollo_render, "apollo13", "/etc/mon/mon.cf")
    lines = [line.strip() for line in text.splitlines()]
    for expected in (
        "hostgroup vserver_hubble hubble.dr12.cnrs.fr",
        "watch vserver_hubble",
        "service http",
        "interval 30s",
        "monitor http.monitor",
        "period wd {Mon-Fri} hr {2am-11pm}",
        'alert ha-up-down.alert -F -S "Service http on hubble down !" supervision@dr12.cnrs.fr',
            # not in the report's text, what its ha-up-down.alert did: the
            # group moves after three failed checks
            "alertafter 3",
        'upalert mail.alert -S "Service http on hubble up !" supervision@dr12.cnrs.fr',
        # not in the report: the same failure is mailed again after an hour,
        # not at every check
        "alertevery 1h",
    ):
        assert expected in lines, expected
    for key, value in (("maxprocs", "20"), ("histlength", "100"), ("randstart", "10s"),
                       ("dtlogging", "yes"), ("startupalerts_on_reset", "yes")):
        assert re.search(r"^%s\s*=\s*%s$" % (key, re.escape(value)), text, re.M), key


def test_drbd_fences_its_peer_and_reports_every_split_brain(apollo_render):
    text = read(apollo_render, "apollo12", "/etc/drbd.d/clusterdr.res")
    assert re.search(r"^    fencing resource-only;$", text, re.M)
    assert 'fence-peer "/usr/libexec/heartbeat/drbd-peer-outdater -t 5";' in text
    assert 'initial-split-brain "/usr/local/lib/hapair/drbd-notify initial-split-brain";' in text
    assert 'split-brain "/usr/local/lib/hapair/drbd-notify split-brain";' in text
