# -*- coding: utf-8 -*-
# Copyright: hapair.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the pair's decisions (plugin_utils/pair_decisions.py).

Each filter takes what was read of the pair (or a decision already taken)
as its input and the pair's nodes (hapair_nodes) as its first argument.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.hapair.cluster.plugins.plugin_utils import pair_decisions as pd


def _nodes(nodes):
    """NODES as a list of two node names, or a filter error naming it."""
    if isinstance(nodes, (str, bytes, Mapping)) or not hasattr(nodes, "__iter__"):
        raise AnsibleFilterError("hapair_nodes=%r: expected the list of the pair's two nodes" % (nodes,))
    nodes = list(nodes)
    if len(nodes) != 2 or len(set(nodes)) != 2 or not all(isinstance(node, str) for node in nodes):
        raise AnsibleFilterError("hapair_nodes=%r: expected the list of the pair's two nodes" % (nodes,))
    return nodes


def _mapping(value, what):
    if not isinstance(value, Mapping):
        raise AnsibleFilterError("%s=%r: expected a dictionary" % (what, value))
    return value


def node_results(source, nodes, var=None):
    """node -> result, from hostvars (VAR: the variable), a registered loop or a dict."""
    return pd.statuses_by_node(_nodes(nodes), _mapping(source, "input of node_results"), var)


def pair_view(statuses, nodes, resources=None, guests=None):
    """Both nodes put together: statuses, missing, holders, active, problems, lines, message, data, table."""
    nodes = _nodes(nodes)
    return pd.pair_view(nodes, pd.statuses_by_node(nodes, _mapping(statuses, "input of pair_view")), resources or [],
                        list(guests or []))


def pair_health(statuses, nodes, step, off_ok=None, playbook=None):
    """The health rule before STEP: problems, resting, seen, message (refusal or success)."""
    nodes = _nodes(nodes)
    health = pd.pair_health(nodes, pd.statuses_by_node(nodes, _mapping(statuses, "input of pair_health")),
                            list(off_ok or []))
    if health["problems"]:
        health["message"] = pd.health_refusal(nodes, step, health, playbook)
    else:
        health["message"] = pd.health_success(nodes, step, health)
    return health


def switchover_decision(statuses, nodes, wanted=None):
    """Where the group moves: source, target, move, problems, message."""
    nodes = _nodes(nodes)
    return pd.switchover_decision(nodes, pd.statuses_by_node(nodes, _mapping(statuses, "input of switchover_decision")),
                                  wanted or None)


def upgrade_preflight(view, nodes, health):
    """Whether the pair can be upgraded: problems, master, slave, resuming, message."""
    return pd.upgrade_preflight(_nodes(nodes), _mapping(view, "input of upgrade_preflight"),
                                _mapping(health, "health"))


def upgrade_plan_lines(view, nodes, preflight, apt, packages):
    """What a check run of upgrade-kernel.yml would do, one line per step."""
    nodes = _nodes(nodes)
    preflight = _mapping(preflight, "preflight")
    apt_changed = dict((node, bool(result.get("changed", False)))
                       for node, result in pd.statuses_by_node(nodes, _mapping(apt, "apt")).items()
                       if isinstance(result, Mapping))
    return pd.upgrade_plan_lines(nodes, _mapping(view, "input of upgrade_plan_lines"), preflight["master"],
                                 preflight["slave"], apt_changed, list(packages))


def update_guests_plan(simulated, holder, guests, restart=None, interrupted=False):
    """What update-guests.yml does on HOLDER: pending, work, message."""
    outputs = {}
    for result in _mapping(simulated, "input of update_guests_plan").get("results", []):
        if isinstance(result, Mapping) and "item" in result:
            outputs[result["item"]] = result.get("stdout", "")
    return pd.update_guests_plan(holder, list(guests), outputs, restart or None, bool(interrupted))


def existing_pair(statuses, nodes, resources, markers):
    """Whether site.yml may go on with what runs on the nodes: problems, adopting, running, message."""
    nodes = _nodes(nodes)
    markers = pd.statuses_by_node(nodes, _mapping(markers, "markers"))
    managed = dict((node, bool(isinstance(result, Mapping) and (result.get("stat") or {}).get("exists")))
                   for node, result in markers.items())
    return pd.existing_pair(nodes, pd.statuses_by_node(nodes, _mapping(statuses, "input of existing_pair")),
                            list(resources or []), managed)


class FilterModule(object):
    """hapair.cluster pair decision filters."""

    def filters(self):
        return {
            "node_results": node_results,
            "pair_view": pair_view,
            "pair_health": pair_health,
            "switchover_decision": switchover_decision,
            "upgrade_preflight": upgrade_preflight,
            "upgrade_plan_lines": upgrade_plan_lines,
            "update_guests_plan": update_guests_plan,
            "existing_pair": existing_pair,
        }
