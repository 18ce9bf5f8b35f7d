import { createServer } from "node:net";
import { KnodeError } from "@knode/common";

export enum PortErrorCode {
  IN_USE = "NODE_PORT_IN_USE",
}

export class PortError extends KnodeError<{ code: PortErrorCode; what: string; host: string; port: number }> {}

/**
 * Checks every listening port before the node opens anything, so that a port in use ends startup with one
 * clear error instead of a half-started node that has already logged and then fails. (Another process can
 * still take a port in between; the servers report that themselves.)
 */
export async function assertPortsFree(ports: { what: string; host: string; port: number }[]): Promise<void> {
  for (const p of ports) {
    if (p.port === 0) continue;
    const free = await new Promise<boolean>((resolve) => {
      const srv = createServer();
      srv.once("error", () => resolve(false));
      srv.listen(p.port, p.host, () => srv.close(() => resolve(true)));
    });
    if (!free) {
      throw new PortError({ code: PortErrorCode.IN_USE, ...p }, `${p.what} port ${p.host}:${p.port} is already in use`);
    }
  }
}
