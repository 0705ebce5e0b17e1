import { describe, expect, it } from "vitest";
import { GuestView, Timeline, Track } from "../../src/model/timeline.js";

describe("Timeline", () => {
  it("records changes as a right-continuous step function, repeats and same-instant undos dropped", () => {
    const tl = new Timeline();
    tl.set(Track.ENABLE, 0, 10, 1);
    tl.set(Track.ENABLE, 0, 10, 1);
    tl.set(Track.ENABLE, 0, 20, 0);
    tl.set(Track.ENABLE, 0, 30, 1);
    tl.set(Track.ENABLE, 0, 30, 0);
    expect(tl.get(Track.ENABLE, 0)).toEqual({ times: [10, 20], values: [1, 0] });
    expect(tl.valueAt(Track.ENABLE, 0, 15, 0)).toBe(1);
    expect(tl.valueAt(Track.ENABLE, 0, 5, 0)).toBe(0);
  });

  it("records a first set of a kind without a reader-assumed initial value, even to 0", () => {
    const tl = new Timeline();
    tl.set(Track.FMASK, 0, 0, 0);
    expect(tl.get(Track.FMASK, 0)).toEqual({ times: [0], values: [0] });
  });

  it("records nothing for a Mask bit set to 1 or a QEMU view set to unused before any change", () => {
    const tl = new Timeline();
    for (let v = 0; v < 64; v++) {
      tl.set(Track.MASK, v, 0, 1);
      tl.set(Track.GUEST, v, 0, GuestView.UNUSED);
    }
    expect(tl.get(Track.MASK, 3)).toBeUndefined();
    expect(tl.get(Track.GUEST, 3)).toBeUndefined();
    // An unmask and its undo in one instant leave an empty track: still 1 throughout.
    tl.set(Track.MASK, 5, 100, 0);
    tl.set(Track.MASK, 5, 100, 1);
    expect(tl.get(Track.MASK, 5)).toEqual({ times: [], values: [] });
    tl.set(Track.MASK, 5, 200, 1);
    expect(tl.get(Track.MASK, 5)).toEqual({ times: [], values: [] });
    tl.set(Track.MASK, 5, 300, 0);
    tl.set(Track.MASK, 5, 400, 1);
    expect(tl.get(Track.MASK, 5)).toEqual({ times: [300, 400], values: [0, 1] });
  });

  it("keeps per-LPI tracks apart from per-vector tracks of the same number", () => {
    const tl = new Timeline();
    tl.set(Track.LPI_ENABLED, 8192, 7, 1);
    tl.set(Track.HOST, 8192, 8, 2);
    tl.mark(Track.LPI_DISCARD, 8193, 9);
    tl.set(Track.XLATE, 0, 6, 8192);
    expect(tl.get(Track.LPI_ENABLED, 8192)).toEqual({ times: [7], values: [1] });
    expect(tl.get(Track.HOST, 8192)).toEqual({ times: [8], values: [2] });
    expect(tl.get(Track.LPI_DISCARD, 8193)).toEqual({ times: [9], values: [1] });
    expect(tl.get(Track.LPI_DISCARD, 8192)).toBeUndefined();
    expect(tl.get(Track.XLATE, 0)).toEqual({ times: [6], values: [8192] });
  });
});
