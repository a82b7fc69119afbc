"""A netmiko poller that writes fleetbench's results contract (see docs/src/external.md).
Usage: python3 results_contract.py DEVICES_YAML RESULTS_JSONL COMMAND"""
import json, sys, yaml
from concurrent.futures import ThreadPoolExecutor
from netmiko import ConnectHandler
inventory, results, command = sys.argv[1:]
def poll(d):
    line = {"host": d["ip"], "port": d.get("port", 22), "ok": False, "output": None, "error": None}
    try:
        with ConnectHandler(**{k: v for k, v in d.items() if k != "name"}) as conn:
            line.update(ok=True, output=conn.send_command(command))
    except Exception as e:  # one device's failure is its line, not the run's
        line["error"] = f"{type(e).__name__}: {e}"
    return line
with ThreadPoolExecutor(20) as pool, open(results, "w") as out:
    for line in pool.map(poll, yaml.safe_load(open(inventory))["routers"]):
        out.write(json.dumps(line) + "\n")
