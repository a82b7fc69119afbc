"""netmiko and scrapli against the default emulated IOS device."""

from netmiko import ConnectHandler


def test_netmiko_show_clock(fleet_factory):
    fleet = fleet_factory(2, "--profile", "instant")
    for d in fleet.devices:
        conn = ConnectHandler(
            device_type=d.get("device_type", "cisco_ios"),
            host=d.get("host") or d.get("ip"),
            port=d["port"],
            username=d["username"],
            password=d["password"],
            secret=d.get("secret", ""),
        )
        conn.enable()
        out = conn.send_command("show clock")
        conn.disconnect()
        assert "UTC" in out
