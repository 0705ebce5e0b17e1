import { S, type Time } from "../engine/index.js";

/**
 * Kernel timer rounding (kernel/time/timer.c round_jiffies_common with cpu skew 0): an expiry
 * is moved to a whole second, down if it lies in the first quarter of its second, else up;
 * a result not after `now` keeps the original expiry. Timers armed this way (the netdev
 * watchdog, hns3's service tasks) therefore fire on whole seconds of the guest's clock.
 */
export function roundJiffies(expiry: Time, now: Time): Time {
  const rem = expiry % S;
  const rounded = rem < S / 4 ? expiry - rem : expiry - rem + S;
  return rounded <= now ? expiry : rounded;
}

/** round_jiffies_relative(delay): the delay to the rounded expiry of now + delay. */
export function roundJiffiesRelative(delay: Time, now: Time): Time {
  return roundJiffies(now + delay, now) - now;
}
