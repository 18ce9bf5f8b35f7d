import { pino } from "pino";

/** The logger every subsystem receives; a pino instance narrowed to what we use. */
export type Logger = pino.Logger;

export type LogFormat = "text" | "json";

export interface LoggerOptions {
  /** Klaytn verbosity 0..5: 0 silent, 1 error, 2 warn, 3 info, 4 debug, 5 trace. */
  verbosity: number;
  format: LogFormat;
  /** File descriptor or path to write to; stderr by default so stdout stays for command output. */
  destination?: number | string;
}

export const defaultLoggerOptions: LoggerOptions = { verbosity: 3, format: "text", destination: 2 };

const LEVELS = ["silent", "error", "warn", "info", "debug", "trace"] as const;

export function verbosityToLevel(verbosity: number): pino.LevelWithSilent {
  const v = Math.max(0, Math.min(5, Math.trunc(verbosity)));
  return LEVELS[v];
}

/**
 * Text format is one line per event, `time level module message key=value...`, written synchronously
 * so that a SIGKILLed node still leaves its last lines; JSON is pino's native NDJSON.
 */
export function createLogger(opts: Partial<LoggerOptions> = {}): Logger {
  const o = { ...defaultLoggerOptions, ...opts };
  const level = verbosityToLevel(o.verbosity);
  const dest = pino.destination({ dest: o.destination ?? 2, sync: true });
  if (o.format === "json") return pino({ level, base: undefined }, dest);
  return pino(
    {
      level,
      base: undefined,
      timestamp: false,
      formatters: { level: (label) => ({ level: label }) },
      hooks: {
        streamWrite: (s: string) => formatTextLine(s),
      },
    },
    dest,
  );
}

function formatTextLine(json: string): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(json);
  } catch {
    return json;
  }
  const { level, msg, module, ...rest } = rec;
  const time = new Date().toISOString().slice(11, 23);
  let line = `${time} ${String(level).toUpperCase().padEnd(5)} ${module ? `[${module}] ` : ""}${msg ?? ""}`;
  for (const [k, v] of Object.entries(rest)) {
    line += ` ${k}=${typeof v === "string" ? v : JSON.stringify(v)}`;
  }
  return `${line}\n`;
}

/** A logger that drops everything, for unit tests. */
export function nullLogger(): Logger {
  return pino({ level: "silent" });
}
