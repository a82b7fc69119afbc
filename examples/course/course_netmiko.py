"""The course's session with netmiko, shared by the netmiko_*.py scripts.

netmiko is imported here at the top, as the course does: the process-based scripts fork
after it is loaded, so their workers do not each import it again (about 0.6 s of CPU each).
"""

from netmiko import ConnectHandler

from course_common import Outcome, failure, log_connection, log_received, netmiko_params


def send_show(device, command):
    """One session: connect, enable, send `command`, disconnect. Raises on any failure."""
    log_connection(device)
    with ConnectHandler(**netmiko_params(device)) as ssh:
        if device.get("secret"):
            ssh.enable()
        output = ssh.send_command(command)
    log_received(device)
    return output


def poll_one(device, command):
    """send_show that never raises: map() stops at the first exception, so the function it
    runs keeps each device's failure to itself."""
    try:
        return Outcome(device, output=send_show(device, command))
    except Exception as e:  # noqa: BLE001 - any failure of one device is that device's result
        return failure(device, e)
