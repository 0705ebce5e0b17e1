import { describe, expect, it } from "vitest";
import { zeroedF64, zeroedI32, zeroedU8, zeroedU32 } from "../../src/engine/typed-arrays.js";

describe("zeroed typed arrays carved from slabs", () => {
  it("are zero, of the asked length, and never share memory", () => {
    const made: Array<Float64Array | Uint8Array | Int32Array | Uint32Array> = [];
    // Sizes on V8's heap, carved, and too big to carve; odd byte counts between them, and
    // enough arrays to cross several slabs.
    const sizes = [0, 1, 7, 8, 9, 63, 64, 65, 100, 333, 1000, 2047, 2048, 2049, 5000];
    for (let round = 0; round < 60; round++) {
      for (const n of sizes) {
        for (const a of [zeroedU8(n), zeroedF64(n), zeroedI32(n), zeroedU32(n)]) {
          expect(a.length).toBe(n);
          expect(a.every((x) => x === 0)).toBe(true);
          made.push(a);
        }
      }
    }
    // Fill each with its own index; every array must still hold only its own after all writes.
    made.forEach((a, i) => {
      a.fill(i % 251);
    });
    made.forEach((a, i) => {
      expect(a.every((x) => x === i % 251)).toBe(true);
    });
  });

  it("Float64 views are aligned after an odd-sized byte array", () => {
    zeroedU8(67);
    const f = zeroedF64(20);
    expect(f.byteOffset % 8).toBe(0);
    f[19] = 1.5;
    expect(f[19]).toBe(1.5);
  });

  it("bad lengths fail as the constructors do", () => {
    expect(() => zeroedF64(-1)).toThrow(RangeError);
    expect(() => zeroedU8(-5)).toThrow(RangeError);
  });
});
