/**
 * JSON.parse that keeps every number as its source text (a string), so integers above 2^53 such as
 * Baobab's mintingAmount survive exactly. Node 20's JSON.parse has no access to the source text.
 */
export function parseJsonKeepNumbers(text: string): unknown {
  let pos = 0;

  const fail = (what: string): never => {
    throw new SyntaxError(`${what} at position ${pos}`);
  };
  const skipWs = () => {
    while (pos < text.length) {
      const c = text.charCodeAt(pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) pos++;
      else break;
    }
  };
  const NUMBER_RE = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

  const parseString = (): string => {
    // Delegate escapes to JSON.parse on the exact string token.
    const start = pos;
    pos++;
    while (pos < text.length) {
      const c = text[pos];
      if (c === "\\") pos += 2;
      else if (c === '"') {
        pos++;
        return JSON.parse(text.slice(start, pos)) as string;
      } else pos++;
    }
    return fail("unterminated string");
  };

  const parseValue = (): unknown => {
    skipWs();
    const c = text[pos];
    if (c === "{") {
      pos++;
      const obj: Record<string, unknown> = {};
      skipWs();
      if (text[pos] === "}") {
        pos++;
        return obj;
      }
      for (;;) {
        skipWs();
        if (text[pos] !== '"') fail("expected a key");
        const key = parseString();
        skipWs();
        if (text[pos] !== ":") fail("expected ':'");
        pos++;
        Object.defineProperty(obj, key, { value: parseValue(), enumerable: true, writable: true, configurable: true });
        skipWs();
        if (text[pos] === ",") pos++;
        else if (text[pos] === "}") {
          pos++;
          return obj;
        } else fail("expected ',' or '}'");
      }
    }
    if (c === "[") {
      pos++;
      const arr: unknown[] = [];
      skipWs();
      if (text[pos] === "]") {
        pos++;
        return arr;
      }
      for (;;) {
        arr.push(parseValue());
        skipWs();
        if (text[pos] === ",") pos++;
        else if (text[pos] === "]") {
          pos++;
          return arr;
        } else fail("expected ',' or ']'");
      }
    }
    if (c === '"') return parseString();
    for (const [word, value] of [
      ["true", true],
      ["false", false],
      ["null", null],
    ] as const) {
      if (text.startsWith(word, pos)) {
        pos += word.length;
        return value;
      }
    }
    NUMBER_RE.lastIndex = pos;
    const m = NUMBER_RE.exec(text);
    if (!m) return fail("unexpected token");
    pos += m[0].length;
    return m[0];
  };

  const value = parseValue();
  skipWs();
  if (pos !== text.length) fail("trailing characters");
  return value;
}
