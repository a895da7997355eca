package dev.tangent;

/**
 * The one exception type for user-facing failures: bad input, missing files, too little memory, a native
 * library that cannot do what was asked. It carries the process exit code and a one-line message; only the
 * CLI turns it into text. Internal invariants use assertions and plain runtime exceptions instead.
 */
public final class TangentException extends RuntimeException {
    /** Exit code for bad input or an unsatisfiable request. */
    public static final int BAD_INPUT = 2;

    private final int exitCode;

    public TangentException(String message) {
        this(BAD_INPUT, message, null);
    }

    public TangentException(String message, Throwable cause) {
        this(BAD_INPUT, message, cause);
    }

    public TangentException(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
