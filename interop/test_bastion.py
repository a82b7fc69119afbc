"""netmiko, Nornir and Ansible reach an emulated fleet through its jump host
(`fleetbench emulate --bastion`), unchanged: the written inventories carry the jump host the
way each tool reads it (netmiko's ssh_config_file with ProxyJump, nornir_netmiko's extras,
Ansible's ansible_paramiko_proxy_command), and the bastion's own count shows every session
went through it."""

import re
import subprocess

import yaml
from netmiko import ConnectHandler
from nornir import InitNornir
from nornir_netmiko.tasks import netmiko_send_command

from conftest import netmiko_args
from course_fleet import start_format_fleet
from test_nornir_ansible import PLAYBOOK, ansible_env, recap


def bastion_counts(fleet) -> dict:
    """The `bastion counts:` line `emulate` prints when it stops."""
    fleet.stop()
    log = (fleet.target.parent / "emulate.log").read_text()
    m = re.search(r"^bastion counts: (.*)$", log, re.M)
    assert m, log[-2000:]
    return {k: int(v) for k, v in (kv.split("=") for kv in m.group(1).split())}


def test_netmiko_polls_through_the_bastion(tmp_path):
    f = start_format_fleet(tmp_path, 3, "devices.yaml", "netmiko", "--profile", "instant", "--bastion")
    try:
        with open(f.target) as fh:
            devices = [d for group in yaml.safe_load(fh).values() for d in group]
        for d in devices:
            # The written entry is netmiko's own keys only; the jump host is in its ssh_config.
            assert "ssh_config_file" in d
            conn = ConnectHandler(**netmiko_args(d, ssh_config_file=d["ssh_config_file"]))
            try:
                assert "UTC" in conn.send_command("show clock")
            finally:
                conn.disconnect()
    finally:
        counts = bastion_counts(f)
    assert counts["channels_opened"] == 3, counts
    assert counts["dropped_at_startup"] == 0, counts


def test_nornir_polls_through_the_bastion(tmp_path, monkeypatch):
    f = start_format_fleet(tmp_path, 3, "project/", "nornir", "--profile", "instant", "--bastion")
    try:
        monkeypatch.chdir(f.target)
        nr = InitNornir(config_file="config.yaml")
        result = nr.run(task=netmiko_send_command, command_string="show clock", enable=True)
        nr.close_connections()
        assert not result.failed, {h: r.exception for h, r in result.failed_hosts.items()}
    finally:
        counts = bastion_counts(f)
    assert counts["channels_opened"] == 3, counts


def test_ansible_polls_through_the_bastion(tmp_path):
    play = tmp_path / "play.yml"
    play.write_text(PLAYBOOK)
    env = ansible_env(tmp_path)
    f = start_format_fleet(tmp_path, 3, "inventory.yaml", "ansible", "--profile", "instant", "--bastion")
    try:
        out = subprocess.run(["ansible-playbook", "-i", str(f.target), str(play)],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             cwd=tmp_path, env=env, timeout=300).stdout
        assert recap(out) == {h: (2, 0, 0) for h in ("R1", "R2", "R3")}, out[-4000:]
    finally:
        counts = bastion_counts(f)
    assert counts["channels_opened"] >= 3, counts
