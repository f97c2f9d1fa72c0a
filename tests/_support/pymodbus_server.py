"""A pymodbus (3.0) Modbus TCP server for interoperability tests.

Serves holding registers 50000..57099 on unit 1 (zero-based addresses), with the values given as
JSON on argv[1] ({"address": value}). Listens on 127.0.0.1, a free port, prints "PORT <n>" and
serves until it is terminated.
"""
import asyncio
import json
import sys

from pymodbus.datastore import (
    ModbusSequentialDataBlock,
    ModbusServerContext,
    ModbusSlaveContext,
)
from pymodbus.server.async_io import ModbusTcpServer

START = 50000
COUNT = 7100


async def main() -> None:
    values = [0] * COUNT
    for address, value in json.loads(sys.argv[1] if len(sys.argv) > 1 else "{}").items():
        values[int(address) - START] = int(value)
    block = ModbusSequentialDataBlock(START, values)
    slave = ModbusSlaveContext(hr=block, zero_mode=True)
    context = ModbusServerContext(slaves={1: slave}, single=False)
    server = ModbusTcpServer(context, address=("127.0.0.1", 0))
    task = asyncio.ensure_future(server.serve_forever())
    await server.serving
    port = server.server.sockets[0].getsockname()[1]
    print(f"PORT {port}", flush=True)
    await task


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
