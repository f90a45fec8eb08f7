package io.ballast.core.attempt;

/**
 * gRPC status codes, and how they are judged: a gRPC call answers HTTP 200 whatever happened,
 * and says how it went in its {@code grpc-status}. To judge a call as every other request is
 * (load, circuit breaker, outlier detection, {@code auto}, retries on status) its status is
 * read as the HTTP status that means the same (google.rpc.Code's documented mapping):
 *
 * <pre>
 *  0 OK                  200    9 FAILED_PRECONDITION 400
 *  1 CANCELLED           499   10 ABORTED             409
 *  2 UNKNOWN             500   11 OUT_OF_RANGE        400
 *  3 INVALID_ARGUMENT    400   12 UNIMPLEMENTED       501
 *  4 DEADLINE_EXCEEDED   504   13 INTERNAL            500
 *  5 NOT_FOUND           404   14 UNAVAILABLE         503
 *  6 ALREADY_EXISTS      409   15 DATA_LOSS           500
 *  7 PERMISSION_DENIED   403   16 UNAUTHENTICATED     401
 *  8 RESOURCE_EXHAUSTED  429
 * </pre>
 *
 * So UNAVAILABLE counts as a 503 (a backend failure, retryable when 503 is in
 * {@code retries.on_status}), NOT_FOUND as a 404 (the caller's business, not the backend's).
 * The other way, a status ballast answers itself becomes the gRPC status a client expects:
 * 502 and 503 are UNAVAILABLE, 504 is DEADLINE_EXCEEDED, and so on ({@link #ofHttp}).
 *
 * <p>Stateless.
 */
public final class GrpcStatus {
  public static final int OK = 0;
  public static final int CANCELLED = 1;
  public static final int UNKNOWN = 2;
  public static final int DEADLINE_EXCEEDED = 4;
  public static final int UNIMPLEMENTED = 12;
  public static final int INTERNAL = 13;
  public static final int UNAVAILABLE = 14;

  private static final String[] NAMES = {"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT",
      "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED",
      "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED",
      "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"};
  private static final int[] HTTP = {200, 499, 500, 400, 504, 404, 409, 403, 429, 400, 409, 400,
      501, 500, 503, 500, 401};

  private GrpcStatus() {}

  /** The HTTP status that means what {@code code} means; an unknown code is UNKNOWN's 500. */
  public static int httpEquivalent(int code) {
    return code >= 0 && code < HTTP.length ? HTTP[code] : 500;
  }

  /** "UNAVAILABLE"; "CODE_17" for a code gRPC does not define. */
  public static String name(int code) {
    return code >= 0 && code < NAMES.length ? NAMES[code] : "CODE_" + code;
  }

  /** The gRPC status for a status ballast answers with itself. */
  public static int ofHttp(int httpStatus) {
    return switch (httpStatus) {
      case 400 -> INTERNAL;
      case 401 -> 16;
      case 403 -> 7;
      case 404 -> UNIMPLEMENTED;
      case 413, 429, 431 -> 8;
      case 502, 503 -> UNAVAILABLE;
      case 504 -> DEADLINE_EXCEEDED;
      default -> UNKNOWN;
    };
  }

  /**
   * The code in a {@code grpc-status} value ("14"), or -1 when it is not a small decimal
   * number.
   */
  public static int parse(CharSequence value) {
    if (value == null || value.length() == 0 || value.length() > 3) {
      return -1;
    }
    int code = 0;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      code = code * 10 + (c - '0');
    }
    return code;
  }
}
