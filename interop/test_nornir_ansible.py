"""A Nornir project and an Ansible playbook, unchanged, against the inventories `fleetbench
emulate --write-inventory` writes: the user points their existing tooling at the fleet."""

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml
from nornir import InitNornir
from nornir_netmiko.tasks import netmiko_send_command

from course_fleet import start_format_fleet

PLAYBOOK = """\
- name: Every router answers show clock
  hosts: routers
  gather_facts: false
  tasks:
    - name: show clock
      cisco.ios.ios_command:
        commands:
          - show clock
      register: clock
    - name: the answer is the router's clock
      ansible.builtin.assert:
        that:
          - "'UTC' in clock.stdout[0]"
"""


def test_nornir_project_runs_unchanged(tmp_path, monkeypatch):
    f = start_format_fleet(tmp_path, 4, "project/", "nornir", "--profile", "instant")
    try:
        # As a user runs it: from the project folder, with its config.yaml as written.
        monkeypatch.chdir(f.target)
        nr = InitNornir(config_file="config.yaml")
        assert nr.config.runner.options.get("num_workers") == 20
        assert len(nr.inventory.hosts) == 4
        # What Nornir inherited from groups.yaml/defaults.yaml.
        for host in nr.inventory.hosts.values():
            assert host.platform == "cisco_ios"
            assert host.username and host.password
        result = nr.run(task=netmiko_send_command, command_string="show clock", enable=True)
        nr.close_connections()
        assert not result.failed, {h: r.exception for h, r in result.failed_hosts.items()}
        for name, multi in result.items():
            assert "UTC" in multi[0].result, (name, multi[0].result)
    finally:
        f.stop()


def ansible_env(tmp: Path):
    """A private home and temp for Ansible: nothing is left in the user's home."""
    home = tmp / "home"
    home.mkdir()
    env = dict(os.environ)
    env.update(
        HOME=str(home),
        ANSIBLE_LOCAL_TEMP=str(tmp / "ansible-tmp"),
        ANSIBLE_HOST_KEY_CHECKING="False",
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_RETRY_FILES_ENABLED="False",
        LC_ALL="C.UTF-8",
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
    )
    # The user's own Ansible settings have no say in this test.
    env.pop("ANSIBLE_CONFIG", None)
    return env


def test_ansible_playbook_runs_unchanged_yaml_and_ini(tmp_path):
    """The same playbook against a written YAML inventory and a written INI one (both at
    once, on two fleets: Ansible's start-up is most of the time)."""
    play = tmp_path / "play.yml"
    play.write_text(PLAYBOOK)
    env = ansible_env(tmp_path)
    fleets = [start_format_fleet(tmp_path, 3, "inventory.yaml", "ansible", "--profile", "instant"),
              start_format_fleet(tmp_path, 3, "hosts.ini", "ansible-ini", "--profile", "instant")]
    try:
        runs = [subprocess.Popen(["ansible-playbook", "-i", str(f.target), str(play)],
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                 cwd=tmp_path, env=env) for f in fleets]
        for f, p in zip(fleets, runs):
            out, _ = p.communicate(timeout=300)
            assert p.returncode == 0, (f.target.name, out[-4000:])
            # Two tasks, both ok, on every router of the written inventory.
            assert recap(out) == {h: (2, 0, 0) for h in ("R1", "R2", "R3")}, out[-4000:]
        # Ansible kept its files in the private home and temp.
        assert [p.name for p in (tmp_path / "home").iterdir()] in ([], [".ansible"])
    finally:
        for f in fleets:
            f.stop()


def recap(stdout: str):
    """{host: (ok, failed, unreachable)} from the PLAY RECAP."""
    rows = re.findall(r"^(\S+)\s+: ok=(\d+)\s+changed=\d+\s+unreachable=(\d+)\s+failed=(\d+)",
                      stdout, re.M)
    return {h: (int(ok), int(failed), int(unreach)) for h, ok, unreach, failed in rows}
