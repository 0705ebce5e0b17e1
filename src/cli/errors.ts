/** Exit code for bad input, a bad path or a usage error (commander's own errors included). */
export const EXIT_INPUT = 2;

/** Exit code for an internal error: a bug (the stack trace is printed). */
export const EXIT_INTERNAL = 1;

/** Exit code after Ctrl-C or SIGTERM (128 + SIGINT). */
export const EXIT_INTERRUPTED = 130;
