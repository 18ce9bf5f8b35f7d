/**
 * A small pure-JS keccak256, used only off the hot path (web3_sha3, address checksums, log-filter
 * bloom bits) when the node does not inject its native one through MethodTableOptions. Keeping it here
 * spares this package a crypto dependency (SPEC §1: rpc depends on types/common only).
 */

// Round constants of keccak-f[1600], split into 32-bit halves.
const RC = [
  0x00000001, 0x00000000, 0x00008082, 0x00000000, 0x0000808a, 0x80000000, 0x80008000, 0x80000000, 0x0000808b,
  0x00000000, 0x80000001, 0x00000000, 0x80008081, 0x80000000, 0x00008009, 0x80000000, 0x0000008a, 0x00000000,
  0x00000088, 0x00000000, 0x80008009, 0x00000000, 0x8000000a, 0x00000000, 0x8000808b, 0x00000000, 0x0000008b,
  0x80000000, 0x00008089, 0x80000000, 0x00008003, 0x80000000, 0x00008002, 0x80000000, 0x00000080, 0x80000000,
  0x0000800a, 0x00000000, 0x8000000a, 0x80000000, 0x80008081, 0x80000000, 0x00008080, 0x80000000, 0x80000001,
  0x00000000, 0x80008008, 0x80000000,
];
// Rotation offset of lane x+5y (rho).
const ROT = [0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14];
// Destination lane of lane x+5y after pi: (y, 2x+3y).
const PI = Array.from({ length: 25 }, (_, i) => {
  const x = i % 5;
  const y = (i / 5) | 0;
  return y + 5 * ((2 * x + 3 * y) % 5);
});
const RATE_BYTES = 136;

function permute(s: Uint32Array, c: Uint32Array, b: Uint32Array): void {
  for (let round = 0; round < 24; round++) {
    for (let x = 0; x < 5; x++) {
      c[2 * x] = s[2 * x] ^ s[2 * x + 10] ^ s[2 * x + 20] ^ s[2 * x + 30] ^ s[2 * x + 40];
      c[2 * x + 1] = s[2 * x + 1] ^ s[2 * x + 11] ^ s[2 * x + 21] ^ s[2 * x + 31] ^ s[2 * x + 41];
    }
    for (let x = 0; x < 5; x++) {
      const p = ((x + 4) % 5) * 2;
      const n = ((x + 1) % 5) * 2;
      const dLo = c[p] ^ ((c[n] << 1) | (c[n + 1] >>> 31));
      const dHi = c[p + 1] ^ ((c[n + 1] << 1) | (c[n] >>> 31));
      for (let y = 0; y < 25; y += 5) {
        s[2 * (x + y)] ^= dLo;
        s[2 * (x + y) + 1] ^= dHi;
      }
    }
    for (let i = 0; i < 25; i++) {
      const lo = s[2 * i];
      const hi = s[2 * i + 1];
      const r = ROT[i];
      const j = 2 * PI[i];
      if (r === 0) {
        b[j] = lo;
        b[j + 1] = hi;
      } else if (r < 32) {
        b[j] = (lo << r) | (hi >>> (32 - r));
        b[j + 1] = (hi << r) | (lo >>> (32 - r));
      } else if (r === 32) {
        b[j] = hi;
        b[j + 1] = lo;
      } else {
        const m = r - 32;
        b[j] = (hi << m) | (lo >>> (32 - m));
        b[j + 1] = (lo << m) | (hi >>> (32 - m));
      }
    }
    for (let y = 0; y < 25; y += 5) {
      for (let x = 0; x < 5; x++) {
        const i = 2 * (x + y);
        const i1 = 2 * (((x + 1) % 5) + y);
        const i2 = 2 * (((x + 2) % 5) + y);
        s[i] = b[i] ^ (~b[i1] & b[i2]);
        s[i + 1] = b[i + 1] ^ (~b[i1 + 1] & b[i2 + 1]);
      }
    }
    s[0] ^= RC[2 * round];
    s[1] ^= RC[2 * round + 1];
  }
}

function absorbByte(s: Uint32Array, pos: number, byte: number): void {
  const lane = pos >> 3;
  const k = pos & 7;
  if (k < 4) s[2 * lane] ^= byte << (8 * k);
  else s[2 * lane + 1] ^= byte << (8 * (k - 4));
}

export function keccak256(data: Uint8Array): Uint8Array {
  const s = new Uint32Array(50);
  const c = new Uint32Array(10);
  const b = new Uint32Array(50);
  let pos = 0;
  for (let i = 0; i < data.length; i++) {
    absorbByte(s, pos, data[i]);
    if (++pos === RATE_BYTES) {
      permute(s, c, b);
      pos = 0;
    }
  }
  // Keccak's original padding (0x01 ... 0x80), not SHA-3's 0x06.
  absorbByte(s, pos, 0x01);
  absorbByte(s, RATE_BYTES - 1, 0x80);
  permute(s, c, b);
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) {
    const lane = i >> 3;
    const k = i & 7;
    const word = k < 4 ? s[2 * lane] : s[2 * lane + 1];
    out[i] = (word >>> (8 * (k & 3))) & 0xff;
  }
  return out;
}
