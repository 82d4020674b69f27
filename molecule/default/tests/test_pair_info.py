"""hapair.cluster.pair_info on the pair site.yml built: it reads the
inventory's values back from each node, understands every line the roles
wrote, and returns no secret. Taking over a pair built by hand starts from
this module."""
import functools
import json

from labtools import GUESTS, NODES, RESOURCE, ansible_module, this


@functools.lru_cache(maxsize=None)
def _module_result(name):
    """One run of the module per node for the whole file (30 s under TCG)."""
    return ansible_module(name, "hapair.cluster.pair_info", {})


def _info(host):
    name = this(host)
    rc, result = _module_result(name)
    assert rc == 0, result
    assert result["changed"] is False
    return name, result


def test_pair_info_reads_the_inventory_back(host):
    name, result = _info(host)
    info = result["pair_info"]
    assert info["node"] == name
    assert info["missing"] == []
    assert info["unread"] == []
    resource = {r["name"]: r for r in info["drbd"]["resources"]}[RESOURCE]
    assert (resource["protocol"], resource["minor"], resource["port"]) == ("C", 0, 7791)
    assert {h: v["disk"] for h, v in resource["hosts"].items()} == {n: "/dev/vdb" for n in NODES}
    assert {h: v["address"] for h, v in resource["hosts"].items()} == {
        n: a["replication"] for n, a in NODES.items()}
    ha_cf = info["heartbeat"]["ha_cf"]
    assert sorted(ha_cf["node"]) == sorted(NODES)
    assert ha_cf["seconds"]["deadtime"] == 6
    group = info["heartbeat"]["haresources"]["groups"][0]
    assert group["node"] == "node1"
    agents = [r["agent"] for r in group["resources"]]
    assert agents[:3] == ["hapair-guard", "drbddisk", "Filesystem"]
    assert info["heartbeat"]["authkeys"]["mode"] == "0600"
    assert set(info["nspawn"]) == set(GUESTS)
    assert info["states"][RESOURCE]["disk"] == "UpToDate"


def test_pair_info_returns_no_secret(host):
    _, result = _info(host)
    text = json.dumps(result)
    secret = host.check_output("sudo awk '$1 ~ /^[0-9]+$/ {print $3}' /etc/ha.d/authkeys")
    assert secret and secret not in text
    for key in result["pair_info"]["csync2"]["keys"]:
        content = host.check_output("sudo cat %s" % key)
        assert content and content not in text
