/** `msix-sim fit` defaults, apart from the command so that --help does not load the fit. */
export const DEFAULT_FIT_RUNS = 200;
export const DEFAULT_FIT_OUT = "out/fit";
