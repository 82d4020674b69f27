"""Guests after site.yml: each answers at its own address from the client."""
import hashlib

import pytest

from labtools import GUESTS, NODES, holder, http_get, node

testinfra_hosts = list(NODES)


@pytest.mark.parametrize("guest", sorted(GUESTS))
def test_guest_answers_at_its_address_on_port_80(guest):
    """Two guests, the same port, each at its own address, from the client."""
    assert http_get(GUESTS[guest]) == guest


def test_guests_run_only_on_the_node_holding_the_group(host):
    name = host.check_output("hostname")
    active = holder()
    assert active in NODES, "no node holds the resource group"
    for guest in GUESTS:
        running = host.run(f"systemctl is-active --quiet systemd-nspawn@{guest}.service").rc == 0
        assert running == (name == active), (guest, name, active)


def test_guest_tree_on_the_replicated_filesystem(host):
    if holder() != host.check_output("hostname"):
        pytest.skip("read on the active node")
    for guest in GUESTS:
        assert host.file(f"/srv/vservers/{guest}/etc/os-release").exists
        assert host.check_output(f"findmnt -n -o SOURCE --target /srv/vservers/{guest}") == "/dev/drbd0"


def digest(host, path):
    return hashlib.sha256(host.file(path).content).hexdigest()


@pytest.mark.parametrize("guest", sorted(GUESTS))
def test_guest_configuration_identical_on_both_nodes(guest):
    one, two = node("node1"), node("node2")
    for path in (f"/etc/systemd/nspawn/{guest}.nspawn", f"/etc/vservers/{guest}.sh"):
        assert one.file(path).exists, path
        assert digest(one, path) == digest(two, path), path


def test_host_reaches_every_guest(host):
    """Mon runs on the host: it must reach each guest's service."""
    if holder() != host.check_output("hostname"):
        pytest.skip("from the active node")
    for guest, address in GUESTS.items():
        out = host.check_output(
            "python3 -c \"import urllib.request; print(urllib.request.urlopen('http://%s/', timeout=5)"
            ".read().decode().strip())\"" % address)
        assert out == guest
