/**
 * Zero-filled typed arrays for the state a run builds once (per-vector tables, the event
 * table's columns), carved from shared slabs.
 *
 * Why: V8 keeps a typed array of more than 64 bytes outside its heap, and making one costs
 * about a microsecond (the backing store is allocated, zeroed and registered with the garbage
 * collector, which must later free it), a 4 KB one about four: a short run builds dozens, as
 * much as a tenth of its cost. A view into a slab costs what a small object costs. Each region
 * is handed out once, so it is still zero (a new ArrayBuffer is); a slab is freed by the
 * garbage collector when the last array carved from it goes.
 *
 * The arrays behave as any others (`set`, `fill`, `subarray`, `slice`); their `.buffer` is the
 * slab, so code must not send or copy `.buffer` itself (nothing here does).
 */
const SLAB_BYTES = 256 * 1024;
/** Arrays up to this size are carved; larger ones (and those V8 keeps on its heap) are not. */
const CARVE_MAX_BYTES = 16 * 1024;
const ON_HEAP_MAX_BYTES = 64;

let slab = new ArrayBuffer(SLAB_BYTES);
let used = 0;

/** The byte offset of a fresh zeroed region of `bytes` (a multiple of 8) in `slab`. */
function carve(bytes: number): number {
  if (used + bytes > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    used = 0;
  }
  const at = used;
  used += bytes;
  return at;
}

/** Rounded up to 8 bytes, so that every region can hold a Float64Array. */
function padded(bytes: number): number {
  return (bytes + 7) & ~7;
}

function carves(bytes: number): boolean {
  return bytes > ON_HEAP_MAX_BYTES && bytes <= CARVE_MAX_BYTES;
}

export function zeroedF64(n: number): Float64Array<ArrayBuffer> {
  const bytes = n * 8;
  if (!carves(bytes)) return new Float64Array(n);
  const at = carve(bytes); // before reading `slab`: carving may start a new one
  return new Float64Array(slab, at, n);
}

export function zeroedU8(n: number): Uint8Array<ArrayBuffer> {
  if (!carves(n)) return new Uint8Array(n);
  const at = carve(padded(n));
  return new Uint8Array(slab, at, n);
}

export function zeroedI32(n: number): Int32Array<ArrayBuffer> {
  const bytes = n * 4;
  if (!carves(bytes)) return new Int32Array(n);
  const at = carve(padded(bytes));
  return new Int32Array(slab, at, n);
}

export function zeroedU32(n: number): Uint32Array<ArrayBuffer> {
  const bytes = n * 4;
  if (!carves(bytes)) return new Uint32Array(n);
  const at = carve(padded(bytes));
  return new Uint32Array(slab, at, n);
}
