"""A pymodbus (3.0) Modbus TCP client for interoperability tests.

Usage: pymodbus_client.py HOST PORT REQUESTS_JSON
REQUESTS_JSON is a list of ["read", address, count] and ["write", address, value]. Prints one JSON
line: a list with, per request, {"registers": [...]} or {"echo": [address, value]} or
{"error": "..."}. Exits 2 when it cannot connect.
"""
import json
import sys

from pymodbus.client import ModbusTcpClient


def main() -> int:
    host, port, requests = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
    client = ModbusTcpClient(host, port=port, timeout=5, retries=0)
    if not client.connect():
        print(json.dumps({"error": "cannot connect"}), flush=True)
        return 2
    out = []
    try:
        for kind, address, arg in requests:
            if kind == "read":
                reply = client.read_holding_registers(address, arg, slave=1)
                out.append({"error": str(reply)} if reply.isError() else {"registers": list(reply.registers)})
            else:
                reply = client.write_register(address, arg, slave=1)
                out.append({"error": str(reply)} if reply.isError() else {"echo": [reply.address, reply.value]})
    finally:
        client.close()
    print(json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
