"""Push a config with netmiko and read it back with napalm, against one emulated IOS device.

    fleetbench emulate --devices 3 --profile instant --write-inventory inv.yaml &
    .venv-interop/bin/python scripts/automation_demo.py inv.yaml R2

Needs netmiko and napalm (interop/requirements.txt)."""

import json
import sys

import yaml
from napalm import get_network_driver
from netmiko import ConnectHandler


def main(inventory: str, name: str) -> None:
    with open(inventory) as f:
        data = yaml.safe_load(f)
    devices = [d for group in data.values() for d in group] if isinstance(data, dict) else data
    d = next(d for d in devices if d["name"] == name)
    dev = dict(device_type=d["device_type"], host=d["ip"], port=d["port"],
               username=d["username"], password=d["password"], secret=d.get("secret", ""))
    with ConnectHandler(**dev) as conn:
        conn.enable()
        print(conn.send_config_set(["interface GigabitEthernet0/3",
                                    "description uplink to CORE-7",
                                    "ip address 192.0.2.41 255.255.255.0", "no shutdown",
                                    "ntp server 192.0.2.123"]))
        print(conn.save_config())
        print(conn.send_command("show startup-config | section interface GigabitEthernet0/3"))
    ios = get_network_driver("ios")(hostname=d["ip"], username=d["username"],
                                    password=d["password"],
                                    optional_args={"port": d["port"], "secret": d.get("secret", "")})
    ios.open()
    try:
        facts = ios.get_facts()
        print(json.dumps({k: facts[k] for k in ("hostname", "fqdn", "serial_number",
                                                "interface_list")}))
        print(json.dumps(ios.get_interfaces_ip()["GigabitEthernet0/3"]))
        print(json.dumps(ios.get_lldp_neighbors()))
    finally:
        ios.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "R2")
