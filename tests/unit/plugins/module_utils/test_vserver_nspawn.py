"""Rendering of the nspawn guest files (module_utils.vserver_nspawn) and its filters."""
import configparser

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.hapair.cluster.plugins.filter import vserver_settings
from ansible_collections.hapair.cluster.plugins.module_utils import vserver_nspawn as nspawn

HUBBLE = {
    "name": "hubble",
    "hostname": "hubble",
    "domain": "dr12.cnrs.fr",
    "address": "10.10.10.12/24",
    "interface": "eth0",
    "capabilities": [],
}


def parse(text):
    """A systemd unit-style file as {section: {key: value}} (each key once)."""
    parser = configparser.ConfigParser(strict=True, interpolation=None)
    parser.optionxform = str
    parser.read_string(text)
    return {section: dict(parser[section]) for section in parser.sections()}


def test_uid_base_is_fixed_per_name_and_in_nspawn_range():
    bases = {name: nspawn.uid_base(name) for name in ("hebdo", "hubble", "atlas", "ldap", "relay", "etats")}
    assert bases == {name: nspawn.uid_base(name) for name in bases}
    assert len(set(bases.values())) == len(bases)
    for base in bases.values():
        assert base % 65536 == 0
        assert 0x80000 <= base <= 0x6FFF0000
        assert nspawn.check_uid_base(base) is None


@pytest.mark.parametrize("base", [0, 65536, 1000, 0x70000000, True, "524288"])
def test_bad_uid_bases(base):
    assert nspawn.check_uid_base(base)


def test_settings_with_capabilities():
    text = nspawn.render_settings("hubble", ["net_admin", "CAP_SYS_TIME", "cap_net_admin"])
    conf = parse(text)
    assert conf["Exec"] == {
        "Boot": "yes",
        "PrivateUsers": "%d:65536" % nspawn.uid_base("hubble"),
        "Capability": "CAP_NET_ADMIN CAP_SYS_TIME",
    }
    assert conf["Files"] == {"PrivateUsersOwnership": "chown"}
    assert conf["Network"] == {"Private": "yes", "VirtualEthernet": "yes"}
    assert text.startswith("# Managed by hapair.cluster")


def test_settings_without_user_namespace_or_capabilities():
    conf = parse(nspawn.render_settings("hubble", [], private_users=False))
    assert conf["Exec"] == {"Boot": "yes", "PrivateUsers": "no"}
    assert "Files" not in conf


def test_settings_with_explicit_base():
    conf = parse(nspawn.render_settings("hubble", None, base=0x100000))
    assert conf["Exec"]["PrivateUsers"] == "1048576:65536"


def test_bad_capability():
    with pytest.raises(ValueError, match="capability name"):
        nspawn.normalize_capabilities(["CAP_NET ADMIN"])


def test_dropin_runs_the_helper_at_start_and_stop():
    lines = nspawn.render_dropin("hubble", "10.10.10.12/24", "eth0").splitlines()
    assert "[Service]" in lines
    assert "ExecStartPost=/usr/local/libexec/hapair/guest-net up hubble 10.10.10.12/24 eth0" in lines
    assert "ExecStopPost=-/usr/local/libexec/hapair/guest-net down hubble 10.10.10.12/24 eth0" in lines


def test_dropin_clears_what_a_killed_guest_left_before_it_starts():
    text = nspawn.render_dropin("hubble", "10.10.10.12/24", "eth0")
    pre = [line.split("=", 1)[1] for line in text.splitlines() if line.startswith("ExecStartPre=")]
    # unmounted, then removed; neither failure stops the start ("-")
    assert pre == ["-/usr/bin/umount --quiet /run/systemd/nspawn/unix-export/hubble",
                   "-/usr/bin/rmdir /run/systemd/nspawn/unix-export/hubble"]
    text = nspawn.render_dropin("hubble", "10.10.10.12/24", "eth0", "10.10.10.1", "/x/net")
    assert "ExecStartPost=/x/net up hubble 10.10.10.12/24 eth0 10.10.10.1\n" in text
    assert "[Install]" not in text and "WantedBy" not in text


@pytest.mark.parametrize("address, why", [
    ("10.10.10.12", "address/prefix"),
    ("10.10.10.300/24", "not an address"),
    ("fd00::12/64", "IPv4"),
    (None, "address/prefix"),
])
def test_bad_addresses(address, why):
    with pytest.raises(ValueError, match=why):
        nspawn.parse_address(address)


def test_host_interface_names():
    assert nspawn.host_interface("hubble") == "ve-hubble"
    assert nspawn.host_interface("a" * 12) == "ve-" + "a" * 12
    assert nspawn.host_interface("a" * 13) is None


def test_hosts_and_hostname():
    hosts = nspawn.render_hosts("hubble", "dr12.cnrs.fr", "10.10.10.12/24")
    assert hosts.splitlines()[:2] == ["127.0.0.1\tlocalhost", "10.10.10.12\thubble.dr12.cnrs.fr\thubble"]
    assert "10.10.10.12\thubble\n" in nspawn.render_hosts("hubble", "", "10.10.10.12/24")
    assert nspawn.render_hostname("hubble") == "hubble\n"


def test_node_files_and_paths():
    files = nspawn.node_files(HUBBLE, "/srv/vservers")
    assert [f["path"] for f in files] == [
        "/etc/systemd/nspawn/hubble.nspawn",
        "/etc/systemd/system/systemd-nspawn@hubble.service.d/hapair-guest.conf",
    ]
    paths = nspawn.guest_paths("hubble", "/srv/vservers")
    assert paths["tree"] == "/srv/vservers/hubble"
    assert paths["machine_link"] == "/var/lib/machines/hubble"
    assert nspawn.link_needed("hubble", "/srv/vservers")
    assert not nspawn.link_needed("hubble", "/var/lib/machines")


def test_filter_gives_what_the_module_writes():
    assert vserver_settings.vserver_node_files(HUBBLE, "/srv/vservers") == nspawn.node_files(HUBBLE, "/srv/vservers")
    filters = vserver_settings.FilterModule().filters()
    assert set(filters) == {"vserver_node_files"}


@pytest.mark.parametrize("guest", [{"name": "Bad_Name"}, "hubble", dict(HUBBLE, uid_base=12),
                                   dict(HUBBLE, address="10.10.10.12")])
def test_filters_reject_bad_guests(guest):
    with pytest.raises(AnsibleFilterError):
        vserver_settings.vserver_node_files(guest)
