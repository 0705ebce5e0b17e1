// The discrete-event engine. It knows nothing about interrupts.
export * from "./distributions.js";
export * from "./event.js";
export * from "./fingerprint.js";
export * from "./lock.js";
export * from "./process.js";
export * from "./random.js";
export * from "./simulation.js";
export * from "./time.js";
export * from "./trace.js";
