import { createInterface } from "node:readline";

/**
 * `knode attach URL`: a small console. Each line is `method arg1 arg2 ...` (args parsed as JSON when they
 * parse, else taken as strings), e.g. `klay_getBalance 0xabc... "latest"`; `exit` leaves.
 */
export async function attach(url: string): Promise<void> {
  const rl = createInterface({ input: process.stdin, output: process.stdout, prompt: "> " });
  let id = 0;
  process.stdout.write(`Connected to ${url}. Type a method and its params, e.g. klay_blockNumber\n`);
  rl.prompt();
  for await (const line of rl) {
    const words = line.trim().split(/\s+/).filter(Boolean);
    if (words.length === 0) {
      rl.prompt();
      continue;
    }
    if (words[0] === "exit" || words[0] === "quit") break;
    const [method, ...rest] = words;
    const params = rest.map((w) => {
      try {
        return JSON.parse(w) as unknown;
      } catch {
        return w;
      }
    });
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params }),
      });
      const body = (await res.json()) as { result?: unknown; error?: { message: string } };
      process.stdout.write(`${body.error ? `Error: ${body.error.message}` : JSON.stringify(body.result, null, 2)}\n`);
    } catch (e) {
      process.stdout.write(`Error: ${(e as Error).message}\n`);
    }
    rl.prompt();
  }
  rl.close();
}
